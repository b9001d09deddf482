"""The figures over time: the burn-up from the journal, each edition's score and scorecard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import (
    Action,
    ActionEvent,
    Criterion,
    EventKind,
    Programme,
    Report,
    Status,
    Verification,
)

# The journal kinds that move a burn-up total: creation and status changes carry the
# status (a send-back returns an action to in progress), verification the checked state.
_BURNUP_KINDS = (
    EventKind.created,
    EventKind.status_changed,
    EventKind.sent_back,
    EventKind.verified,
)


@dataclass
class BurnupPoint:
    """Running totals at the end of ``day``: actions that apply, actions implemented,
    actions verified, and implemented actions awaiting verification (issue 14)."""

    day: dt.date
    scope: int
    implemented: int
    verified: int = 0
    awaiting: int = 0

    @property
    def counted(self) -> int:
        """Progress where the programme verifies, as the headline counts it: implemented
        but not awaiting verification (verified, or reported before it was required)."""
        return self.implemented - self.awaiting

    def done(self, verifying: bool) -> int:
        """What the chart draws as progress: ``counted`` where the programme verifies."""
        return self.counted if verifying else self.implemented


@dataclass
class ScorePoint:
    report_id: int
    edition: str | None
    year: int | None
    stated: float | None
    computed: float | None
    band: str | None


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
    """Running totals per day with a change: applicable, implemented and verified actions.

    Built from the journal (creation, status and verification events), grouped by local
    day in SQL, so it shows the past as it was recorded rather than today's state.

    Verified and awaiting count what the headline figures count (implemented and
    checked; reported and not yet checked): an event that records the verification state
    moves them by its before and after, so a report awaiting verification adds to
    awaiting, a verification moves one from awaiting to verified and a send-back or a
    reopening takes it away. Events from before verification existed carry no such
    state: they count as verified by status, as the upgrade made every implemented action
    verified, and never as awaiting. A report made while the programme did not require
    verification is in neither, and so still counts as done once it is switched on
    (``BurnupPoint.counted``), as in the headline.
    """
    implemented, not_applicable = Status.implemented.value, Status.not_applicable.value
    status_to, status_from = col(ActionEvent.status_to), col(ActionEvent.status_from)
    verification_to = col(ActionEvent.verification_to)
    verification_from = col(ActionEvent.verification_from)

    def moved(into: str) -> sa.ColumnElement[int]:
        entered = sa.and_(status_to == into, sa.or_(status_from.is_(None), status_from != into))
        left = sa.and_(status_from == into, sa.or_(status_to.is_(None), status_to != into))
        return sa.case((entered, 1), (left, -1), else_=0)

    def is_in(column: Any, state: Verification) -> sa.ColumnElement[int]:
        return sa.case((column == state.value, 1), else_=0)

    def verification_moved(state: Verification) -> sa.ColumnElement[int]:
        return is_in(verification_to, state) - is_in(verification_from, state)

    verified = sa.case(
        (verification_to.is_(None), moved(implemented)),
        else_=verification_moved(Verification.verified),
    )
    awaiting = sa.case(
        (verification_to.is_(None), 0), else_=verification_moved(Verification.awaiting)
    )
    day = _local_day(session.get_bind().dialect.name, utc_offset_minutes(programme.timezone))
    created = sa.case((col(ActionEvent.kind) == EventKind.created, 1), else_=0)
    rows = session.execute(
        sa.select(
            day.label("day"),
            sa.func.sum(created - moved(not_applicable)),
            sa.func.sum(moved(implemented)),
            sa.func.sum(verified),
            sa.func.sum(awaiting),
        )
        .select_from(ActionEvent)
        .join(Action, col(Action.id) == col(ActionEvent.action_id))
        .where(
            col(Action.programme_id) == programme.id,
            col(ActionEvent.kind).in_(_BURNUP_KINDS),
        )
        .group_by(day)
        .order_by(day)
    ).all()
    points: list[BurnupPoint] = []
    scope = done = checked = waiting = 0
    for raw_day, scope_delta, done_delta, verified_delta, awaiting_delta in rows:
        scope += int(scope_delta or 0)
        done += int(done_delta or 0)
        checked += int(verified_delta or 0)
        waiting += int(awaiting_delta or 0)
        points.append(BurnupPoint(_as_date(raw_day), scope, done, checked, waiting))
    return points


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month (the chart's axis and its table start there)."""
    return day.replace(day=1)


@dataclass
class MonthValue:
    """The totals at the end of ``month``: applicable, and done as the chart draws it
    (verified where the programme verifies, else implemented)."""

    month: dt.date
    scope: int
    done: int


def monthly_values(
    points: Sequence[BurnupPoint], until: dt.date, *, verified: bool = False
) -> list[MonthValue]:
    """The running totals at the end of each month in which they changed, and the last month.

    Totals hold between the rows, so the table says everything the chart says
    without a line for every quiet month. ``verified``: the chart counts verified actions.
    """
    if not points:
        return []
    values: list[MonthValue] = []
    month = month_start(points[0].day)
    index, scope, done = 0, 0, 0
    while month <= until:
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        while index < len(points) and points[index].day < next_month:
            scope, done = points[index].scope, points[index].done(verified)
            index += 1
        if not values or (scope, done) != (values[-1].scope, values[-1].done):
            values.append(MonthValue(month, scope, done))
        month = next_month
    last = month_start(until)
    if values and values[-1].month != last:
        values.append(MonthValue(last, values[-1].scope, values[-1].done))
    return values


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
