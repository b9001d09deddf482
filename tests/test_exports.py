"""CSV and XLSX exports of the actions list: same filters, one row per action, no formulas."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.summary_data import build_world
from tracker.models import Status


def _csv_rows(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get("/actions/export.csv" + query)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_one_row_per_action_with_its_fields(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """The CSV opens with csv and holds every action with owner, status, due date, last change."""
    world = build_world(session)
    login(make_user(role="viewer"))
    rows = _csv_rows(client)
    assert len(rows) == 6
    by_id = {int(r["Action"]): r for r in rows}
    a2 = by_id[world.actions[1].id]
    assert (a2["Owner"], a2["Status"], a2["Due date"]) == (
        "Anna Owner",
        "in_progress",
        "2025-07-01",
    )
    assert a2["Recommendation"] == "Train more deminers"
    assert a2["Last change"].startswith("not_started -> in_progress")
    assert a2["Last change (UTC)"] == "2025-02-01 03:00:00"


def test_csv_uses_the_list_filters(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """status and owner filters from the query string narrow the export as they do the list."""
    world = build_world(session)
    login(make_user(role="viewer"))
    assert [r["Status"] for r in _csv_rows(client, "?status=implemented")] == ["implemented"]
    mine = _csv_rows(client, f"?owner={world.owner_a.id}")
    assert {r["Owner"] for r in mine} == {"Anna Owner"} and len(mine) == 2
    assert client.get("/actions/export.csv?owner=abc").status_code == 400


def test_formula_like_title_stays_text_in_csv_and_xlsx(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """A title starting with '=' is quoted in CSV and a plain string cell in XLSX."""
    world = build_world(session)
    login(make_user(role="viewer"))
    first = world.actions[0].id
    row = next(r for r in _csv_rows(client) if int(r["Action"]) == first)
    assert row["Title"].startswith("'=HYPERLINK(")
    response = client.get("/actions/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Action" and len(values) == 7
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    title = cells[first][5]
    assert title.data_type == "s" and title.value.startswith("=HYPERLINK(")
    assert title.quotePrefix
    due = cells[world.actions[1].id][9].value
    assert due.date().isoformat() == "2025-07-01"


def test_exports_need_sign_in(session: Session, client: FlaskClient) -> None:
    """Without signing in the export sends the visitor to the sign-in page."""
    build_world(session)
    assert client.get("/actions/export.csv").status_code in (302, 401)


def test_csv_stays_english_and_xlsx_follows_the_reader(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """For a Khmer reader the CSV keeps English headers and status codes; Excel is in Khmer."""
    build_world(session)
    login(make_user(role="viewer", language="km"))
    rows = _csv_rows(client)
    assert "Status" in rows[0] and {r["Status"] for r in rows} <= {s.value for s in Status}
    response = client.get("/actions/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "សកម្មភាព" and "ស្ថានភាព" in values[0]
    status_column = values[0].index("ស្ថានភាព")
    assert {row[status_column] for row in values[1:]} <= {
        "មិនទាន់ចាប់ផ្តើម", "កំពុងអនុវត្ត", "ជាប់គាំង", "បានអនុវត្ត", "មិនពាក់ព័ន្ធ"
    }  # fmt: skip
