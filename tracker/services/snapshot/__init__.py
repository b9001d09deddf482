"""The state of a programme's actions "as of" a past moment, rebuilt from the journal.

Each action's status, owner and due date at an instant is the value carried by its
latest event of the matching kind before that instant (the ``created`` event holds
the initial values). The database finds those events through the (action_id, at) index, so a
snapshot, and the comparison of two snapshots, stay SQL queries (index lookups per
action, lists with a LIMIT) whatever the size of the programme.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import Action, Organisation, Programme, Status, User, Verification
from ..summary.figures import Progress
from .changes import LIST_LIMIT, ActionMove, ChangesSince, changes_between
from .state import _OPEN, as_date, end_of_day, state_query, status_value

__all__ = [
    "LIST_LIMIT",
    "ActionMove",
    "ActionState",
    "ChangesSince",
    "Snapshot",
    "changes_between",
    "end_of_day",
    "state_query",
    "take_snapshot",
]


@dataclass
class ActionState:
    action_id: int
    title: str
    status: Status
    owner_user_id: int | None
    owner_organisation_id: int | None
    owner_name: str | None
    due_on: dt.date | None


@dataclass
class Snapshot(Progress):
    """The programme as it stood at ``before`` (the end of ``day``)."""

    day: dt.date
    before: dt.datetime
    total: int
    by_status: dict[Status, int]
    overdue: int
    actions: list[ActionState]
    # Issue 14: implemented and verified; reported implemented, awaiting verification.
    verified: int = 0
    awaiting: int = 0
    requires_verification: bool = False


def take_snapshot(
    session: Session, programme: Programme, day: dt.date, *, limit: int = LIST_LIMIT
) -> Snapshot:
    """Counts as of the end of ``day`` and the first ``limit`` actions by id, as they were."""
    assert programme.id is not None
    before = end_of_day(programme, day)
    state = state_query(programme.id, before)
    overdue_case = sa.and_(state.c.status.in_(_OPEN), state.c.due_on < day)
    implemented = state.c.status == Status.implemented.value

    def total(condition: sa.ColumnElement[bool]) -> Any:
        # Over every action, before the LIMIT: the counts and the first rows in one pass.
        return sa.func.sum(sa.case((condition, 1), else_=0)).over()

    rows = session.execute(
        sa.select(
            state.c.action_id,
            col(Action.title),
            state.c.status,
            state.c.owner_user_id,
            state.c.owner_organisation_id,
            sa.func.coalesce(User.name, col(Organisation.short_name)),
            state.c.due_on,
            total(overdue_case),
            *(total(state.c.status == s.value) for s in Status),
            *(
                total(sa.and_(implemented, state.c.verification == v.value))
                for v in (Verification.verified, Verification.awaiting)
            ),
        )
        .join(Action, col(Action.id) == state.c.action_id)
        .outerjoin(User, col(User.id) == state.c.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == state.c.owner_organisation_id)
        .order_by(state.c.action_id)
        .limit(limit)
    ).all()
    overdue = int(rows[0][7] or 0) if rows else 0
    by_status = dict.fromkeys(Status, 0)
    verified = awaiting = 0
    if rows:
        counts = rows[0][8 : 8 + len(Status)]
        by_status = {s: int(v or 0) for s, v in zip(Status, counts, strict=True)}
        verified, awaiting = (int(v or 0) for v in rows[0][8 + len(Status) :])
    actions = [
        ActionState(r[0], r[1], status_value(r[2]), r[3], r[4], r[5], as_date(r[6])) for r in rows
    ]
    return Snapshot(
        day,
        before,
        sum(by_status.values()),
        by_status,
        overdue,
        actions,
        verified=verified,
        awaiting=awaiting,
        requires_verification=programme.requires_verification,
    )
