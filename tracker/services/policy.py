"""Who may do what: every rule of the workflow in one place.

Views, commands and the API ask these functions; none of them decides on its own.
A refusal comes with a plain reason (``update_refusal``) so that a person who may
not do something is told why, never shown a 500 or a silent no-op.

The status-transition table is explicit (``TRANSITIONS``): each allowed move, who
may make it, and what it needs. Saving the current status again is not a
transition; with a comment it records a comment event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col, select

from ..labels import label
from ..models import CLOSED_STATUSES, OPEN_STATUSES, Action, Role, Status, User

MANAGER_ROLES = frozenset({Role.admin, Role.coordinator})


class Needs(enum.StrEnum):
    """What a transition asks of the person making it, beyond permission."""

    nothing = "nothing"
    comment = "comment"
    comment_or_evidence = "comment_or_evidence"


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    managers_only: bool
    needs: Needs


def _owner_moves() -> list[Transition]:
    moves = [
        (Status.not_started, Status.in_progress),
        (Status.not_started, Status.blocked),
        (Status.not_started, Status.implemented),
        (Status.in_progress, Status.blocked),
        (Status.blocked, Status.in_progress),
        (Status.in_progress, Status.implemented),
        (Status.blocked, Status.implemented),
    ]
    return [Transition(a, b, False, _needs_for(b)) for a, b in moves]


def _needs_for(target: Status) -> Needs:
    if target in (Status.blocked, Status.not_applicable):
        return Needs.comment
    if target == Status.implemented:
        return Needs.comment_or_evidence
    return Needs.nothing


def _manager_moves() -> list[Transition]:
    to_not_applicable = [
        Transition(source, Status.not_applicable, True, Needs.comment)
        for source in sorted(OPEN_STATUSES)
    ]
    reopen = [
        Transition(source, Status.in_progress, True, Needs.comment)
        for source in sorted(CLOSED_STATUSES)
    ]
    return to_not_applicable + reopen


TRANSITIONS: dict[tuple[Status, Status], Transition] = {
    (t.source, t.target): t for t in _owner_moves() + _manager_moves()
}


def is_manager(user: User | None) -> bool:
    """Admins and coordinators run the programme's workflow."""
    return user is not None and user.active and user.role in MANAGER_ROLES


def owns(user: User, action: Action) -> bool:
    """The action is the user's own, or their organisation's (``owned_by`` in SQL)."""
    if action.owner_user_id is not None and action.owner_user_id == user.id:
        return True
    return (
        action.owner_organisation_id is not None
        and user.organisation_id is not None
        and action.owner_organisation_id == user.organisation_id
    )


def owned_by(user: User | type[User]) -> sa.ColumnElement[bool]:
    """SQL: the action is the user's own, or their organisation's (``owns`` in a query).

    Pass a person for "mine" (lists, calendar feeds), or the ``User`` model itself to
    tie each user row of a query to the actions it owns (reminder recipients).
    """
    mine = [col(Action.owner_user_id) == user.id]
    if user.organisation_id is not None:
        mine.append(col(Action.owner_organisation_id) == user.organisation_id)
    return sa.or_(*mine)


def can_view(user: User | None, action: Action | None = None) -> bool:
    """Every signed-in, active user reads everything."""
    return user is not None and user.active


def update_refusal(user: User | None, action: Action) -> str | None:
    """Why ``user`` may not update ``action``, or None when they may."""
    if user is None or not user.active:
        return gettext("Please sign in to change actions.")
    if user.role in MANAGER_ROLES:
        return None
    if user.role == Role.viewer:
        return gettext("Viewers can read actions but not change them.")
    if owns(user, action):
        return None
    return gettext(
        "Only the action's owner, the owning organisation or a coordinator can change it; "
        "this action is not yours or your organisation's."
    )


def can_update(user: User | None, action: Action) -> bool:
    return update_refusal(user, action) is None


def can_assign(user: User | None) -> bool:
    """Reassigning owners and setting or pinning due dates is the coordinators' job."""
    return is_manager(user)


def can_manage_deadlines(user: User | None) -> bool:
    return is_manager(user)


def can_import(user: User | None) -> bool:
    return is_manager(user)


def transition(source: Status, target: Status) -> Transition | None:
    return TRANSITIONS.get((source, target))


def allowed_transitions(user: User | None, action: Action) -> set[Status]:
    """The statuses ``user`` may move ``action`` to now (the current one is not among them)."""
    if not can_update(user, action):
        return set()
    manager = is_manager(user)
    return {
        t.target
        for t in TRANSITIONS.values()
        if t.source == action.status and (manager or not t.managers_only)
    }


def transition_refusal(user: User | None, action: Action, target: Status) -> str | None:
    """Why ``user`` may not move ``action`` to ``target``, or None when they may."""
    refusal = update_refusal(user, action)
    if refusal:
        return refusal
    if target == action.status:
        return None
    if target in allowed_transitions(user, action):
        return None
    move = transition(action.status, target)
    if move is not None and move.managers_only:
        return gettext(
            "Only a coordinator can move an action from %(source)s to %(target)s.",
            source=label(action.status),
            target=label(target),
        )
    return gettext(
        "An action cannot move from %(source)s to %(target)s.",
        source=label(action.status),
        target=label(target),
    )


def can_own(user: User) -> bool:
    """Who can be named an action's owner: an active account that may change actions."""
    return user.active and user.role != Role.viewer


def effectively_assigned() -> sa.ColumnElement[bool]:
    """SQL: the action has an owner who can act on it.

    An owner whose account is inactive, or an organisation with no active member,
    leaves its action effectively unassigned: lists show it so and coordinators
    can see that it needs a new owner.
    """
    owner = sa.alias(User.__table__, name="effective_owner")  # type: ignore[attr-defined]
    member = sa.alias(User.__table__, name="effective_member")  # type: ignore[attr-defined]
    user_active = sa.exists(
        sa.select(owner.c.id).where(owner.c.id == Action.owner_user_id, owner.c.active)
    )
    organisation_active = sa.exists(
        sa.select(member.c.id).where(
            member.c.organisation_id == Action.owner_organisation_id, member.c.active
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
