"""What every change of an action owes besides the change itself.

Two rules, each written once, that every path changing an action follows, whether it
goes through ``workflow.update_action``, moves many actions with one bulk UPDATE
(a treaty deadline decision, lineage, bulk edits) or seeds a demo:

- ``record_event``: the change goes into the action's append-only journal, so its
  state at any past instant can be rebuilt from the events alone.
- ``reschedule_reminders``: the reminder planner looks at the action again at its
  next tick instead of at the threshold it computed before. Bulk UPDATEs skip ORM
  events, so there is no model listener doing this behind anyone's back: call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypedDict, Unpack

import sqlalchemy as sa
from sqlmodel import Session, col

from ..models import Action, ActionEvent, EventKind, Meeting, Status, User, Verification

# How many ids go into one ``IN (...)``: well under every backend's parameter limit.
CHUNK = 500


class EventValues(TypedDict, total=False):
    """The before and after values an event carries; which ones depends on its kind."""

    status_from: Status | None
    status_to: Status | None
    verification_from: Verification | None
    verification_to: Verification | None
    owner_user_from: int | None
    owner_user_to: int | None
    owner_organisation_from: int | None
    owner_organisation_to: int | None
    due_from: dt.date | None
    due_to: dt.date | None
    follows_deadline_to: bool | None
    comment: str | None
    evidence_url: str | None
    deadline_change_id: int | None
    # Lineage events (issue 10): the edition, its recommendation, the other action of a
    # split or merge, and the text before and after.
    report_id: int | None
    recommendation_id: int | None
    related_action_id: int | None
    text_from: str | None
    text_to: str | None


def record_event(
    session: Session,
    action_id: int,
    kind: EventKind,
    *,
    at: dt.datetime,
    actor: User | None = None,
    meeting: Meeting | int | None = None,
    via: str | None = None,
    **values: Unpack[EventValues],
) -> ActionEvent:
    """Journal one thing that happened to an action; the caller flushes and commits.

    ``at`` is required: the events of one save share one instant, which is how a stale
    save finds what changed since (``workflow.errors.stale_version``). ``actor`` is None
    for what the system did (an import, a deadline moved by no one signed in);
    ``meeting`` (or its id) names the meeting where the decision was taken; ``via`` where
    the change was made when not on the action's page ("reminder": a reminder's one-tap
    link, issue 18).
    """
    event = ActionEvent(
        action_id=action_id,
        kind=kind,
        at=at,
        actor_id=actor.id if actor is not None else None,
        meeting_id=meeting.id if isinstance(meeting, Meeting) else meeting,
        via=via,
        **values,
    )
    session.add(event)
    return event


def reschedule_reminders(session: Session, action_ids: Iterable[int]) -> None:
    """Make the reminder planner look at these actions again at its next tick.

    Call it in the same transaction as any change to who is responsible for an action
    or to when and whether it is due: its status, due date or owner, an owner's account
    or organisation, a deadline that re-dates actions. Without it the planner keeps the
    threshold it computed from the old state (``Action.next_reminder_at``) and an action
    moved nearer its due date, or to a new owner, is reminded late or to the wrong
    person. The planner stores the next instant only where the version it read is still
    current, so a change that bumps the version cannot be overwritten by a tick that
    read the old state; this UPDATE neither bumps the version nor touches
    ``updated_at``, so calling it never makes someone's open form stale.
    """
    ids = sorted(set(action_ids))
    for start in range(0, len(ids), CHUNK):
        session.execute(
            sa.update(Action)
            .where(col(Action.id).in_(ids[start : start + CHUNK]))
            .values(next_reminder_at=None)
            .execution_options(synchronize_session=False)
        )
