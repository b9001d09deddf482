"""Changing an action: status, comment, evidence, owner, due date, with full history.

``update_action`` is the one way an action changes on behalf of a person; pages,
meetings and the API all call it. It checks the policy, validates the change,
saves it with a conditional UPDATE on the version the person saw, and journals
one ``ActionEvent`` per thing that changed. The caller commits.

No lost update: the save is ``UPDATE action SET ..., version = version + 1 WHERE
id = :id AND version = :seen``. When someone else saved in between, nothing is
changed and ``StaleVersion`` tells the caller what changed since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col, select

from ..labels import label
from ..models import (
    Action,
    ActionEvent,
    EventKind,
    Meeting,
    Programme,
    Status,
    User,
    utcnow,
)
from . import memberships as membership_service
from . import policy
from . import programmes as programme_service
from .journal import EventValues, record_event, reschedule_reminders

MAX_TEXT = 10_000
MAX_URL = 1_000


class WorkflowError(Exception):
    """A change that was not made. ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ActionNotFound(WorkflowError):
    """There is no action with that id."""


class Forbidden(WorkflowError):
    """The person may not make this change; the message says why (answer 403)."""


class InvalidChange(WorkflowError):
    """The change breaks a rule or a field is malformed (answer 422)."""


class StaleVersion(WorkflowError):
    """Someone saved the action after the person loaded it; nothing was changed (409).

    ``current`` is the action as it is now, ``events`` what happened since the
    version the person saw, oldest first; both are detached from the session so
    they survive its rollback.
    """

    def __init__(self, current: Action, events: list[ActionEvent]) -> None:
        super().__init__(
            gettext("Someone else changed this action after you opened it; nothing was saved.")
        )
        self.current = current
        self.events = events


@dataclass(frozen=True)
class Owner:
    """A new owner: a user, an organisation, or neither (unassigned)."""

    user_id: int | None = None
    organisation_id: int | None = None


UNASSIGNED = Owner()


@dataclass(frozen=True)
class ActionChange:
    """What a person asks to change. Fields left at their default change nothing.

    - ``status``: the new status (a ``Status`` or its value); the current status with
      a comment records a comment.
    - ``comment``, ``evidence_url``: go with the status change or the comment.
    - ``owner``: ``None`` keeps the owner, ``Owner(user_id=...)``,
      ``Owner(organisation_id=...)`` or ``UNASSIGNED`` changes it (coordinators).
    - ``due_on``: pin the due date to this day (coordinators).
    - ``unpin``: follow the programme's treaty deadline again (coordinators).
    - ``reason``: why the owner or due date changed; required for those changes.
    """

    status: Status | str | None = None
    comment: str = ""
    evidence_url: str = ""
    owner: Owner | None = None
    due_on: dt.date | None = None
    unpin: bool = False
    reason: str = ""


_EVENT_ORDER = [
    EventKind.status_changed,
    EventKind.comment,
    EventKind.owner_changed,
    EventKind.due_date_changed,
]


@dataclass
class _Plan:
    values: dict[str, object] = field(default_factory=dict)
    events: list[tuple[EventKind, EventValues]] = field(default_factory=list)


def update_action(
    session: Session,
    action_id: int,
    actor: User,
    seen_version: int,
    change: ActionChange,
    *,
    meeting: Meeting | int | None = None,
    at: dt.datetime | None = None,
) -> Action:
    """Apply ``change`` to the action as ``actor`` saw it at ``seen_version``; caller commits.

    ``meeting`` is the meeting (or its id) where the decision was taken; it goes on
    each event, ``at`` the instant to record (default: now, UTC).

    Raises ``ActionNotFound``, ``Forbidden`` (may not do this), ``InvalidChange``
    (breaks a rule; ``.field`` names the field) or ``StaleVersion`` (someone saved
    in between; nothing changed). Returns the updated action.
    """
    now = at or utcnow()
    action = session.get(Action, action_id, populate_existing=True)
    if action is None or not policy.may(actor, policy.Do.read, action):
        # Outside the actor's programmes an action is as absent as one that never was.
        raise ActionNotFound(gettext("There is no action %(id)s.", id=action_id))
    refusal = policy.update_refusal(actor, action)
    if refusal:
        raise Forbidden(refusal)
    if (change.owner is not None or change.due_on is not None or change.unpin) and not (
        policy.can_assign(actor, action)
    ):
        raise Forbidden(
            gettext("Only a coordinator can change an action's owner or due date."), "owner"
        )
    if action.version != seen_version:
        raise _stale(session, action, seen_version)

    plan = _Plan()
    status = parse_status(change.status) if change.status is not None else action.status
    comment = _clean_text(change.comment, "comment")
    reason = _clean_text(change.reason, "reason")
    evidence = _clean_url(change.evidence_url)
    # Rights first: a coordinator-only change is refused (403) before any input check.
    owner_changed = _plan_owner(session, plan, actor, action, change.owner, reason)
    due_changed = _plan_due(session, plan, actor, action, change, reason)
    _plan_status(plan, actor, action, status, comment, evidence)
    plan.events.sort(key=lambda event: _EVENT_ORDER.index(event[0]))
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
        raise _stale(session, action, seen_version)
    for kind, values in plan.events:
        record_event(session, action_id, kind, at=now, actor=actor, meeting=meeting, **values)
    reschedule_reminders(session, [action_id])
    session.flush()
    session.refresh(action)
    return action


