"""Which open actions a programme escalates: overdue by ``escalate_overdue_days`` or more,
or with no event for ``escalate_idle_days``. One SQL condition, so the weekly digest
counts and the actions list filtered with ``escalated=1`` show exactly the same actions.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col

from ..models import OPEN_STATUSES, Action, ActionEvent, Programme, UTCDateTime


def overdue_since(programme: Programme, now: dt.datetime) -> dt.date:
    """The latest due date that counts as overdue for escalation at ``now``."""
    today = now.astimezone(ZoneInfo(programme.timezone)).date()
    return today - dt.timedelta(days=programme.escalate_overdue_days)


def idle_since(programme: Programme, now: dt.datetime) -> dt.datetime:
    """An action whose last event is at or before this instant is idle."""
    return now - dt.timedelta(days=programme.escalate_idle_days)


def is_overdue(programme: Programme, now: dt.datetime) -> sa.ColumnElement[bool]:
    return col(Action.due_on) <= overdue_since(programme, now)


def has_moved(programme: Programme, now: dt.datetime) -> sa.ColumnElement[bool]:
    """SQL: the action has an event after the idle limit."""
    event = sa.orm.aliased(ActionEvent, name="escalation_event")
    return sa.exists(
        sa.select(col(event.id)).where(
            col(event.action_id) == col(Action.id),
            col(event.at) > sa.literal(idle_since(programme, now), UTCDateTime()),
        )
    )


def escalated(programme: Programme, now: dt.datetime) -> sa.ColumnElement[bool]:
    """SQL over ``action``: an open action of ``programme`` to escalate at ``now``."""
    return sa.and_(
        col(Action.programme_id) == programme.id,
        col(Action.status).in_(sorted(OPEN_STATUSES)),
        sa.or_(is_overdue(programme, now), ~has_moved(programme, now)),
    )
