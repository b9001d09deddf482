"""Who a reminder goes to, and when an action last moved: the reads that planning
(``planner``) and the send-time checks (``compose``) share.

The rule is one: an action's reminders go to its owner if that account is active,
else to the active members of its owning organisation, else (as unassigned) to the
coordinators. ``People`` applies it to everyone at once for a planning pass;
``responsible_users`` asks the database for one action at send time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Action, ActionEvent, Role, User
from ..services.policy import owned_by

CHUNK = 400


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices short enough for any backend's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class People:
    """Who can receive what: active users, organisation members, coordinators."""

    users: dict[int, User]
    members: dict[int, list[User]]
    coordinators: list[User]

    def responsible(self, owner_user_id: int | None, organisation_id: int | None) -> list[User]:
        """The owner if active, else the owning organisation's active members, else nobody."""
        if owner_user_id is not None:
            owner = self.users.get(owner_user_id)
            if owner is not None:
                return [owner]
        if organisation_id is not None:
            return list(self.members.get(organisation_id, []))
        return []


def load_people(session: Session) -> People:
    """Every active user, once per planning pass, grouped as ``People.responsible`` asks."""
    users = {u.id: u for u in session.exec(select(User).where(col(User.active).is_(True)))}
    members: dict[int, list[User]] = defaultdict(list)
    for user in users.values():
        if user.organisation_id is not None:
            members[user.organisation_id].append(user)
    coordinators = sorted(
        (u for u in users.values() if u.role == Role.coordinator), key=lambda u: u.id or 0
    )
    return People(users, members, coordinators)  # type: ignore[arg-type]


def responsible_users(session: Session, action: Action) -> list[User]:
    """Who gets ``action``'s own reminders now (the rule of ``People.responsible``).

    The active users who own the action or whose organisation does
    (``services.policy.owned_by``), where an active personal owner leaves the organisation out.
    """
    owner = sa.orm.aliased(User, name="personal_owner")
    owner_active = sa.exists().where(
        col(owner.id) == col(Action.owner_user_id), col(owner.active).is_(True)
    )
    return list(
        session.exec(
            select(User)
            .join(Action, owned_by(User))
            .where(
                col(Action.id) == action.id,
                col(User.active).is_(True),
                sa.or_(col(User.id) == col(Action.owner_user_id), ~owner_active),
            )
        )
    )


def last_event_at(session: Session, action_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """When each action last changed (its newest event), for the idle rule."""
    result: dict[int, dt.datetime] = {}
    for chunk in chunks(action_ids):
        rows = session.exec(
            select(ActionEvent.action_id, sa.func.max(ActionEvent.at))
            .where(col(ActionEvent.action_id).in_(chunk))
            .group_by(col(ActionEvent.action_id))
        ).all()
        for action_id, at in rows:
            if at is not None:
                # func.max loses the column type on some backends: normalise to aware UTC.
                at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
                result[action_id] = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return result