def _plan_status(
    plan: _Plan,
    actor: User,
    action: Action,
    status: Status,
    comment: str,
    evidence: str,
) -> None:
    if status == action.status:
        if comment or evidence:
            plan.events.append(
                (EventKind.comment, {"comment": comment or None, "evidence_url": evidence or None})
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
    if move.needs == policy.Needs.comment_or_evidence and not (comment or evidence):
        raise InvalidChange(
            gettext("Describe the evidence in a comment or give a link to it."), "comment"
        )
    plan.values["status"] = status
    plan.events.append(
        (
            EventKind.status_changed,
            {
                "status_from": action.status,
                "status_to": status,
                "comment": comment or None,
                "evidence_url": evidence or None,
            },
        )
    )


def _plan_owner(
    session: Session,
    plan: _Plan,
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
    plan.values["owner_user_id"] = owner.user_id
    plan.values["owner_organisation_id"] = owner.organisation_id
    plan.events.append(
        (
            EventKind.owner_changed,
            {
                "owner_user_from": action.owner_user_id,
                "owner_user_to": owner.user_id,
                "owner_organisation_from": action.owner_organisation_id,
                "owner_organisation_to": owner.organisation_id,
                "comment": reason or None,
            },
        )
    )
    return True


def _plan_due(
    session: Session,
    plan: _Plan,
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
        _check_due_date(session, action, new_due)
    plan.values["due_on"] = new_due
    plan.values["follows_deadline"] = follows
    plan.events.append(
        (
            EventKind.due_date_changed,
            {
                "due_from": action.due_on,
                "due_to": new_due,
                "follows_deadline_to": follows,
                "comment": reason or None,
            },
        )
    )
    return True


EARLIEST_DUE = dt.date(1997, 1, 1)  # the APMBC was adopted in 1997
LATEST_DUE = dt.date(2100, 12, 31)


def _check_due_date(session: Session, action: Action, due_on: dt.date) -> None:
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


def parse_status(value: Status | str) -> Status:
    """A status from its value (what forms and the API send), refused at ``status``."""
    try:
        return Status(value)
    except ValueError:
        raise InvalidChange(gettext("Unknown status %(value)r.", value=value), "status") from None


def _clean_text(value: str | None, field_name: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidChange(
            gettext(
                "This text is %(length)s characters long; the limit is %(limit)s.",
                length=f"{len(text):,}",
                limit=f"{MAX_TEXT:,}",
            ),
            field_name,
        )
    return text


def _clean_url(value: str | None) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    message = gettext("The evidence link must be a web address starting with http:// or https://.")
    if len(url) > MAX_URL:
        raise InvalidChange(
            gettext("The evidence link is longer than %(limit)s characters.", limit=MAX_URL),
            "evidence_url",
        )
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidChange(message, "evidence_url")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidChange(message, "evidence_url") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidChange(message, "evidence_url")
    return url


def _stale(session: Session, action: Action, seen_version: int) -> StaleVersion:
    """The action as it is now and the events of the saves since ``seen_version``.

    Every save bumps the version once and writes its events with one timestamp, so
    the last ``current - seen`` groups of same-instant events are what happened since.
    """
    session.expire(action)
    current = session.get(Action, action.id, populate_existing=True)
    assert current is not None
    saves = max(current.version - seen_version, 0)
    events = list(
        session.exec(
            select(ActionEvent)
            .where(ActionEvent.action_id == current.id, ActionEvent.kind != EventKind.created)
            .order_by(col(ActionEvent.id).desc())
            .limit(200)
        )
    )
    since: list[ActionEvent] = []
    instants: list[dt.datetime] = []
    for event in events:
        if event.at not in instants:
            if len(instants) == saves:
                break
            instants.append(event.at)
        since.append(event)
    # Detached, so that they survive the caller's rollback and can still be shown.
    for row in [current, *since]:
        session.expunge(row)
    return StaleVersion(current, list(reversed(since)))
