"""Who may do what: every rule of the workflow in one place.

Views, commands, the API, lists and reminders ask these functions; none of them
decides on its own. The one question is ``refusal(who, Do.X, target)`` (``may`` for a
yes or no): admins are global, everyone else holds a role per programme
(``Membership``), and outside a programme the answer is hidden (404).
A refusal comes with a plain reason (``update_refusal``) so that a person who may
not do something is told why, never shown a 500 or a silent no-op.

The status-transition table is explicit (``TRANSITIONS``): each allowed move, who
may make it, and what it needs (``evidence_refusal``: what reporting an action
implemented needs). Verified completion (issue 14): ``Do.verify`` says who may verify an
action reported implemented, or send it back. Saving the current status again is not a
transition; with a comment it records a comment event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext

from ...labels import label
from ...models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Action,
    Role,
    Status,
    User,
    Verification,
)
from .access import (
    ACTING_ROLES,
    EVERYTHING,
    NOBODY,
    PROGRAMME_ROLES,
    Access,
    Target,
    Who,
    access_for,
    as_access,
    forget_access,
    programme_id_of,
)
from .queries import (
    acts_in_programme,
    effective_owner_active,
    effectively_assigned,
    effectively_assigned_per_row,
    owned_by,
    readable,
)

__all__ = [
    "ACTING_ROLES",
    "EVERYTHING",
    "NOBODY",
    "PROGRAMME_ROLES",
    "Access",
    "Target",
    "Who",
    "access_for",
    "acts_in_programme",
    "as_access",
    "effective_owner_active",
    "effectively_assigned",
    "effectively_assigned_per_row",
    "forget_access",
    "owned_by",
    "readable",
]

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


# --------------------------------------------------------------------------- the one question


class Do(enum.StrEnum):
    """What a person asks to do to a programme or an action."""

    read = "read"  # see the programme, its actions, pages, exports, feeds
    update = "update"  # move an action's status, comment on it
    assign = "assign"  # change an action's owner or due date
    manage = "manage"  # deadlines, meetings and decisions, imports into it, preview, publish
    manage_members = "manage_members"  # add and remove its members and organisations
    verify = "verify"  # verify an action reported implemented, or send it back
    create_programme = "create_programme"  # no target: a new programme


@dataclass(frozen=True)
class Refusal:
    """Why not. ``hidden``: the target is outside the person's programmes (404, not 403)."""

    message: str
    hidden: bool = False


def refusal(who: Who, do: Do, target: Target = None) -> Refusal | None:
    """May this person do ``do`` to ``target`` (an action, a programme or its id)? None: yes.

    Outside the target's programme the answer is always hidden (404): a programme
    someone does not belong to is not theirs to learn about. Inside it, a refusal says
    which role is needed (403).
    """
    access = as_access(who)
    if access.user_id is None:
        return Refusal(gettext("Please sign in first."), hidden=True)
    if do == Do.create_programme:
        if access.may_create_programmes:
            return None
        return Refusal(
            gettext("Only an admin, or a coordinator an admin has allowed, can create a programme.")
        )
    role = access.role_in(programme_id_of(target))
    if role is None:
        return Refusal(gettext("There is nothing at this address."), hidden=True)
    if do == Do.read or role == Role.admin:
        return None
    if do == Do.verify:
        message = _verify_refusal(access, role, target)
        return Refusal(message) if message else None
    if do == Do.update and isinstance(target, Action):
        message = _update_refusal(access, role, target)
        return Refusal(message) if message else None
    if role == Role.coordinator:
        return None
    if do == Do.update:
        return None if role == Role.owner else Refusal(_viewer_refusal())
    return Refusal(
        gettext(
            "This needs the coordinator role in this programme; your role here is %(role)s.",
            role=role.value,
        )
    )


def may(who: Who, do: Do, target: Target = None) -> bool:
    return refusal(who, do, target) is None


def _viewer_refusal() -> str:
    return gettext("Viewers can read actions but not change them.")


def _update_refusal(access: Access, role: Role, action: Action) -> str | None:
    if role == Role.coordinator:
        return None
    if role == Role.viewer:
        return _viewer_refusal()
    if owns(access, action):
        return None
    return gettext(
        "Only the action's owner, the owning organisation or a coordinator can change it; "
        "this action is not yours or your organisation's."
    )


def _verify_refusal(access: Access, role: Role, target: Target) -> str | None:
    """Coordinators verify; so do the verifiers a programme names (``Membership.verifies``,
    for instance the national authority's quality assurance), except what they own."""
    if role == Role.coordinator:
        return None
    if role == Role.viewer:
        return _viewer_refusal()
    if programme_id_of(target) not in access.verifier_in:
        return gettext(
            "Only a coordinator or a verifier of this programme can verify an action "
            "or send it back."
        )
    if isinstance(target, Action) and owns(access, target):
        return gettext(
            "This action is yours or your organisation's: another verifier or a "
            "coordinator verifies it."
        )
    return None


