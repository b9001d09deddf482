"""The progress summary: every figure of the summary page, computed by SQL aggregates.

Nothing here loads every action or event of a programme into Python: counts are
``GROUP BY`` queries on indexed columns, lists carry a ``LIMIT``, and the burn-up
series is grouped by day in the database (a few hundred rows, whatever the number
of events), so the page costs the same at five actions as at a hundred thousand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..formatting import local_today
from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    Criterion,
    DeadlineChange,
    EventKind,
    Organisation,
    Programme,
    Report,
    Status,
    User,
)
from . import policy
from . import programmes as programme_service
from .summary_cache import SummaryCache

OVERDUE_LIMIT = 10
LATEST_CHANGES_LIMIT = 10
OWNER_LIMIT = 25
SOON_DAYS = (30, 90)

_OPEN = [s.value for s in OPEN_STATUSES]


@dataclass
class Figures:
    """How far implementation has got, at one glance."""

    total: int = 0
    by_status: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    overdue: int = 0
    due_within_30: int = 0
    due_within_90: int = 0
    unassigned: int = 0

    @property
    def applicable(self) -> int:
        return self.total - self.by_status[Status.not_applicable]

    @property
    def implemented(self) -> int:
        return self.by_status[Status.implemented]

    @property
    def open(self) -> int:
        return sum(self.by_status[s] for s in OPEN_STATUSES)

    @property
    def percent_implemented(self) -> float | None:
        """implemented / (all - not applicable); None while nothing applies."""
        if self.applicable <= 0:
            return None
        return 100.0 * self.implemented / self.applicable


@dataclass
class OwnerRow:
    """One owner (a person, else an organisation, else nobody) and their actions."""

    user_id: int | None
    organisation_id: int | None
    name: str | None
    by_status: dict[Status, int]
    overdue: int

    @property
    def open(self) -> int:
        return sum(self.by_status[s] for s in OPEN_STATUSES)

    @property
    def implemented(self) -> int:
        return self.by_status[Status.implemented]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class OverdueAction:
    id: int
    title: str
    due_on: dt.date
    status: Status
    owner_name: str | None


@dataclass
class Change:
    """One entry of the journal, as the latest-changes list shows it."""

    at: dt.datetime
    action_id: int
    title: str
    kind: EventKind
    status_from: Status | None
    status_to: Status | None
    due_from: dt.date | None
    due_to: dt.date | None
    owner_to: str | None
    actor_name: str | None
    comment: str | None
    meeting_id: int | None


@dataclass
class BurnupPoint:
    """Running totals at the end of ``day``: actions that apply and actions implemented."""

    day: dt.date
    scope: int
    implemented: int


@dataclass
class ScorePoint:
    report_id: int
    edition: str | None
    year: int | None
    stated: float | None
    computed: float | None
    band: str | None


@dataclass
class ProgrammeSummary:
    programme: Programme
    today: dt.date
    deadline: dt.date | None
    history: list[DeadlineChange]
    figures: Figures
    owners: list[OwnerRow]
    owners_more: int
    organisations: list[OwnerRow]
    overdue: list[OverdueAction]
    latest: list[Change]
    burnup: list[BurnupPoint]
    scores: list[ScorePoint]
    reports: list[tuple[Report, list[Criterion]]]


def _status_counts() -> list[sa.ColumnElement[int]]:
    return [
        sa.func.sum(sa.case((col(Action.status) == s, 1), else_=0)).label(s.value) for s in Status
    ]


def _open_and(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((sa.and_(col(Action.status).in_(_OPEN), *conditions), 1), else_=0))


def _per_programme_day(today_of: dict[int, dt.date], days: int = 0) -> sa.ColumnElement[Any]:
    """SQL: each action's programme-local today (plus ``days``), from ``today_of``.

    The world's zones span about two calendar days at any instant, so this is a
    ``CASE`` over at most three lists of programme ids (a literal when all agree).
    """
    ids_of: dict[dt.date, list[int]] = {}
    for programme_id, today in today_of.items():
        ids_of.setdefault(today + dt.timedelta(days=days), []).append(programme_id)
    days_seen = sorted(ids_of)
    if len(days_seen) == 1:
        return sa.literal(days_seen[0], sa.Date)
    return sa.case(
        *(
            (col(Action.programme_id).in_(ids_of[day]), sa.literal(day, sa.Date))
            for day in days_seen[:-1]
        ),
        else_=sa.literal(days_seen[-1], sa.Date),
    )


def count_figures_by_programme(
    session: Session, today_of: dict[int, dt.date]
) -> dict[int, Figures]:
    """``count_figures`` of many programmes in one statement grouped by programme.

    ``today_of`` maps each programme to its local today; a programme without actions
    gets empty figures.
    """
    if not today_of:
        return {}
    today = _per_programme_day(today_of)
    soon30, soon90 = (_per_programme_day(today_of, d) for d in SOON_DAYS)
    due_on = col(Action.due_on)
    rows = session.execute(
        sa.select(
            col(Action.programme_id),
            sa.func.count(),
            *_status_counts(),
            _open_and(due_on < today),
            _open_and(due_on >= today, due_on <= soon30),
            _open_and(due_on >= today, due_on <= soon90),
            # Same rule as the list's "unassigned": no owner who can act on it.
            _open_and(sa.not_(policy.effectively_assigned())),
        )
        .where(col(Action.programme_id).in_(list(today_of)))
        .group_by(col(Action.programme_id))
    ).all()
    figures = {programme_id: Figures() for programme_id in today_of}
    for row in rows:
        values = [int(v or 0) for v in row[1:]]
        total, statuses, rest = values[0], values[1 : 1 + len(Status)], values[1 + len(Status) :]
        figures[row[0]] = Figures(
            total=total,
            by_status=dict(zip(Status, statuses, strict=True)),
            overdue=rest[0],
            due_within_30=rest[1],
            due_within_90=rest[2],
            unassigned=rest[3],
        )
    return figures


def count_figures(session: Session, programme_id: int, today: dt.date) -> Figures:
    """Counts by status, overdue, due soon and unassigned, in one grouped query."""
    return count_figures_by_programme(session, {programme_id: today})[programme_id]


def count_by_owner(
    session: Session, programme_id: int, today: dt.date, *, limit: int = OWNER_LIMIT
) -> tuple[list[OwnerRow], int]:
    """Per owner: counts by status and overdue, most open first; and how many were left off."""
    name = sa.func.coalesce(User.name, col(Organisation.short_name))
    open_count = _open_and()
    grouped = (
        sa.select(
            col(Action.owner_user_id),
            col(Action.owner_organisation_id),
            name.label("name"),
            *_status_counts(),
            _open_and(col(Action.due_on) < today).label("overdue"),
        )
        .select_from(Action)
        .outerjoin(User, col(User.id) == Action.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == Action.owner_organisation_id)
        .where(col(Action.programme_id) == programme_id)
        .group_by(col(Action.owner_user_id), col(Action.owner_organisation_id), name)
    )
    rows = session.execute(
        grouped.order_by(open_count.desc(), name.asc().nulls_first()).limit(limit + 1)
    ).all()
    owners = [_owner_row(row) for row in rows[:limit]]
    more = 0
    if len(rows) > limit:
        more = (
            session.execute(sa.select(sa.func.count()).select_from(grouped.subquery())).scalar_one()
            - limit
        )
    return owners, more


def count_by_organisation(
    session: Session, programme_id: int, today: dt.date, *, limit: int = 12
) -> list[OwnerRow]:
    """Per organisation (the action's, else its owner's): counts by status, for the chart."""
    organisation_id = sa.func.coalesce(Action.owner_organisation_id, col(User.organisation_id))
    rows = session.execute(
        sa.select(
            sa.literal(None).label("user_id"),
            organisation_id.label("organisation_id"),
            col(Organisation.short_name),
            *_status_counts(),
            _open_and(col(Action.due_on) < today).label("overdue"),
        )
        .select_from(Action)
        .outerjoin(User, col(User.id) == Action.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == organisation_id)
        .where(col(Action.programme_id) == programme_id)
        .group_by(organisation_id, col(Organisation.short_name))
        .order_by(sa.func.count().desc(), col(Organisation.short_name).asc().nulls_last())
        .limit(limit)
    ).all()
    return [_owner_row(row) for row in rows]


def _owner_row(row: Any) -> OwnerRow:
    values: list[Any] = list(row)
    counts = [int(v or 0) for v in values[3 : 3 + len(Status)]]
    return OwnerRow(
        user_id=values[0],
        organisation_id=values[1],
        name=values[2],
        by_status=dict(zip(Status, counts, strict=True)),
        overdue=int(values[-1] or 0),
    )


def list_overdue(
    session: Session, programme_id: int, today: dt.date, *, limit: int = OVERDUE_LIMIT
) -> list[OverdueAction]:
    """Open actions past their due date, the longest overdue first."""
    rows = session.execute(
        sa.select(
            col(Action.id),
            col(Action.title),
            col(Action.due_on),
            col(Action.status),
            sa.func.coalesce(User.name, col(Organisation.short_name)),
        )
        .select_from(Action)
        .outerjoin(User, col(User.id) == Action.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == Action.owner_organisation_id)
        .where(
            col(Action.programme_id) == programme_id,
            col(Action.status).in_(_OPEN),
            col(Action.due_on) < today,
        )
        .order_by(col(Action.due_on), col(Action.id))
        .limit(limit)
    ).all()
    return [OverdueAction(*row) for row in rows]


def list_latest_changes(
    session: Session, programme_id: int, *, limit: int = LATEST_CHANGES_LIMIT
) -> list[Change]:
    """The newest journal entries of the programme's actions (creation events left out)."""
    actor = sa.orm.aliased(User)
    owner = sa.orm.aliased(User)
    owner_org = sa.orm.aliased(Organisation)
    rows = session.execute(
        sa.select(  # type: ignore[call-overload]
            col(ActionEvent.at),
            col(ActionEvent.action_id),
            col(Action.title),
            col(ActionEvent.kind),
            col(ActionEvent.status_from),
            col(ActionEvent.status_to),
            col(ActionEvent.due_from),
            col(ActionEvent.due_to),
            sa.func.coalesce(owner.name, owner_org.short_name),
            actor.name,
            col(ActionEvent.comment),
            col(ActionEvent.meeting_id),
        )
        .select_from(ActionEvent)
        .join(Action, col(Action.id) == col(ActionEvent.action_id))
        .outerjoin(actor, actor.id == ActionEvent.actor_id)
        .outerjoin(owner, owner.id == ActionEvent.owner_user_to)
        .outerjoin(owner_org, owner_org.id == ActionEvent.owner_organisation_to)
        .where(col(Action.programme_id) == programme_id, col(ActionEvent.kind) != EventKind.created)
        .order_by(col(ActionEvent.at).desc(), col(ActionEvent.id).desc())
        .limit(limit)
    ).all()
    return [Change(*row) for row in rows]


