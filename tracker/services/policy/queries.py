"""The rules as SQL: what a reader may see, who owns and who can act on an action."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import Action, Membership, Participation, Role, User
from .access import ACTING_ROLES, Who, as_access


def readable(who: Who, column: Any = None) -> sa.ColumnElement[bool]:
    """SQL: the row's programme is one the person may read (``column``: its programme id)."""
    ids = as_access(who).programme_ids
    if ids is None:
        return sa.true()
    return col(column if column is not None else Action.programme_id).in_(sorted(ids))


def owned_by(user: User | type[User]) -> sa.ColumnElement[bool]:
    """SQL: the action is the user's own, or their organisation's (``owns`` in a query).

    Pass a person for "mine" (lists, calendar feeds, with ``readable``), or the ``User``
    model itself to tie each user row of a query to the actions it owns (reminder
    recipients, with ``acts_in_programme``).
    """
    mine = [col(Action.owner_user_id) == user.id]
    if user.organisation_id is not None:
        mine.append(col(Action.owner_organisation_id) == user.organisation_id)
    return sa.or_(*mine)


def acts_in_programme(user_id: Any, programme_id: Any) -> sa.ColumnElement[bool]:
    """SQL: the user is a member who can act (coordinator or owner) in the programme."""
    member = sa.orm.aliased(Membership)
    return sa.exists(
        sa.select(col(member.id)).where(
            member.user_id == user_id,
            member.programme_id == programme_id,
            col(member.role).in_(sorted(ACTING_ROLES)),
        )
    )


def effectively_assigned() -> sa.ColumnElement[bool]:
    """SQL: the action has an owner who can act on it in its programme.

    An owner whose account is inactive or who has left the programme, or an
    organisation with no active member acting in the programme (or that no longer
    takes part in it), leaves its action effectively unassigned: lists show it so and
    the coordinators' unassigned reminders reach it.
    """
    owner = sa.alias(User.__table__, name="effective_owner")  # type: ignore[attr-defined]
    member = sa.alias(User.__table__, name="effective_member")  # type: ignore[attr-defined]
    part = sa.alias(Participation.__table__, name="effective_part")  # type: ignore[attr-defined]
    user_active = sa.exists(
        sa.select(owner.c.id).where(
            owner.c.id == Action.owner_user_id,
            owner.c.active,
            sa.or_(
                owner.c.role == Role.admin.value,
                acts_in_programme(owner.c.id, Action.programme_id),
            ),
        )
    )
    organisation_active = sa.exists(
        sa.select(member.c.id).where(
            member.c.organisation_id == Action.owner_organisation_id,
            member.c.active,
            acts_in_programme(member.c.id, Action.programme_id),
        )
    ) & sa.exists(
        sa.select(part.c.id).where(
            part.c.organisation_id == Action.owner_organisation_id,
            part.c.programme_id == Action.programme_id,
        )
    )
    return sa.or_(
        sa.and_(col(Action.owner_user_id).is_not(None), user_active),
        sa.and_(col(Action.owner_organisation_id).is_not(None), organisation_active),
    )


def effective_owner_active(session: Session, action: Action) -> bool:
    """Whether ``action`` has an owner who can act on it (see ``effectively_assigned``)."""
    found = session.exec(select(Action.id).where(Action.id == action.id, effectively_assigned()))
    return found.first() is not None
