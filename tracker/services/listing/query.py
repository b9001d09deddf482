"""The filtered list in SQL: conditions, order, the count and one page of rows."""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...formatting import local_today
from ...models import (
    OPEN_STATUSES,
    Action,
    Organisation,
    Programme,
    Recommendation,
    Report,
    Status,
    User,
)
from .. import editions as edition_service
from .. import escalation as escalation_rule
from .. import policy
from .filters import PAGE_SIZE, ActionFilter


class ProgrammeLine(NamedTuple):
    """What a list row shows of the action's programme."""

    id: int
    country: str
    timezone: str


class ReportLine(NamedTuple):
    """What a list row shows of the edition the action was made from."""

    id: int
    edition: str | None
    year: int | None


@dataclass
class ActionRow:
    """One line of a list: the action and the names it shows.

    From ``list_actions`` the action is a plain row of the ``action`` table's columns
    (read by attribute, like an ``Action``) and the programme and report named tuples;
    the API's keyset walk passes ORM objects. Plain rows cost a fraction of ORM objects
    to load, and a page of them can be cached (``views/fragments.py``).
    """

    action: Any  # Action, or a row of its columns
    programme: Any  # Programme or ProgrammeLine
    report: Any  # Report or ReportLine
    owner_name: str | None
    organisation_name: str | None
    assigned: bool
    today: dt.date
    editions: int = 1  # how many editions carry it

    @property
    def overdue(self) -> bool:
        return (
            self.action.due_on is not None
            and self.action.status in OPEN_STATUSES
            and self.action.due_on < self.today
        )


@dataclass
class Page:
    rows: list[ActionRow]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.size, self.total)


def _programme_todays(session: Session) -> dict[dt.date, list[int]]:
    """The programmes by their local today: 'overdue' depends on where the programme is.

    Grouped by day (a handful of dates, however many programmes), so that the filter
    is one ``programme_id IN (...) AND due_on < day`` per date rather than a clause per
    programme: the overdue list built and compiled 100 clauses on every miss.
    """
    rows = session.execute(sa.select(col(Programme.id), col(Programme.timezone))).all()
    zones = {timezone: local_today(timezone) for timezone in {row.timezone for row in rows}}
    by_day: dict[dt.date, list[int]] = {}
    for row in rows:
        by_day.setdefault(zones[row.timezone], []).append(row.id)
    return by_day


def _due_before(todays: dict[dt.date, list[int]], days: int) -> sa.ColumnElement[bool]:
    """due_on < (the programme's today + days), per programme."""
    clauses = [
        sa.and_(
            col(Action.programme_id).in_(sorted(ids)),
            col(Action.due_on) < today + dt.timedelta(days),
        )
        for today, ids in sorted(todays.items())
    ]
    return sa.or_(sa.false(), *clauses)


def _joined() -> sa.Select[Any]:
    """SELECT of actions with their programme, report, owner and organisation names."""
    owner = sa.orm.aliased(User, name="owner_user")
    assigned = policy.effectively_assigned().label("assigned")
    return (
        sa.select(  # type: ignore[call-overload]
            Action, Programme, Report, owner.name, Organisation.short_name, assigned
        )
        .join(Programme, col(Programme.id) == Action.programme_id)
        .join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
        .join(Report, col(Report.id) == Recommendation.report_id)
        .outerjoin(owner, owner.id == Action.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == Action.owner_organisation_id)
    )


@functools.cache
def _page_rows() -> sa.Select[Any]:
    """The page's rows as plain columns: the action's, and its names (prefixed ``row_``).

    Built once, on the first list: the statement is the same for every page, only its
    ids change (built at import, it cost every command's start-up too).
    """
    owner = sa.orm.aliased(User, name="owner_user")
    return (
        sa.select(
            *Action.__table__.columns,  # type: ignore[attr-defined]
            col(Programme.country).label("row_country"),
            col(Programme.timezone).label("row_timezone"),
            col(Report.id).label("row_report_id"),
            col(Report.edition).label("row_edition"),
            col(Report.year).label("row_year"),
            col(owner.name).label("row_owner_name"),
            col(Organisation.short_name).label("row_organisation_name"),
            policy.effectively_assigned_per_row().label("row_assigned"),
        )
        .join(Programme, col(Programme.id) == Action.programme_id)
        .join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
        .join(Report, col(Report.id) == Recommendation.report_id)
        .outerjoin(owner, col(owner.id) == Action.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == Action.owner_organisation_id)
        .where(col(Action.id).in_(sa.bindparam("ids", expanding=True)))
    )


