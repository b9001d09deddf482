"""Changing an action: status, comment, evidence, owner, due date, with full history.

``update_action`` is the one way an action changes on behalf of a person; pages,
meetings and the API all call it. It checks the policy, validates the change,
saves it with a conditional UPDATE on the version the person saw, and journals
one ``ActionEvent`` per thing that changed. The caller commits.

No lost update: the save is ``UPDATE action SET ..., version = version + 1 WHERE
id = :id AND version = :seen``. When someone else saved in between, nothing is
changed and ``StaleVersion`` tells the caller what changed since.

One module per job: ``change`` (what is asked, and each typed value's checks),
``plan`` (the rule of each field and the events it makes), ``verification`` (verify,
send back: issue 14), ``errors`` (what a refused or stale change raises); this module
saves, and ``bulk`` applies one change to many actions.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col

from ...models import Action, EventKind, Meeting, Programme, Status, User, utcnow
from .. import evidence as evidence_service
from .. import policy
from ..journal import record_event, reschedule_reminders
from .change import (
    MAX_TEXT,
    MAX_URL,
    UNASSIGNED,
    ActionChange,
    Owner,
    Verdict,
    check_files,
    clean_text,
    clean_url,
    parse_status,
    parse_verdict,
)
from .errors import (
    ActionNotFound,
    Forbidden,
    InvalidChange,
    StaleVersion,
    WorkflowError,
    stale_version,
)
from .plan import EVENT_ORDER, Plan, plan_due, plan_owner, plan_status
from .verification import plan_send_back, plan_verify

__all__ = [
    "MAX_TEXT",
    "MAX_URL",
    "UNASSIGNED",
    "ActionChange",
    "ActionNotFound",
    "Forbidden",
    "InvalidChange",
    "Owner",
    "StaleVersion",
    "Verdict",
    "WorkflowError",
    "parse_status",
    "parse_verdict",
    "update_action",
]


def update_action(
    session: Session,
    action_id: int,
    actor: User,
    seen_version: int,
    change: ActionChange,
    *,
    meeting: Meeting | int | None = None,
    at: dt.datetime | None = None,
    via: str | None = None,
) -> Action:
    """Apply ``change`` to the action as ``actor`` saw it at ``seen_version``; caller commits.

    ``meeting`` is the meeting (or its id) where the decision was taken; it goes on
    each event, ``at`` the instant to record (default: now, UTC), ``via`` where the
    change was made when not on the action's page ("reminder": a one-tap link).

    Raises ``ActionNotFound``, ``Forbidden`` (may not do this), ``InvalidChange``
    (breaks a rule; ``.field`` names the field) or ``StaleVersion`` (someone saved
    in between; nothing changed). Returns the updated action.
    """
    now = at or utcnow()
    action = session.get(Action, action_id, populate_existing=True)
    if action is None or not policy.may(actor, policy.Do.read, action):
        # Outside the actor's programmes an action is as absent as one that never was.
        raise ActionNotFound(gettext("There is no action %(id)s.", id=action_id))
    status = parse_status(change.status) if change.status is not None else action.status
    verdict = parse_verdict(change.verdict)
    refusal = policy.update_refusal(actor, action)
    if refusal and not _verdict_only(actor, action, status, verdict):
        raise Forbidden(refusal)
    if (change.owner is not None or change.due_on is not None or change.unpin) and not (
        policy.can_assign(actor, action)
    ):
        raise Forbidden(
            gettext("Only a coordinator can change an action's owner or due date."), "owner"
        )
    if action.version != seen_version:
        raise stale_version(session, action, seen_version)

    plan = Plan()
    comment = clean_text(change.comment, "comment")
    reason = clean_text(change.reason, "reason")
    evidence = clean_url(change.evidence_url)
    files = check_files(change.files)
    # Rights first: a coordinator-only change is refused (403) before any input check.
    owner_changed = plan_owner(session, plan, actor, action, change.owner, reason)
    due_changed = plan_due(session, plan, actor, action, change, reason)
    if verdict == Verdict.send_back:
        plan_send_back(plan, actor, action, status, comment, evidence)
    elif verdict is None or status != action.status:
        programme = session.get(Programme, action.programme_id)
        requires = bool(programme and programme.requires_verification)
        plan_status(
            plan, actor, action, status, comment, evidence,
            requires_verification=requires, files=len(files), confirm=change.confirm,
        )  # fmt: skip
    if verdict == Verdict.verify:
        plan_verify(plan, actor, action, comment, evidence)
    plan.events.sort(key=lambda event: EVENT_ORDER.index(event[0]))
    if (owner_changed or due_changed) and not reason:
        raise InvalidChange(
            gettext("Say why the owner or due date changes; it goes into the history."),
            "reason",
        )
    if not plan.events:
        raise InvalidChange(
            gettext("Nothing to save: change the status or write a comment."), "comment"
        )

    result = session.execute(
        sa.update(Action)
        .where(col(Action.id) == action_id, col(Action.version) == seen_version)
        .values(**plan.values, version=Action.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise stale_version(session, action, seen_version)
    events = [
        record_event(
            session, action_id, kind, at=now, actor=actor, meeting=meeting, via=via, **values
        )
        for kind, values in plan.events
    ]
    reschedule_reminders(session, [action_id])
    session.flush()
    if files:
        # The files go with the update's status change, or its comment.
        carrier = next(e for e in events if e.kind in _CARRIES_FILES)
        evidence_service.store_files(session, carrier, files, actor, now)
    session.refresh(action)
    return action


def _verdict_only(actor: User, action: Action, status: Status, verdict: Verdict | None) -> bool:
    """A verifier who may not otherwise change the action gives a verdict, nothing more."""
    if verdict is None or not policy.may(actor, policy.Do.verify, action):
        return False
    return status == action.status or verdict == Verdict.send_back


# The events an update's files go with, the first one of the save that it makes.
_CARRIES_FILES = (
    EventKind.status_changed,
    EventKind.confirmed,
    EventKind.comment,
    EventKind.verified,
    EventKind.sent_back,
)
