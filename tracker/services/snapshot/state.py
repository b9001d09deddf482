"""The journal lookups that rebuild an action's state at a past instant."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col

from ...models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    EventKind,
    Programme,
    Status,
    Verification,
)

_OPEN = [s.value for s in OPEN_STATUSES]


def end_of_day(programme: Programme, day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the programme's time zone, in UTC."""
    local = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(0), ZoneInfo(programme.timezone)
    )
    return local.astimezone(dt.UTC)


def latest(
    before: dt.datetime,
    condition: sa.ColumnElement[bool],
    column: Any,
    action_id: Any = None,
    *,
    after: dt.datetime | None = None,
) -> sa.ScalarSelect[Any]:
    """The value ``column`` of the action's newest event matching ``condition`` before ``before``.

    A correlated lookup on the (action_id, at) index: a few index reads per action,
    where a window over the whole journal would sort a million events. ``action_id`` is
    the outer query's action id (``action.id`` by default).
    """
    where = [
        col(ActionEvent.action_id) == (col(Action.id) if action_id is None else action_id),
        col(ActionEvent.at) < before,
        condition,
    ]
    if after is not None:
        where.append(col(ActionEvent.at) >= after)
    return (
        sa.select(column)
        .where(*where)
        .order_by(col(ActionEvent.at).desc(), col(ActionEvent.id).desc())
        .limit(1)
        .correlate_except(ActionEvent)
        .scalar_subquery()
    )


def state_columns(before: dt.datetime, action_id: Any = None) -> list[Any]:
    """Status, owner user, owner organisation and due date at ``before``, as lookups."""
    has_status = col(ActionEvent.status_to).is_not(None)
    owner_kinds = col(ActionEvent.kind).in_([EventKind.created, EventKind.owner_changed])
    due_kinds = col(ActionEvent.kind).in_([EventKind.created, EventKind.due_date_changed])
    return [
        latest(before, has_status, col(ActionEvent.status_to), action_id),
        latest(before, owner_kinds, col(ActionEvent.owner_user_to), action_id),
        latest(before, owner_kinds, col(ActionEvent.owner_organisation_to), action_id),
        latest(before, due_kinds, col(ActionEvent.due_to), action_id),
    ]


def state_query(programme_id: int, before: dt.datetime, prefix: str = "s") -> Any:
    """A CTE: action_id, status, owner_user_id, owner_organisation_id, due_on and
    verification at ``before``.

    Only actions that existed then (had their ``created`` event) appear. Events from
    before verification existed (issue 14) carry none: an action implemented then counts
    as verified, as the upgrade made it, any other as needing none.
    """
    status, owner_user, owner_organisation, due_on = state_columns(before)
    has_verification = col(ActionEvent.verification_to).is_not(None)
    rows = (
        sa.select(
            col(Action.id).label("action_id"),
            status.label("status"),
            owner_user.label("owner_user_id"),
            owner_organisation.label("owner_organisation_id"),
            due_on.label("due_on"),
            latest(before, has_verification, col(ActionEvent.verification_to)).label("seen"),
        )
        .where(col(Action.programme_id) == programme_id)
        .subquery(f"{prefix}_rows")
    )
    before_verification = sa.case(
        (rows.c.status == Status.implemented.value, Verification.verified.value),
        else_=Verification.not_required.value,
    )
    # Materialised: each lookup runs once per action, where an inlined subquery would
    # repeat it for every expression of the outer query that names the column.
    return (
        sa.select(
            *(c for c in rows.c if c.name != "seen"),
            sa.func.coalesce(rows.c.seen, before_verification).label("verification"),
        )
        .where(rows.c.status.is_not(None))
        .cte(prefix)
        .prefix_with("MATERIALIZED")
    )


def status_value(value: Any) -> Status:
    return value if isinstance(value, Status) else Status(value)


def as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
