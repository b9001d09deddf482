"""The state of a programme's actions "as of" a past moment, rebuilt from the journal.

Each action's status, owner and due date at an instant is the value carried by its
latest event of the matching kind before that instant (the ``created`` event holds
the initial values). The database finds those events through the (action_id, at) index, so a
snapshot, and the comparison of two snapshots, stay SQL queries (index lookups per
action, lists with a LIMIT) whatever the size of the programme.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    DeadlineChange,
    EventKind,
    Organisation,
    Programme,
    Recommendation,
    Report,
    Status,
    User,
)

LIST_LIMIT = 200
_OPEN = [s.value for s in OPEN_STATUSES]


def end_of_day(programme: Programme, day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the programme's time zone, in UTC."""
    local = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(0), ZoneInfo(programme.timezone)
    )
    return local.astimezone(dt.UTC)


def _latest(
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


def _state_columns(before: dt.datetime, action_id: Any = None) -> list[Any]:
    """Status, owner user, owner organisation and due date at ``before``, as lookups."""
    has_status = col(ActionEvent.status_to).is_not(None)
    owner_kinds = col(ActionEvent.kind).in_([EventKind.created, EventKind.owner_changed])
    due_kinds = col(ActionEvent.kind).in_([EventKind.created, EventKind.due_date_changed])
    return [
        _latest(before, has_status, col(ActionEvent.status_to), action_id),
        _latest(before, owner_kinds, col(ActionEvent.owner_user_to), action_id),
        _latest(before, owner_kinds, col(ActionEvent.owner_organisation_to), action_id),
        _latest(before, due_kinds, col(ActionEvent.due_to), action_id),
    ]


def state_query(programme_id: int, before: dt.datetime, prefix: str = "s") -> Any:
    """A CTE: action_id, status, owner_user_id, owner_organisation_id, due_on at ``before``.

    Only actions that existed then (had their ``created`` event) appear.
    """
    status, owner_user, owner_organisation, due_on = _state_columns(before)
    rows = (
        sa.select(
            col(Action.id).label("action_id"),
            status.label("status"),
            owner_user.label("owner_user_id"),
            owner_organisation.label("owner_organisation_id"),
            due_on.label("due_on"),
        )
        .where(col(Action.programme_id) == programme_id)
        .subquery(f"{prefix}_rows")
    )
    # Materialised: each lookup runs once per action, where an inlined subquery would
    # repeat it for every expression of the outer query that names the column.
    return sa.select(rows).where(rows.c.status.is_not(None)).cte(prefix).prefix_with("MATERIALIZED")


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
class Snapshot:
    """The programme as it stood at ``before`` (the end of ``day``)."""

    day: dt.date
    before: dt.datetime
    total: int
    by_status: dict[Status, int]
    overdue: int
    actions: list[ActionState]

    @property
    def percent_implemented(self) -> float | None:
        applicable = self.total - self.by_status[Status.not_applicable]
        if applicable <= 0:
            return None
        return 100.0 * self.by_status[Status.implemented] / applicable


def _status_value(value: Any) -> Status:
    return value if isinstance(value, Status) else Status(value)


def take_snapshot(
    session: Session, programme: Programme, day: dt.date, *, limit: int = LIST_LIMIT
) -> Snapshot:
    """Counts as of the end of ``day`` and the first ``limit`` actions by id, as they were."""
    assert programme.id is not None
    before = end_of_day(programme, day)
    state = state_query(programme.id, before)
    overdue_case = sa.and_(state.c.status.in_(_OPEN), state.c.due_on < day)

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
        )
        .join(Action, col(Action.id) == state.c.action_id)
        .outerjoin(User, col(User.id) == state.c.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == state.c.owner_organisation_id)
        .order_by(state.c.action_id)
        .limit(limit)
    ).all()
    overdue = int(rows[0][7] or 0) if rows else 0
    by_status = dict.fromkeys(Status, 0)
    if rows:
        by_status = {s: int(v or 0) for s, v in zip(Status, rows[0][8:], strict=True)}
    actions = [
        ActionState(r[0], r[1], _status_value(r[2]), r[3], r[4], r[5], _as_date(r[6])) for r in rows
    ]
    return Snapshot(day, before, sum(by_status.values()), by_status, overdue, actions)


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


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
            *(c.label(n) for c, n in zip(_state_columns(day_end), names, strict=True)),
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
    then = _state_columns(since_end, cur.c.action_id)
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
            status_from=_status_value(r[4]) if r[4] is not None else None,
            status_to=_status_value(r[5]),
            owner_from=r[6],
            owner_to=r[7],
            owner_changed=bool(r[8]),
            due_from=_as_date(r[9]),
            due_to=_as_date(r[10]),
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