def filtered_query(session: Session, flt: ActionFilter) -> sa.Select[Any]:
    """SELECT of the matching actions with their programme, report, owner and organisation."""
    return _joined().where(*_conditions(session, flt))


def _from_action(flt: ActionFilter, *columns: Any) -> sa.Select[Any]:
    """SELECT of ``columns`` from ``action``, joined only to what ``flt``'s conditions name.

    Counting and ordering on ``action`` alone lets the database use its indexes on
    ``action``; only text search and the edition filter need the recommendation or report.
    """
    query = sa.select(*columns).select_from(Action)
    if flt.text or flt.edition:
        query = query.join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
    if flt.edition:
        query = query.join(Report, col(Report.id) == Recommendation.report_id)
    return query


def _conditions(session: Session, flt: ActionFilter) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of ``flt``, on action (and on recommendation and report, see above)."""
    conditions: list[sa.ColumnElement[bool]] = [policy.readable(flt.reader)]
    if flt.statuses:
        conditions.append(col(Action.status).in_(flt.statuses))
    if flt.unassigned:
        conditions.append(sa.not_(policy.effectively_assigned()))
    elif flt.owner_user_id is not None:
        conditions.append(col(Action.owner_user_id) == flt.owner_user_id)
    elif flt.owner_text:
        # A typed owner not (or not yet) found by ``resolve_owner`` matches nothing.
        conditions.append(sa.false())
    if flt.organisation_id is not None:
        conditions.append(col(Action.owner_organisation_id) == flt.organisation_id)
    if flt.edition:
        # In that edition: made from it, or carrying one of its recommendations on.
        own = col(Report.edition) == flt.edition
        conditions.append(sa.or_(own, edition_service.in_edition_named(flt.edition)))
    if flt.min_editions is not None and flt.min_editions > 1:
        conditions.append(edition_service.edition_count() >= flt.min_editions)
    if flt.not_in_latest:
        conditions.append(_not_in_latest(session, flt.programme_id))
    if flt.verification is not None:
        conditions.append(col(Action.verification) == flt.verification)
    if flt.programme_id is not None:
        conditions.append(col(Action.programme_id) == flt.programme_id)
    if flt.overdue or flt.due_within_days is not None:
        todays = _programme_todays(session)
        conditions.append(col(Action.status).in_(OPEN_STATUSES))
        if flt.overdue:
            conditions.append(_due_before(todays, 0))
        if flt.due_within_days is not None:
            conditions.append(_due_before(todays, flt.due_within_days + 1))
    if flt.escalated:
        conditions.append(_escalated(session, flt.programme_id))
    if flt.text:
        pattern = "%" + _escape_like(flt.text) + "%"
        conditions.append(
            sa.or_(
                col(Action.title).ilike(pattern, escape="\\"),
                col(Recommendation.text).ilike(pattern, escape="\\"),
            )
        )
    if flt.owned_by is not None:
        conditions.append(policy.owned_by(flt.owned_by))
    return conditions


def _escalated(session: Session, programme_id: int | None) -> sa.ColumnElement[bool]:
    """The actions the weekly digest escalates now, by each programme's own limits."""
    query = select(Programme)
    if programme_id is not None:
        query = query.where(Programme.id == programme_id)
    now = dt.datetime.now(dt.UTC)
    rules = [escalation_rule.escalated(p, now) for p in session.exec(query)]
    return sa.or_(sa.false(), *rules)


