"""The actions list as a spreadsheet: CSV and XLSX, streamed page by page.

The rows come from the same filtered query as the actions page, read in pages by
id (keyset), so a hundred thousand actions never sit in memory at once. A cell
that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, and the
tab and carriage return that some programs also honour) is written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col

from ..labels import label
from ..models import Action, ActionEvent, Organisation, Recommendation, User, Verification
from . import editions
from . import evidence as evidence_service
from .listing import ActionFilter, filtered_query

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

PAGE = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportRow:
    action_id: int
    programme: str
    edition: str | None
    position: int
    recommendation: str
    editions: str
    title: str
    owner: str | None
    organisation: str | None
    status: str
    due_on: dt.date | None
    follows_deadline: bool
    last_change_at: dt.datetime | None
    last_change: str | None
    evidence: str | None = None
    verification: str = ""  # issue 14: not_required, awaiting or verified (last column)
    evidence_files: str | None = None  # issue 18: the names of the files still served


# The CSV's columns: stable English, whatever the reader's language, since scripts and
# the open-data CSV read them (issue 12); the Excel file takes the reader's language.
CSV_HEADERS = [
    "Action",
    "Programme",
    "Edition",
    "Recommendation number",
    "Recommendation",
    "Title",
    "Owner",
    "Organisation",
    "Status",
    "Due date",
    "Follows the treaty deadline",
    "Last change (UTC)",
    "Last change",
    "Evidence",
    "Editions carrying it",
    "Verification",
    "Evidence files",
]

# Excel column widths (characters), in the order of the columns: wide for the texts,
# narrow for numbers and dates, so the file opens readable without resizing.
XLSX_WIDTHS = [8, 18, 26, 10, 60, 40, 22, 16, 16, 12, 10, 18, 40, 40, 16, 16, 40]


def headers() -> list[str]:
    """The Excel file's column names, in the reader's language."""
    return [
        gettext("Action"),
        gettext("Programme"),
        gettext("Edition"),
        gettext("Recommendation number"),
        gettext("Recommendation"),
        gettext("Title"),
        gettext("Owner"),
        gettext("Organisation"),
        gettext("Status"),
        gettext("Due date"),
        gettext("Follows the treaty deadline"),
        gettext("Last change (UTC)"),
        gettext("Last change"),
        gettext("Evidence"),
        gettext("Editions carrying it"),
        gettext("Verification"),
        gettext("Evidence files"),
    ]


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def _describe(event: ActionEvent | None, localised: bool) -> str | None:
    if event is None:
        return None
    kind = event.kind.value
    if kind == "status_changed" and event.status_to:
        word = label if localised else (lambda status: status.value)
        text = f"{word(event.status_from) if event.status_from else ''} -> {word(event.status_to)}"
    elif kind == "due_date_changed":
        text = f"due {event.due_from or '-'} -> {event.due_to or '-'}"
    elif kind == "owner_changed":
        text = "owner changed"
    elif kind in ("verified", "sent_back"):
        text = kind.replace("_", " ")
    elif kind == "created":
        text = "created"
    elif kind in ("repeated", "reworded", "split_off", "merged", "dropped", "detached"):
        text = kind.replace("_", " ") + " (edition)"
    else:
        text = "comment"
    if event.comment:
        text += f": {event.comment}"
    return text


def _verification_words(verification: Verification, localised: bool) -> str:
    """The code (``awaiting``), or in the reader's words on the Excel sheet."""
    if not localised:
        return verification.value
    return {
        Verification.not_required: gettext("not required"),
        Verification.awaiting: gettext("reported, awaiting verification"),
        Verification.verified: gettext("verified"),
    }[verification]


