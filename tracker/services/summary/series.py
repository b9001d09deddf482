"""The figures over time: the burn-up from the journal, each edition's score and scorecard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import Action, ActionEvent, Criterion, EventKind, Programme, Report, Status


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
