"""Acting on a reminder in one tap (issue 18): what a link may do, and doing it.

The change goes through ``workflow.update_action`` like the action page's form, as the
recipient, marked ``via="reminder"``: the same rules (a comment for "Blocked", evidence
or a comment for "Done", verification where the programme requires it) and the same
journal. "On track" then records the action's next reminder threshold as skipped
("confirmed"), except the one-day and the first overdue reminder
(``policy.skipped_when_on_track``). A used "Done" link is recorded and works once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session

from ..models import (
    Action,
    ActionEvent,
    LineKind,
    LineState,
    Programme,
    ReminderLine,
    Status,
    UsedReminderLink,
    User,
    dialect_insert,
)
from ..services import policy as access_policy
from ..services.uploads import Upload
from ..services.workflow import ActionChange, InvalidChange, update_action
from ..services.workflow.errors import stale_version
from . import policy
from .links import MOVES, Choice, Claims, LinkRefused
from .recipients import is_responsible

VIA_REMINDER = "reminder"


@dataclass
class LinkTarget:
    """The recipient and the action a genuine link names, checked as they are now."""

    claims: Claims
    user: User
    action: Action
    programme: Programme
    changes: list[ActionEvent] = field(default_factory=list)


def open_link(session: Session, claims: Claims, *, with_changes: bool = False) -> LinkTarget:
    """The link's recipient and action, or ``LinkRefused``: "ended" (signed out everywhere,
    password reset, deactivated), "not_owner", "used" (a "Done" link works once) or
    "closed". ``with_changes``: also what changed on the action since the mail."""
    user = session.get(User, claims.user_id)
    if user is None or not user.active or user.session_version != claims.session_version:
        raise LinkRefused("ended")
    action = session.get(Action, claims.action_id, populate_existing=True)
    if action is None or not access_policy.owns(user, action):
        raise LinkRefused("not_owner")
    if session.get(UsedReminderLink, claims.token_sha256) is not None:
        raise LinkRefused("used")
    if action.status.is_closed:
        raise LinkRefused("closed")
    programme = session.get(Programme, action.programme_id)
    assert programme is not None
    changes: list[ActionEvent] = []
    if with_changes and action.version > claims.action_version:
        stale = stale_version(session, action, claims.action_version)
        action, changes = stale.current, stale.events
    return LinkTarget(claims, user, action, programme, changes)


def change_for(
    action: Action, choice: Choice, *, comment: str, evidence_url: str, files: tuple[Upload, ...]
) -> ActionChange:
    """The form's change for one choice: evidence only goes with "Done"."""
    if choice == Choice.on_track:
        if action.status == Status.in_progress:
            return ActionChange(confirm=True, comment=comment)
        return ActionChange(status=Status.in_progress, comment=comment)
    if choice == Choice.blocked:
        return ActionChange(status=Status.blocked, comment=comment)
    return ActionChange(
        status=Status.implemented, comment=comment, evidence_url=evidence_url, files=files
    )


def act_on_link(
    session: Session,
    target: LinkTarget,
    choice: str,
    *,
    seen_version: int,
    comment: str = "",
    evidence_url: str = "",
    files: tuple[Upload, ...] = (),
    now: dt.datetime,
) -> Action:
    """Make the link's change as its recipient, from the reminder; the caller commits.

    Raises what ``update_action`` raises (``InvalidChange`` naming the field,
    ``StaleVersion``, ``Forbidden``), and ``LinkRefused("invalid")`` for a choice the
    link does not offer.
    """
    try:
        chosen = Choice(choice)
    except ValueError:
        chosen = Choice.open
    offered = target.claims.choice
    if chosen not in MOVES:
        raise InvalidChange(gettext("Choose On track, Blocked or Done."), "choice")
    if offered != Choice.open and chosen != offered:
        raise LinkRefused("invalid")
    change = change_for(
        target.action, chosen, comment=comment, evidence_url=evidence_url, files=files
    )
    saved = update_action(
        session, target.action.id or 0, target.user, seen_version, change, at=now,
        via=VIA_REMINDER,
    )  # fmt: skip
    if chosen == Choice.done:
        # The primary key is the token's digest: a second use, even a concurrent one,
        # fails here and rolls the whole change back.
        session.add(
            UsedReminderLink(
                token_sha256=target.claims.token_sha256,
                user_id=target.user.id or 0,
                action_id=saved.id or 0,
                used_at=now,
            )
        )
        session.flush()
    if chosen == Choice.on_track:
        skip_next_reminder(session, saved, target.programme, now)
    return saved


def skip_next_reminder(
    session: Session, action: Action, programme: Programme, now: dt.datetime
) -> int | None:
    """Record the action's next threshold as skipped ("confirmed") for each of its current
    recipients; the planner then never sends it (its line key exists). The offset skipped,
    or None when the rule skips nothing."""
    if action.due_on is None or action.status.is_closed:
        return None
    threshold = policy.skipped_when_on_track(
        action.due_on,
        before_days=policy.parse_days(programme.remind_before_days),
        overdue_every_days=programme.remind_overdue_every_days,
        timezone=programme.timezone,
        now=now,
    )
    if threshold is None:
        return None
    users = sa.alias(User.__table__, name="recipient")  # type: ignore[attr-defined]
    actions = Action.__table__  # type: ignore[attr-defined]
    recipients = list(
        session.execute(
            sa.select(users.c.id)
            .select_from(users, actions)
            .where(actions.c.id == action.id, is_responsible(users, actions))
            .order_by(users.c.id)
        ).scalars()
    )
    if not recipients:
        return None
    # The planner's key of an owner's line (reminders/lines.py): one line per series,
    # threshold and recipient, planned once.
    prefix = f"{LineKind.own.value}:a{action.id}:{action.due_on.isoformat()}"
    rows = [
        {
            "key": f"{prefix}:{threshold.offset_days:+d}:u{user_id}",
            "recipient_user_id": user_id,
            "kind": LineKind.own,
            "programme_id": action.programme_id,
            "action_id": action.id,
            "due_on": action.due_on,
            "offset_days": threshold.offset_days,
            "reached_at": threshold.reached_at,
            "state": LineState.skipped,
            "reason": "confirmed",
            "planned_at": now,
        }
        for user_id in recipients
    ]
    table = ReminderLine.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)
    session.execute(insert(table).on_conflict_do_nothing(index_elements=["key"]), rows)
    return threshold.offset_days
