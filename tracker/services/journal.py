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
from typing import Any, TypedDict, Unpack

import sqlalchemy as sa
from sqlmodel import Session, col

from ..models import (
    Action,
    ActionEvent,
    EventKind,
    Meeting,
    ReminderSchedule,
    Status,
    User,
    Verification,
    dialect_insert,
)

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
    threshold it computed from the old state (``ReminderSchedule.next_at``) and an
    action moved nearer its due date, or to a new owner, is reminded late or to the
    wrong person. It writes the schedule row, never the action: neither ``version`` nor
    ``updated_at`` moves, so calling it never makes someone's open form stale.
    """
    ids = sorted(set(action_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(
            _reschedule_statement(session, col(Action.id).in_(chunk)),
            execution_options={"synchronize_session": False},
        )


def reschedule_programme(session: Session, programme_id: int) -> None:
    """``reschedule_reminders`` for every action of a programme, in one statement."""
    session.execute(
        _reschedule_statement(session, col(Action.programme_id) == programme_id),
        execution_options={"synchronize_session": False},
    )


def _reschedule_statement(session: Session, which: sa.ColumnElement[bool]) -> Any:
    """Mark the actions ``which`` selects "compute again" (next_at NULL) and count the
    change (``generation``), inserting the row of an action the planner has not seen.

    Always a row: a tick that read an action before this change and stores its instant
    after it finds the generation moved (or, for an action it saw without a row, this
    row in its way) and leaves the mark, however the two transactions interleave.
    """
    insert = dialect_insert(session)
    schedule: sa.Table = ReminderSchedule.__table__  # type: ignore[attr-defined]
    statement = insert(schedule).from_select(
        ["action_id", "next_at", "generation"],
        sa.select(col(Action.id), sa.null(), sa.literal(1)).where(which),
    )
    return statement.on_conflict_do_update(
        index_elements=["action_id"],
        set_={"next_at": None, "generation": schedule.c.generation + 1},
    )