def utc_offset_minutes(timezone: str, at: dt.datetime | None = None) -> int:
    """The zone's offset now; events are grouped into the programme's days with it.

    One offset for the whole series: a zone with summer time may put an event made
    within an hour of midnight on the neighbouring day, which a monthly chart cannot show.
    """
    at = at or dt.datetime.now(dt.UTC)
    offset = at.astimezone(ZoneInfo(timezone)).utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds() // 60)


def _local_day(dialect: str, minutes: int) -> sa.ColumnElement[object]:
    """The local calendar day of an event, computed by the database."""
    if dialect == "sqlite":
        return sa.func.date(col(ActionEvent.at), f"{minutes:+d} minutes")
    shifted = col(ActionEvent.at) + sa.literal_column(f"interval '{int(minutes)} minutes'")
    return sa.cast(shifted, sa.Date)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def burnup_series(session: Session, programme: Programme) -> list[BurnupPoint]:
    """Running totals per day with a change: applicable actions and implemented ones.

    Built from the journal (creation and status events), grouped by local day in SQL,
    so it shows the past as it was recorded rather than today's state.
    """
    implemented, not_applicable = Status.implemented.value, Status.not_applicable.value
    status_to, status_from = col(ActionEvent.status_to), col(ActionEvent.status_from)

    def moved(into: str) -> sa.ColumnElement[int]:
        entered = sa.and_(status_to == into, sa.or_(status_from.is_(None), status_from != into))
        left = sa.and_(status_from == into, sa.or_(status_to.is_(None), status_to != into))
        return sa.case((entered, 1), (left, -1), else_=0)

    day = _local_day(session.get_bind().dialect.name, utc_offset_minutes(programme.timezone))
    created = sa.case((col(ActionEvent.kind) == EventKind.created, 1), else_=0)
    rows = session.execute(
        sa.select(
            day.label("day"),
            sa.func.sum(created - moved(not_applicable)),
            sa.func.sum(moved(implemented)),
        )
        .select_from(ActionEvent)
        .join(Action, col(Action.id) == col(ActionEvent.action_id))
        .where(
            col(Action.programme_id) == programme.id,
            col(ActionEvent.kind).in_([EventKind.created, EventKind.status_changed]),
        )
        .group_by(day)
        .order_by(day)
    ).all()
    points: list[BurnupPoint] = []
    scope = done = 0
    for raw_day, scope_delta, done_delta in rows:
        scope += int(scope_delta or 0)
        done += int(done_delta or 0)
        points.append(BurnupPoint(_as_date(raw_day), scope, done))
    return points


