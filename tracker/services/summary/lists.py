"""Who holds what, and what to look at: per owner and organisation, the longest overdue
and the latest changes; grouped and limited in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import OPEN_STATUSES, Action, ActionEvent, EventKind, Organisation, Status, User
from .figures import open_and, status_counts

OVERDUE_LIMIT = 10
LATEST_CHANGES_LIMIT = 10
OWNER_LIMIT = 25

_OPEN = [s.value for s in OPEN_STATUSES]


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


def count_by_owner(
    session: Session, programme_id: int, today: dt.date, *, limit: int = OWNER_LIMIT
) -> tuple[list[OwnerRow], int]:
    """Per owner: counts by status and overdue, most open first; and how many were left off."""
    name = sa.func.coalesce(User.name, col(Organisation.short_name))
    open_count = open_and()
    grouped = (
        sa.select(
            col(Action.owner_user_id),
            col(Action.owner_organisation_id),
            name.label("name"),
            *status_counts(),
            open_and(col(Action.due_on) < today).label("overdue"),
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
            *status_counts(),
            open_and(col(Action.due_on) < today).label("overdue"),
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


def select_changes() -> sa.Select[Any]:
    """Journal entries as people read them (``Change``'s columns): with the action's
    title, the new owner's name (a person's, else the organisation's) and the actor's.
    The latest changes of a programme and the decisions of a meeting are both this."""
    actor = sa.orm.aliased(User)
    owner = sa.orm.aliased(User)
    owner_org = sa.orm.aliased(Organisation)
    return (
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
    )


def list_latest_changes(
    session: Session, programme_id: int, *, limit: int = LATEST_CHANGES_LIMIT
) -> list[Change]:
    """The newest journal entries of the programme's actions (creation events left out)."""
    rows = session.execute(
        select_changes()
        .where(col(Action.programme_id) == programme_id, col(ActionEvent.kind) != EventKind.created)
        .order_by(col(ActionEvent.at).desc(), col(ActionEvent.id).desc())
        .limit(limit)
    ).all()
    return [Change(*row) for row in rows]