def _not_in_latest(session: Session, programme_id: int | None) -> sa.ColumnElement[bool]:
    """The action carries no recommendation of its programme's latest edition."""
    latest = edition_service.latest_editions(session, programme_id)
    return sa.or_(
        sa.false(),
        *(
            sa.and_(col(Action.programme_id) == pid, sa.not_(edition_service.in_edition(rid)))
            for pid, rid in latest.items()
        ),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_STATUS_ORDER = sa.case(
    {status.value: number for number, status in enumerate(Status)}, value=col(Action.status)
)


def _ordering(sort: str) -> list[Any]:
    due = col(Action.due_on).asc().nulls_last()
    if sort == "status":
        return [_STATUS_ORDER, due, col(Action.id)]
    if sort == "changed":
        return [col(Action.updated_at).desc(), col(Action.id).desc()]
    return [due, _STATUS_ORDER, col(Action.id)]


def count_actions(session: Session, flt: ActionFilter) -> int:
    """How many actions match ``flt``: counted on ``action`` alone (see ``_from_action``)."""
    return _count(session, flt, _conditions(session, flt))


def _count(session: Session, flt: ActionFilter, conditions: list[sa.ColumnElement[bool]]) -> int:
    query = _from_action(flt, sa.func.count()).where(*conditions)
    return int(session.execute(query).scalar_one())


def list_actions(
    session: Session, flt: ActionFilter, page: int = 1, *, size: int = PAGE_SIZE
) -> Page:
    """One page of the filtered, sorted list and the total, both counted in SQL.

    ``size`` is the page length (the API's ``per_page``; pages show ``PAGE_SIZE``).
    The page's ids are chosen on ``action`` alone and only those rows are then joined
    to the names they show, so the cost follows the page, not the table.
    """
    conditions = _conditions(session, flt)
    total = _count(session, flt, conditions)
    pages = max(1, math.ceil(total / size))
    number = min(max(page, 1), pages)
    offset = (number - 1) * size
    if flt.sort == "due" and total > offset + size:
        conditions.append(_due_no_later_than_page(session, flt, conditions, offset + size))
    ids = session.execute(
        _from_action(flt, col(Action.id))
        .where(*conditions)
        .order_by(*_ordering(flt.sort))
        .limit(size)
        .offset(offset)
    ).scalars()
    position = {action_id: index for index, action_id in enumerate(ids)}
    result = sorted(
        session.execute(_page_rows(), {"ids": list(position)}).all(),
        key=lambda row: position[row.id],
    )
    todays: dict[str, dt.date] = {}
    rows = []
    for line in result:
        if line.row_timezone not in todays:
            todays[line.row_timezone] = local_today(line.row_timezone)
        rows.append(
            ActionRow(
                line,
                ProgrammeLine(line.programme_id, line.row_country, line.row_timezone),
                ReportLine(line.row_report_id, line.row_edition, line.row_year),
                line.row_owner_name,
                line.row_organisation_name,
                bool(line.row_assigned),
                todays[line.row_timezone],
            )
        )
    counts = edition_service.edition_counts(session, [r.action.id for r in rows if r.action.id])
    for row in rows:
        row.editions = counts.get(row.action.id or 0, 1)
    return Page(rows=rows, total=total, number=number, size=size)


def _due_no_later_than_page(
    session: Session, flt: ActionFilter, conditions: list[sa.ColumnElement[bool]], rows: int
) -> sa.ColumnElement[bool]:
    """A bound on due_on that keeps the first ``rows`` rows of the "due" order.

    The order is ``due_on`` (empty last), status, id: no index serves the status step,
    and SQLite cannot read ``NULLS LAST`` from one, so it would sort every match. The
    due date of the ``rows``-th match comes from the index on ``(due_on, id)``; every
    row up to there is due no later, so only those (and the rest of that date's ties)
    are sorted. Without that many dated matches there is no bound.
    """
    last_due = session.execute(
        _from_action(flt, col(Action.due_on))
        .where(*conditions, col(Action.due_on).is_not(None))
        .order_by(col(Action.due_on))
        .limit(1)
        .offset(rows - 1)
    ).scalar()
    if last_due is None:
        return sa.true()
    return col(Action.due_on) <= last_due
