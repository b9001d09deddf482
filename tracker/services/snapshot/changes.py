"""What changed between two days: status moves, newly overdue, re-dated, reassigned and
new actions, compared in SQL from the snapshots at the ends of the two days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import (
    Action,
    ActionEvent,
    DeadlineChange,
    Organisation,
    Programme,
    Recommendation,
    Report,
    Status,
    User,
)
from .state import _OPEN, as_date, end_of_day, state_columns, status_value

LIST_LIMIT = 200


@dataclass
class ActionMove:
    """One action that changed between two meetings, with what changed."""

    action_id: int
    title: str
    edition: str | None
    new: bool
    status_from: Status | None
    status_to: Status
    owner_from: str | None
    owner_to: str | None
    owner_changed: bool
    due_from: dt.date | None
    due_to: dt.date | None
    became_overdue: bool

    @property
    def status_changed(self) -> bool:
        return not self.new and self.status_from != self.status_to

    @property
    def redated(self) -> bool:
        return not self.new and self.due_from != self.due_to


@dataclass
class ChangesSince:
    """What changed between the end of ``since_day`` and the end of ``day``."""

    since_day: dt.date
    day: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    moves: list[ActionMove] = field(default_factory=list)
    deadline_changes: list[DeadlineChange] = field(default_factory=list)

    def of(self, kind: str) -> list[ActionMove]:
        test = {
            "status": lambda m: m.status_changed,
            "overdue": lambda m: m.became_overdue,
            "redated": lambda m: m.redated,
            "reassigned": lambda m: not m.new and m.owner_changed,
            "new": lambda m: m.new,
        }[kind]
        return [m for m in self.moves if test(m)]


def changes_between(
    session: Session,
    programme: Programme,
    since_day: dt.date,
    day: dt.date,
    *,
    limit: int = LIST_LIMIT,
) -> ChangesSince:
    """Compare the snapshots at the ends of two days: status moves, newly overdue,
    re-dated, reassigned and new actions, and the treaty deadline records decided between.
    """
    assert programme.id is not None
    since_end, day_end = end_of_day(programme, since_day), end_of_day(programme, day)
    # The state at the end of ``day``, and whether the action has any event between the
    # two instants: only those actions need the earlier state looked up; for the others
    # it is the same state, so their only possible change is becoming overdue.
    moved = (
        sa.exists()
        .where(
            col(ActionEvent.action_id) == col(Action.id),
            col(ActionEvent.at) >= since_end,
            col(ActionEvent.at) < day_end,
        )
        .correlate_except(ActionEvent)
    )
    names = ("status", "owner_user_id", "owner_organisation_id", "due_on")
    now_rows = (
        sa.select(
            col(Action.id).label("action_id"),
            *(c.label(n) for c, n in zip(state_columns(day_end), names, strict=True)),
            moved.label("moved"),
        )
        .where(col(Action.programme_id) == programme.id)
        .subquery("cur_rows")
    )
    # Materialised: each lookup runs once per action, where an inlined subquery would
    # repeat it for every condition below that names the column.
    cur = (
        sa.select(now_rows)
        .where(now_rows.c.status.is_not(None))
        .cte("cur")
        .prefix_with("MATERIALIZED")
    )
    then = state_columns(since_end, cur.c.action_id)
    pair = (
        sa.select(
            cur,
            *(
                sa.case((cur.c.moved, lookup), else_=cur.c[n]).label(f"prev_{n}")
                for lookup, n in zip(then, names, strict=True)
            ),
        )
        .cte("pair")
        .prefix_with("MATERIALIZED")
    )
    is_new = pair.c.prev_status.is_(None)
    status_moved = sa.and_(~is_new, pair.c.status != pair.c.prev_status)
    owner_moved = sa.and_(
        ~is_new,
        sa.or_(
            pair.c.owner_user_id.is_distinct_from(pair.c.prev_owner_user_id),
            pair.c.owner_organisation_id.is_distinct_from(pair.c.prev_owner_organisation_id),
        ),
    )
    redated = sa.and_(~is_new, pair.c.due_on.is_distinct_from(pair.c.prev_due_on))
    overdue_now = sa.and_(pair.c.status.in_(_OPEN), pair.c.due_on < day)
    overdue_then = sa.and_(~is_new, pair.c.prev_status.in_(_OPEN), pair.c.prev_due_on < since_day)
    became_overdue = sa.and_(overdue_now, sa.not_(overdue_then))
    changed = sa.or_(is_new, status_moved, owner_moved, redated, became_overdue)

    def total(condition: sa.ColumnElement[bool]) -> Any:
        # Over every changed row, before the LIMIT: the counts and the list in one pass.
        return sa.func.sum(sa.case((condition, 1), else_=0)).over()

    owner_to = sa.orm.aliased(User)
    org_to = sa.orm.aliased(Organisation)
    owner_from = sa.orm.aliased(User)
    org_from = sa.orm.aliased(Organisation)
    rows = session.execute(
        sa.select(
            pair.c.action_id,
            col(Action.title),
            col(Report.edition),
            is_new,
            pair.c.prev_status,
            pair.c.status,
            sa.func.coalesce(owner_from.name, org_from.short_name),
            sa.func.coalesce(owner_to.name, org_to.short_name),
            owner_moved,
            pair.c.prev_due_on,
            pair.c.due_on,
            became_overdue,
            total(status_moved),
            total(became_overdue),
            total(redated),
            total(owner_moved),
            total(is_new),
        )
        .select_from(pair)
        .join(Action, col(Action.id) == pair.c.action_id)
        .join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
        .join(Report, col(Report.id) == Recommendation.report_id)
        .outerjoin(owner_to, col(owner_to.id) == pair.c.owner_user_id)
        .outerjoin(org_to, col(org_to.id) == pair.c.owner_organisation_id)
        .outerjoin(owner_from, col(owner_from.id) == pair.c.prev_owner_user_id)
        .outerjoin(org_from, col(org_from.id) == pair.c.prev_owner_organisation_id)
        .where(changed)
        .order_by(pair.c.action_id)
        .limit(limit)
    ).all()
    counts = dict(
        zip(
            ("status", "overdue", "redated", "reassigned", "new"),
            (int(v or 0) for v in rows[0][12:]) if rows else (0,) * 5,
            strict=True,
        )
    )
    moves = [
        ActionMove(
            action_id=r[0],
            title=r[1],
            edition=r[2],
            new=bool(r[3]),
            status_from=status_value(r[4]) if r[4] is not None else None,
            status_to=status_value(r[5]),
            owner_from=r[6],
            owner_to=r[7],
            owner_changed=bool(r[8]),
            due_from=as_date(r[9]),
            due_to=as_date(r[10]),
            became_overdue=bool(r[11]),
        )
        for r in rows
    ]
    decided = col(DeadlineChange.decided_on)
    requested = col(DeadlineChange.requested_on)
    deadline_changes = list(
        session.scalars(
            sa.select(DeadlineChange)
            .where(
                col(DeadlineChange.programme_id) == programme.id,
                sa.or_(
                    sa.and_(decided > since_day, decided <= day),
                    sa.and_(decided.is_(None), requested > since_day, requested <= day),
                ),
            )
            .order_by(sa.func.coalesce(decided, requested), col(DeadlineChange.id))
        )
    )
    return ChangesSince(since_day, day, counts, moves, deadline_changes)
