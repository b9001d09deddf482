"""Planning one save: the column values and the journal events of each thing that changes.

Each ``plan_*`` function checks the rule of its field (who may, what it needs) and adds
to the ``Plan``; ``update_action`` then writes the values with one conditional UPDATE
and records the events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlmodel import Session

from ...labels import label
from ...models import Action, EventKind, Programme, Status, User, Verification
from .. import memberships as membership_service
from .. import policy
from .. import programmes as programme_service
from ..journal import EventValues
from .change import ActionChange, Owner
from .errors import Forbidden, InvalidChange

EVENT_ORDER = [
    EventKind.status_changed,
    EventKind.sent_back,
    EventKind.verified,
    EventKind.confirmed,
    EventKind.comment,
    EventKind.owner_changed,
    EventKind.due_date_changed,
]


@dataclass
class Plan:
    values: dict[str, object] = field(default_factory=dict)
    events: list[tuple[EventKind, EventValues]] = field(default_factory=list)

    def change(self, kind: EventKind, event: EventValues, **values: object) -> None:
        """Plan the columns ``values`` and the journal event that records them, together,
        so that no planned change is written without its history line."""
        self.values.update(values)
        self.events.append((kind, event))

    def move(
        self,
        kind: EventKind,
        action: Action,
        status: Status,
        verification: Verification,
        comment: str,
        evidence: str,
    ) -> None:
        """Plan a move of the action's status and verification state, journaled as
        ``kind`` with both from and to (a status change, a send-back)."""
        self.change(
            kind,
            {
                "status_from": action.status,
                "status_to": status,
                "verification_from": action.verification,
                "verification_to": verification,
                "comment": comment or None,
                "evidence_url": evidence or None,
            },
            status=status,
            verification=verification,
        )


def plan_status(
    plan: Plan,
    actor: User,
    action: Action,
    status: Status,
    comment: str,
    evidence: str,
    *,
    requires_verification: bool,
    files: int = 0,
    confirm: bool = False,
) -> None:
    """A status move by the table's rules; it sets the verification state it implies:
    reported implemented awaits verification where the programme requires it, any other
    move needs none."""
    if status == action.status:
        if confirm and action.status != Status.in_progress:
            raise InvalidChange(
                gettext("Only an action in progress can be confirmed as on track."), "status"
            )
        if confirm or comment or evidence or files:
            plan.change(
                EventKind.confirmed if confirm else EventKind.comment,
                {"comment": comment or None, "evidence_url": evidence or None},
            )
        return
    refusal = policy.transition_refusal(actor, action, status)
    if refusal:
        move = policy.transition(action.status, status)
        if move is not None and move.managers_only:
            raise Forbidden(refusal, "status")
        raise InvalidChange(refusal, "status")
    move = policy.transition(action.status, status)
    assert move is not None
    if move.needs == policy.Needs.comment and not comment:
        raise InvalidChange(
            gettext("Write a comment saying why the action is %(status)s.", status=label(status))
            if not action.status.is_closed
            else gettext("Write a comment saying why the action is reopened."),
            "comment",
        )
    if move.needs == policy.Needs.comment_or_evidence:
        missing = policy.evidence_refusal(
            policy.Evidence(link=evidence, comment=comment, files=files)
        )
        if missing:
            raise InvalidChange(missing, "comment")
    verification = (
        Verification.awaiting
        if status == Status.implemented and requires_verification
        else Verification.not_required
    )
    plan.move(EventKind.status_changed, action, status, verification, comment, evidence)


def plan_owner(
    session: Session,
    plan: Plan,
    actor: User,
    action: Action,
    owner: Owner | None,
    reason: str,
) -> bool:
    if owner is None:
        return False
    if owner.user_id == action.owner_user_id and (
        owner.organisation_id == action.owner_organisation_id
    ):
        return False
    if not policy.can_assign(actor, action):
        raise Forbidden(gettext("Only a coordinator can change an action's owner."), "owner")
    if owner.user_id is not None and owner.organisation_id is not None:
        raise InvalidChange(gettext("Choose a person or an organisation, not both."), "owner")
    if owner.user_id is not None:
        user = session.get(User, owner.user_id)
        if user is None or not policy.can_own(user, action):
            raise InvalidChange(
                gettext(
                    "Choose an active member of this programme who can update actions "
                    "(a coordinator or an owner here)."
                ),
                "owner",
            )
    if owner.organisation_id is not None and not membership_service.takes_part(
        session, action.programme_id, owner.organisation_id
    ):
        raise InvalidChange(
            gettext("Choose an organisation that takes part in this programme."), "owner"
        )
    plan.change(
        EventKind.owner_changed,
        {
            "owner_user_from": action.owner_user_id,
            "owner_user_to": owner.user_id,
            "owner_organisation_from": action.owner_organisation_id,
            "owner_organisation_to": owner.organisation_id,
            "comment": reason or None,
        },
        owner_user_id=owner.user_id,
        owner_organisation_id=owner.organisation_id,
    )
    return True


def plan_due(
    session: Session,
    plan: Plan,
    actor: User,
    action: Action,
    change: ActionChange,
    reason: str,
) -> bool:
    if change.due_on is None and not change.unpin:
        return False
    if not policy.can_assign(actor, action):
        raise Forbidden(gettext("Only a coordinator can change an action's due date."), "due_on")
    if change.due_on is not None and change.unpin:
        raise InvalidChange(
            gettext("Either pin a due date or follow the treaty deadline, not both."), "due_on"
        )
    if change.unpin:
        if action.follows_deadline:
            return False
        new_due = programme_service.current_deadline(session, action.programme_id)
        follows = True
    else:
        new_due = change.due_on
        follows = False
        if not action.follows_deadline and action.due_on == new_due:
            return False
    if new_due is not None and not follows:
        check_due_date(session, action, new_due)
    plan.change(
        EventKind.due_date_changed,
        {
            "due_from": action.due_on,
            "due_to": new_due,
            "follows_deadline_to": follows,
            "comment": reason or None,
        },
        due_on=new_due,
        follows_deadline=follows,
    )
    return True


EARLIEST_DUE = dt.date(1997, 1, 1)  # the APMBC was adopted in 1997
LATEST_DUE = dt.date(2100, 12, 31)


def check_due_date(session: Session, action: Action, due_on: dt.date) -> None:
    """A due date within the programme's life: not before it existed, not absurdly late."""
    programme = session.get(Programme, action.programme_id)
    assert programme is not None
    first_deadline = programme_service.deadline_history(session, action.programme_id)
    start = min(
        [programme.created_at.date()] + [c.decided_on for c in first_deadline if c.decided_on]
    )
    start = max(start, EARLIEST_DUE)
    if due_on < start:
        raise InvalidChange(
            gettext(
                "The due date cannot be before the programme existed (%(start)s).",
                start=f"{start:%d %b %Y}",
            ),
            "due_on",
        )
    if due_on > LATEST_DUE:
        raise InvalidChange(gettext("The due date is too far in the future."), "due_on")