# --------------------------------------------------------------------------- the workflow's rules


def is_manager(who: Who, programme: Target = None) -> bool:
    """Admins, and the coordinators of ``programme`` (of any programme, without one)."""
    access = as_access(who)
    if access.admin:
        return True
    if programme is None:
        return bool(access.managed_ids)
    return access.role_in(programme_id_of(programme)) == Role.coordinator


def owns(who: Who, action: Action) -> bool:
    """The action is the person's own, or their organisation's, and they act in its programme.

    A member of the owning organisation outside the action's programme gets no rights
    from it (``owned_by`` is the query twin, without the programme).
    """
    access = as_access(who)
    if access.user_id is None:
        return False
    if not access.admin and access.role_in(action.programme_id) not in ACTING_ROLES:
        return False
    if action.owner_user_id is not None and action.owner_user_id == access.user_id:
        return True
    return (
        action.owner_organisation_id is not None
        and access.organisation_id is not None
        and action.owner_organisation_id == access.organisation_id
    )


def can_view(who: Who, action: Action | None = None) -> bool:
    """A signed-in person reads the programmes they belong to (an admin, all)."""
    if action is None:
        return as_access(who).user_id is not None
    return may(who, Do.read, action)


def update_refusal(who: Who, action: Action) -> str | None:
    """Why ``who`` may not update ``action``, or None when they may."""
    access = as_access(who)
    if access.user_id is None:
        return gettext("Please sign in to change actions.")
    found = refusal(access, Do.update, action)
    return found.message if found else None


def can_update(who: Who, action: Action) -> bool:
    return update_refusal(who, action) is None


def can_assign(who: Who, programme: Target = None) -> bool:
    """Reassigning owners and setting or pinning due dates is the coordinators' job."""
    return is_manager(who, programme)


def can_manage_deadlines(who: Who, programme: Target = None) -> bool:
    return is_manager(who, programme)


def can_import(who: Who) -> bool:
    """Importing is for admins, allowed coordinators and the coordinators of a programme."""
    access = as_access(who)
    return access.may_create_programmes or is_manager(access)


def transition(source: Status, target: Status) -> Transition | None:
    return TRANSITIONS.get((source, target))


def allowed_transitions(who: Who, action: Action) -> set[Status]:
    """The statuses ``who`` may move ``action`` to now (the current one is not among them)."""
    if not can_update(who, action):
        return set()
    manager = is_manager(who, action)
    return {
        t.target
        for t in TRANSITIONS.values()
        if t.source == action.status and (manager or not t.managers_only)
    }


def transition_refusal(who: Who, action: Action, target: Status) -> str | None:
    """Why ``who`` may not move ``action`` to ``target``, or None when they may."""
    refused = update_refusal(who, action)
    if refused:
        return refused
    if target == action.status:
        return None
    if target in allowed_transitions(who, action):
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


def verdicts_open(who: Who, action: Action) -> list[str]:
    """The verification decisions ``who`` can take on ``action`` now: ``verify`` and
    ``send_back`` while it awaits verification; ``verify`` alone for a verifier who may
    report it implemented (verified in the same step)."""
    if not may(who, Do.verify, action):
        return []
    if action.verification == Verification.awaiting:
        return ["verify", "send_back"]
    if action.status != Status.implemented and Status.implemented in allowed_transitions(
        who, action
    ):
        return ["verify"]
    return []


@dataclass(frozen=True)
class Evidence:
    """What a report of "implemented" brings: a link, files (once an action has files),
    and the comment that goes with it."""

    link: str = ""
    comment: str = ""
    files: int = 0


def evidence_refusal(evidence: Evidence) -> str | None:
    """Reporting an action implemented needs evidence (a link, or a file once files
    exist) or a comment saying why there is none. The one place of this rule: the
    workflow asks it for every move that ``Needs.comment_or_evidence``."""
    if evidence.link or evidence.files or evidence.comment:
        return None
    return gettext("Describe the evidence in a comment, give a link to it or attach a file.")


def can_own(user: User, programme: Target = None) -> bool:
    """Who can be named an action's owner: an active account that may change actions.

    In a programme: only its members who act there (a coordinator or an owner in it);
    anyone else is refused at the field.
    """
    if not user.active:
        return False
    if programme is None:
        return user.role != Role.viewer
    return as_access(user).role_in(programme_id_of(programme)) in ACTING_ROLES