def list_scores(session: Session, programme_id: int) -> list[ScorePoint]:
    """Each edition's stated and computed score, oldest first, for the trend."""
    rows = session.exec(
        select(Report)
        .where(Report.programme_id == programme_id)
        .order_by(col(Report.year).asc().nulls_first(), col(Report.id))
    ).all()
    return [
        ScorePoint(r.id or 0, r.edition, r.year, r.stated_score, r.computed_score, r.band)
        for r in rows
    ]


def list_scorecards(session: Session, programme_id: int) -> list[tuple[Report, list[Criterion]]]:
    """Every edition with its criteria, newest first (a handful of rows per programme)."""
    reports = list(
        session.exec(
            select(Report)
            .where(Report.programme_id == programme_id)
            .order_by(col(Report.year).desc().nulls_last(), col(Report.id).desc())
        )
    )
    criteria = session.exec(
        select(Criterion)
        .where(col(Criterion.report_id).in_([r.id for r in reports]))
        .order_by(col(Criterion.report_id), col(Criterion.position))
    ).all()
    return [(r, [c for c in criteria if c.report_id == r.id]) for r in reports]


@dataclass(frozen=True)
class _Computed:
    """The figures of one programme's summary that a cache may keep (no database objects)."""

    figures: Figures
    owners: list[OwnerRow]
    owners_more: int
    organisations: list[OwnerRow]
    overdue: list[OverdueAction]
    latest: list[Change]
    burnup: list[BurnupPoint]