def iter_rows(
    session: Session, flt: ActionFilter, *, localised: bool = False
) -> Iterator[ExportRow]:
    """Every action matching ``flt``, by id, read ``PAGE`` at a time with its last event.

    Statuses as codes (``in_progress``), or ``localised`` in the reader's words.
    """
    base = filtered_query(session, flt).add_columns(
        col(Recommendation.position), col(Recommendation.text)
    )
    last_id = 0
    while True:
        page = session.execute(
            base.where(col(Action.id) > last_id).order_by(col(Action.id)).limit(PAGE)
        ).all()
        if not page:
            return
        ids = [row[0].id for row in page]
        latest = _latest_events(session, ids)
        evidence = _latest_evidence(session, ids)
        files = evidence_service.names_by_action(session, ids)
        people_organisations = _organisations_of(
            session, {row[0].owner_user_id for row in page if row[0].owner_user_id}
        )
        carried = editions.action_years(session, ids)
        for action, programme, report, owner, organisation, _assigned, position, text in page:
            event = latest.get(action.id)
            if organisation is None and action.owner_user_id is not None:
                # Owned by a person: the organisation is theirs.
                organisation = people_organisations.get(action.owner_user_id)
            yield ExportRow(
                action_id=action.id,
                programme=programme.short_name,
                edition=report.edition,
                position=position,
                recommendation=text,
                editions=", ".join(editions.edition_label(r) for r in carried.get(action.id, [])),
                title=action.title,
                owner=owner,
                organisation=organisation,
                status=label(action.status) if localised else action.status.value,
                due_on=action.due_on,
                follows_deadline=action.follows_deadline,
                last_change_at=event.at if event else None,
                last_change=_describe(event, localised),
                evidence=evidence.get(action.id),
                verification=_verification_words(action.verification, localised),
                evidence_files="; ".join(files.get(action.id, [])) or None,
            )
        last_id = ids[-1]


def _latest_events(session: Session, action_ids: list[int]) -> dict[int, ActionEvent]:
    """The newest event of each of these actions, in one query on (action_id, at)."""
    newest = (
        sa.select(col(ActionEvent.action_id), sa.func.max(col(ActionEvent.id)).label("id"))
        .where(col(ActionEvent.action_id).in_(action_ids))
        .group_by(col(ActionEvent.action_id))
        .subquery()
    )
    events = session.execute(
        sa.select(ActionEvent).join(newest, newest.c.id == col(ActionEvent.id))
    ).scalars()
    return {e.action_id: e for e in events}


def _latest_evidence(session: Session, action_ids: list[int]) -> dict[int, str]:
    """The newest evidence link given for each of these actions (one query)."""
    newest = (
        sa.select(sa.func.max(col(ActionEvent.id)))
        .where(col(ActionEvent.action_id).in_(action_ids))
        .where(col(ActionEvent.evidence_url).is_not(None))
        .group_by(col(ActionEvent.action_id))
    )
    rows = session.execute(
        sa.select(col(ActionEvent.action_id), col(ActionEvent.evidence_url)).where(
            col(ActionEvent.id).in_(newest)
        )
    ).all()
    return {action_id: url for action_id, url in rows if url}


def _organisations_of(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Short names of these people's organisations (one query; people without none left out)."""
    if not user_ids:
        return {}
    rows = session.execute(
        sa.select(col(User.id), col(Organisation.short_name))
        .join(Organisation, col(Organisation.id) == User.organisation_id)
        .where(col(User.id).in_(user_ids))
    ).all()
    return dict(rows)


def _values(row: ExportRow) -> list[Any]:
    return [
        row.action_id,
        row.programme,
        row.edition,
        row.position,
        row.recommendation,
        row.title,
        row.owner,
        row.organisation,
        row.status,
        row.due_on,
        row.follows_deadline,
        row.last_change_at.replace(tzinfo=None, microsecond=0) if row.last_change_at else None,
        row.last_change,
        row.evidence,
        row.editions,
        row.verification,
        row.evidence_files,
    ]


def csv_safe(value: Any) -> str:
    """A CSV cell: text a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A downloadable CSV in chunks of 500 rows, so a large one never sits in memory:
    UTF-8 with a byte-order mark so Excel reads accents, every cell through ``csv_safe``.
    The actions export and the audit trail's both come out through here."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for number, values in enumerate(rows, start=1):
        writer.writerow([csv_safe(v) for v in values])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream_csv(session: Session, flt: ActionFilter) -> Iterator[str]:
    """The actions list's CSV file in chunks."""
    yield from csv_chunks(CSV_HEADERS, (_values(row) for row in iter_rows(session, flt)))


def _xlsx_cell(sheet: Worksheet, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        if is_formula_like(value):
            # openpyxl would store "=..." as a formula: force a string cell, shown as text.
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
        return cell
    return value


def write_xlsx(session: Session, flt: ActionFilter) -> bytes:
    """The workbook, built in write-only mode (rows go to a temporary file, not memory)."""
    # openpyxl (and Pillow under it) costs a third of a second to import: only here.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Actions"))
    names = headers()
    for number, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"  # the header row stays in view while scrolling
    sheet.append(names)
    count = 0
    for row in iter_rows(session, flt, localised=True):
        sheet.append([_xlsx_cell(sheet, v) for v in _values(row)])
        count += 1
    # A filter arrow on every column, over exactly the rows written.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()
