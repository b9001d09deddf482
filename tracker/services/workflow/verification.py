"""Verified completion (issue 14): verifying an action reported implemented, or sending
it back to its owner.

An action reported implemented in a programme that requires verification awaits it
(``Verification.awaiting``); a coordinator, or a verifier the programme names, then
verifies it (it counts as done) or sends it back with a comment (in progress again).
Who may is ``policy.refusal(who, Do.verify, action)``.
"""

from __future__ import annotations

from flask_babel import gettext

from ...models import Action, EventKind, Status, User, Verification
from .. import policy
from .errors import Forbidden, InvalidChange
from .plan import Plan


def _check_verifier(actor: User, action: Action) -> None:
    refused = policy.refusal(actor, policy.Do.verify, action)
    if refused:
        raise Forbidden(refused.message, "verification")


def plan_verify(plan: Plan, actor: User, action: Action, comment: str, evidence: str) -> None:
    """Verify the action as it stands after the rest of ``plan`` (reported in the same
    step, for a coordinator's own report): implemented and not yet verified."""
    _check_verifier(actor, action)
    status = plan.values.get("status", action.status)
    before = plan.values.get("verification", action.verification)
    if status != Status.implemented or before == Verification.verified:
        raise InvalidChange(
            gettext("Only an action reported implemented and not yet verified can be verified."),
            "verification",
        )
    # A comment already carried by the status change of this save is not repeated.
    reported_now = "status" in plan.values
    plan.change(
        EventKind.verified,
        {
            "verification_from": before,  # type: ignore[typeddict-item]
            "verification_to": Verification.verified,
            "comment": None if reported_now else (comment or None),
            "evidence_url": None if reported_now else (evidence or None),
        },
        verification=Verification.verified,
    )


def plan_send_back(
    plan: Plan, actor: User, action: Action, status: Status, comment: str, evidence: str
) -> None:
    """Send an action awaiting verification back to in progress, saying why."""
    _check_verifier(actor, action)
    if action.verification != Verification.awaiting:
        raise InvalidChange(
            gettext("Only an action awaiting verification can be sent back."), "verification"
        )
    if status not in (action.status, Status.in_progress):
        raise InvalidChange(
            gettext("Sending back returns the action to in progress: leave the status as it is."),
            "status",
        )
    if not comment:
        raise InvalidChange(
            gettext("Say why the action is sent back; its owner reads it in the history."),
            "comment",
        )
    # ``comment`` is not empty here, so the event carries it as written.
    plan.move(
        EventKind.sent_back,
        action,
        Status.in_progress,
        Verification.not_required,
        comment,
        evidence,
    )