def _compute_programme(session: Session, programme: Programme, today: dt.date) -> _Computed:
    assert programme.id is not None
    owners, more = count_by_owner(session, programme.id, today)
    return _Computed(
        figures=count_figures(session, programme.id, today),
        owners=owners,
        owners_more=more,
        organisations=count_by_organisation(session, programme.id, today),
        overdue=list_overdue(session, programme.id, today),
        latest=list_latest_changes(session, programme.id),
        burnup=burnup_series(session, programme),
    )


def summarise_programme(
    session: Session,
    programme: Programme,
    *,
    today: dt.date | None = None,
    cache: SummaryCache | None = None,
) -> ProgrammeSummary:
    """Everything the summary page shows for one programme.

    With a ``cache``, the counts, lists and burn-up come from it while the data has not
    changed (see ``summary_cache``); the deadline and the scorecards are read each time.
    """
    assert programme.id is not None
    today = today or local_today(programme.timezone)
    offset = utc_offset_minutes(programme.timezone)

    def compute() -> _Computed:
        return _compute_programme(session, programme, today)

    computed = (
        cache.get_or_compute(session, ("programme", programme.id, today, offset), compute)
        if cache is not None
        else compute()
    )
    return ProgrammeSummary(
        programme=programme,
        today=today,
        deadline=programme_service.current_deadline(session, programme.id),
        history=programme_service.deadline_history(session, programme.id),
        figures=computed.figures,
        owners=computed.owners,
        owners_more=computed.owners_more,
        organisations=computed.organisations,
        overdue=computed.overdue,
        latest=computed.latest,
        burnup=computed.burnup,
        scores=list_scores(session, programme.id),
        reports=list_scorecards(session, programme.id),
    )


@dataclass
class ProgrammeLine:
    """One line of the all-programmes view."""

    programme: Programme
    today: dt.date
    deadline: dt.date | None
    figures: Figures


def summarise_programmes(
    session: Session, reader: policy.Who, *, cache: SummaryCache | None = None
) -> list[ProgrammeLine]:
    """Every programme ``reader`` may read with its deadline and figures: one grouped query
    for all the counts.

    With a ``cache``, the counts come from it while the data has not changed.
    """
    programmes = list(
        session.exec(
            select(Programme)
            .where(policy.readable(reader, Programme.id))
            .order_by(Programme.country, Programme.treaty)
        )
    )
    today_of = {p.id: local_today(p.timezone) for p in programmes if p.id is not None}

    def compute() -> dict[int, Figures]:
        return count_figures_by_programme(session, today_of)

    figures = (
        cache.get_or_compute(session, ("all", tuple(sorted(today_of.items()))), compute)
        if cache is not None
        else compute()
    )
    deadlines = programme_service.current_deadlines(session, list(today_of))
    return [
        ProgrammeLine(p, today_of[p.id], deadlines.get(p.id), figures[p.id])
        for p in programmes
        if p.id is not None
    ]


def count_programmes(session: Session, reader: policy.Who) -> int:
    """How many programmes ``reader`` may read."""
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(Programme)
            .where(policy.readable(reader, Programme.id))
        ).scalar_one()
    )
