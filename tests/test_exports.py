"""CSV and XLSX exports of the actions list: same filters, one row per action, no formulas."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.summary_data import build_world, change
from tracker.models import Status
from tracker.services import users as user_service


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


def _export_links(client: FlaskClient, page: str) -> dict[str, str]:
    """The list page's export links, by their label."""
    body = client.get(page).get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*/actions/export\.(csv|xlsx)[^"]*)" download>', body)
    return {kind: html.unescape(href) for href, kind in links}


def _person_owned_with_evidence(session: Session) -> Any:
    """The summary world; Anna belongs to NDA and gave evidence for her in-progress action."""
    world = build_world(session)
    world.owner_a.organisation_id = world.organisation.id
    session.add(world.owner_a)
    change(session, world.actions[1], world.owner_a, "2025-03-01",
           comment="Course held.", evidence_url="https://example.org/course.pdf")  # fmt: skip
    session.commit()
    return world


def test_the_list_exports_exactly_its_filtered_rows(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """The list's CSV and Excel links carry its filter: the same actions, with evidence and org."""
    world = _person_owned_with_evidence(session)
    login(make_user(role="viewer"))
    query = f"/actions?status=in_progress&status=not_started&owner={world.owner_a.id}"
    links = _export_links(client, query)
    assert set(links) == {"csv", "xlsx"}
    listed = re.findall(r'href="/actions/(\d+)"', client.get(query).get_data(as_text=True))
    rows = _csv_rows(client, links["csv"].removeprefix("/actions/export.csv"))
    assert sorted(int(r["Action"]) for r in rows) == sorted(int(i) for i in listed)
    assert sorted(int(r["Action"]) for r in rows) == [world.actions[0].id, world.actions[1].id]
    by_id = {int(r["Action"]): r for r in rows}
    a2 = by_id[world.actions[1].id]
    assert (a2["Owner"], a2["Organisation"], a2["Evidence"]) == (
        "Anna Owner", "NDA", "https://example.org/course.pdf"
    )  # fmt: skip
    assert by_id[world.actions[0].id]["Evidence"] == ""
    sheet = load_workbook(io.BytesIO(client.get(links["xlsx"]).data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert sorted(row[0] for row in values[1:]) == sorted(int(r["Action"]) for r in rows)
    evidence = values[0].index("Evidence")
    assert {row[evidence] for row in values[1:]} == {None, "https://example.org/course.pdf"}


def test_my_actions_exports_only_mine(session: Session, client: FlaskClient, login: Any) -> None:
    """The export links of "My actions" export the reader's actions, not the whole list."""
    world = _person_owned_with_evidence(session)
    world.owner_a.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(world.owner_a)
    session.commit()
    login(world.owner_a)
    links = _export_links(client, "/actions/mine")
    rows = _csv_rows(client, links["csv"].removeprefix("/actions/export.csv"))
    # Anna's two actions and NDA's one, now that she belongs to NDA.
    assert sorted(int(r["Action"]) for r in rows) == sorted(a.id for a in world.actions[:3])


def test_excel_export_is_formatted_for_reading(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """Excel: set column widths, the header row frozen, a filter over the rows, date cells."""
    world = build_world(session)
    login(make_user(role="viewer"))
    sheet = load_workbook(io.BytesIO(client.get("/actions/export.xlsx").data)).active
    assert sheet.freeze_panes == "A2"
    # 17 columns (verification, then issue 18's evidence files, last), a header, six actions
    assert sheet.auto_filter.ref == "A1:Q7"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "AEFN"}
    assert widths["E"] >= 40 and widths["A"] <= 10 and widths["N"] >= 30
    header = [cell.value for cell in sheet[1]]
    due = header.index("Due date") + 1
    a2_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == world.actions[1].id)
    cell = a2_row[due - 1]
    assert cell.is_date and cell.value.date() == dt.date(2025, 7, 1)
    assert cell.number_format == "yyyy-mm-dd"
