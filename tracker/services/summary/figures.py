"""The headline figures: counts by status, overdue, due soon and unassigned, in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import OPEN_STATUSES, Action, Programme, Status, Verification
from .. import policy

SOON_DAYS = (30, 90)

_OPEN = [s.value for s in OPEN_STATUSES]


class Progress:
    """How far implementation has got, from ``total``, ``by_status``, ``verified``,
    ``awaiting`` and ``requires_verification`` (the summary's figures and a snapshot's
    alike)."""

    total: int
    by_status: dict[Status, int]
    verified: int
    awaiting: int
    requires_verification: bool

    @property
    def applicable(self) -> int:
        return self.total - self.by_status[Status.not_applicable]

    @property
    def implemented(self) -> int:
        return self.by_status[Status.implemented]

    @property
    def percent_implemented(self) -> float | None:
        """implemented / (all - not applicable); None while nothing applies."""
        return self._percent(self.implemented)

    @property
    def unchecked(self) -> int:
        """Implemented actions neither verified nor awaiting verification: reported while
        the programme did not require it (verification switched on later)."""
        return self.implemented - self.verified - self.awaiting

    @property
    def done(self) -> int:
        """What progress counts: where verification is required, implemented actions but
        those awaiting it (verified ones, and those reported before it was switched on,
        which count as they did then: switching it on leaves progress where it was);
        else every implemented one."""
        return self.implemented - self.awaiting if self.requires_verification else self.implemented

    @property
    def percent_done(self) -> float | None:
        """done / (all - not applicable); None while nothing applies."""
        return self._percent(self.done)

    def _percent(self, count: int) -> float | None:
        return 100.0 * count / self.applicable if self.applicable > 0 else None


@dataclass
class Figures(Progress):
    """How far implementation has got, at one glance."""

    total: int = 0
    by_status: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    overdue: int = 0
    due_within_30: int = 0
    due_within_90: int = 0
    unassigned: int = 0
    # Issue 14: implemented and verified; reported implemented, awaiting verification;
    # and whether the programme requires verification (then progress counts verified).
    verified: int = 0
    awaiting: int = 0
    requires_verification: bool = False

    @property
    def open(self) -> int:
        return sum(self.by_status[s] for s in OPEN_STATUSES)


def verification_counts() -> list[sa.ColumnElement[int]]:
    """Implemented and verified; reported implemented, awaiting verification."""
    implemented = col(Action.status) == Status.implemented
    return [
        sa.func.sum(sa.case((sa.and_(implemented, col(Action.verification) == v), 1), else_=0))
        for v in (Verification.verified, Verification.awaiting)
    ]


def status_counts() -> list[sa.ColumnElement[int]]:
    return [
        sa.func.sum(sa.case((col(Action.status) == s, 1), else_=0)).label(s.value) for s in Status
    ]


def open_and(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
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


def _due_in_pass(today_of: dict[int, dt.date]) -> list[sa.Label[Any]]:
    """Per group of actions: how many are overdue, due within 30 and within 90 days,
    each action's due date compared with its programme's local date (PostgreSQL)."""
    today = _per_programme_day(today_of)
    due_on = col(Action.due_on)

    def dated(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))

    soon = [_per_programme_day(today_of, days) for days in SOON_DAYS]
    return [
        dated(due_on < today).label("due_0"),
        *(
            dated(due_on >= today, due_on <= last).label(f"due_{i}")
            for i, last in enumerate(soon, 1)
        ),
    ]


def _count_due(session: Session, today_of: dict[int, dt.date]) -> dict[int, list[int]]:
    """Per programme: its open actions overdue, due within 30 and within 90 days of its
    local today (SQLite).

    Each figure of each distinct local today (the world's zones span about two calendar
    days, so two or three) is a range of ``ix_action_programme_status_due``, counted with
    the dates as constants, in one ``UNION ALL``: the index reads only the actions in the
    range. Comparing every action's due date with a ``CASE`` of its programme's date took
    40 of the 80 ms the figures cost on SQLite at 100,000 actions (issue 15).
    """
    ids_of: dict[dt.date, list[int]] = {}
    for programme, today in today_of.items():
        ids_of.setdefault(today, []).append(programme)
    programme_id, due_on = col(Action.programme_id), col(Action.due_on)

    def bounds(today: dt.date) -> list[sa.ColumnElement[bool]]:
        soon = [today + dt.timedelta(days=days) for days in SOON_DAYS]
        return [due_on < today, *(sa.and_(due_on >= today, due_on <= last) for last in soon)]

    ranges = [
        sa.select(programme_id, sa.literal_column(str(figure), sa.Integer), sa.func.count())
        .where(programme_id.in_(ids), col(Action.status).in_(_OPEN), bound)
        .group_by(programme_id)
        for today, ids in sorted(ids_of.items())
        for figure, bound in enumerate(bounds(today))
    ]
    counts = {programme: [0] * (1 + len(SOON_DAYS)) for programme in today_of}
    for found, figure, number in session.execute(sa.union_all(*ranges)):
        counts[found][int(figure)] = int(number)
    return counts


def count_figures_by_programme(
    session: Session, today_of: dict[int, dt.date]
) -> dict[int, Figures]:
    """``count_figures`` of many programmes: the counts grouped by programme in one
    statement, and on SQLite the due dates' in a second (``_count_due``).

    ``today_of`` maps each programme to its local today; a programme without actions
    gets empty figures.
    """
    if not today_of:
        return {}
    # Overdue and due soon: SQLite counts them as index ranges (``_count_due``: the per-row
    # CASE of programme dates cost it 40 ms at 100,000 actions); PostgreSQL in the groups'
    # pass, where the CASE costs 10-17 ms and its plans for the ranges (bitmap scans that
    # read the table) 33-40 ms, 25-30 after a VACUUM has set the visibility map.
    ranged = session.get_bind().dialect.name == "sqlite"
    in_pass = [] if ranged else _due_in_pass(today_of)
    # First the actions counted in groups that share everything a figure asks about
    # (programme, status, verification, owners; read from ix_action_figures alone, in
    # its order), a few thousand groups at 100,000 actions; then the figures from the
    # groups, so the "effectively assigned" rule is asked once per group, not per action.
    keys: list[sa.Label[Any]] = [
        col(Action.programme_id).label("programme_id"),
        col(Action.status).label("status"),
        col(Action.verification).label("verification"),
        col(Action.owner_user_id).label("owner_user_id"),
        col(Action.owner_organisation_id).label("owner_organisation_id"),
    ]
    groups = (
        sa.select(*keys, sa.func.count().label("actions"), *in_pass)
        .where(col(Action.programme_id).in_(list(today_of)))
        .group_by(*keys)
        .subquery("figure_groups")
    )
    g = groups.c
    is_open = g.status.in_(_OPEN)

    def summed(*conditions: sa.ColumnElement[bool], of: Any = g.actions) -> Any:
        return sa.func.sum(sa.case((sa.and_(*conditions), of), else_=0))

    implemented = g.status == Status.implemented
    rows = session.execute(
        sa.select(
            g.programme_id,
            sa.func.sum(g.actions),
            *(summed(g.status == status) for status in Status),
            # Same rule as the list's "unassigned": no owner who can act on it.
            summed(
                is_open,
                sa.not_(
                    policy.effectively_assigned(
                        owner_user_id=g.owner_user_id,
                        owner_organisation_id=g.owner_organisation_id,
                        programme_id=g.programme_id,
                    )
                ),
            ),
            summed(implemented, g.verification == Verification.verified),
            summed(implemented, g.verification == Verification.awaiting),
            *(summed(is_open, of=g[column.name]) for column in in_pass),
        ).group_by(g.programme_id)
    ).all()
    due = (
        _count_due(session, today_of) if ranged else {row[0]: row[-len(in_pass) :] for row in rows}
    )
    requires = dict(
        session.execute(
            sa.select(col(Programme.id), col(Programme.requires_verification)).where(
                col(Programme.id).in_(list(today_of))
            )
        ).all()
    )
    figures = {
        programme_id: Figures(requires_verification=bool(requires.get(programme_id)))
        for programme_id in today_of
    }
    for row in rows:
        values = [int(v or 0) for v in row[1:]]
        total, statuses, rest = values[0], values[1 : 1 + len(Status)], values[1 + len(Status) :]
        overdue, within_30, within_90 = (int(v or 0) for v in due[row[0]])
        figures[row[0]] = Figures(
            total=total,
            by_status=dict(zip(Status, statuses, strict=True)),
            overdue=overdue,
            due_within_30=within_30,
            due_within_90=within_90,
            unassigned=rest[0],
            verified=rest[1],
            awaiting=rest[2],
            requires_verification=bool(requires.get(row[0])),
        )
    return figures


def count_figures(session: Session, programme_id: int, today: dt.date) -> Figures:
    """Counts by status, overdue, due soon and unassigned (``count_figures_by_programme``)."""
    return count_figures_by_programme(session, {programme_id: today})[programme_id]
