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

    def dated(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))

    # First the actions counted in groups that share everything a figure asks about
    # (programme, status, verification, owners; read from ix_action_figures alone), a
    # few thousand groups at 100,000 actions; then the figures from the groups, so the
    # "effectively assigned" rule is asked once per group, not once per action.
    keys: list[sa.Label[Any]] = [
        col(Action.programme_id).label("programme_id"),
        col(Action.status).label("status"),
        col(Action.verification).label("verification"),
        col(Action.owner_user_id).label("owner_user_id"),
        col(Action.owner_organisation_id).label("owner_organisation_id"),
    ]
    groups = (
        sa.select(
            *keys,
            sa.func.count().label("actions"),
            dated(due_on < today).label("overdue"),
            dated(due_on >= today, due_on <= soon30).label("soon30"),
            dated(due_on >= today, due_on <= soon90).label("soon90"),
        )
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
            summed(is_open, of=g.overdue),
            summed(is_open, of=g.soon30),
            summed(is_open, of=g.soon90),
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
        ).group_by(g.programme_id)
    ).all()
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
        figures[row[0]] = Figures(
            total=total,
            by_status=dict(zip(Status, statuses, strict=True)),
            overdue=rest[0],
            due_within_30=rest[1],
            due_within_90=rest[2],
            unassigned=rest[3],
            verified=rest[4],
            awaiting=rest[5],
            requires_verification=bool(requires.get(row[0])),
        )
    return figures


def count_figures(session: Session, programme_id: int, today: dt.date) -> Figures:
    """Counts by status, overdue, due soon and unassigned, in one grouped query."""
    return count_figures_by_programme(session, {programme_id: today})[programme_id]
