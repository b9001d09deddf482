"""Actions: made from recommendations, journalled on every change."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from ..models import Action, EventKind, Recommendation, Status, User, utcnow
from .journal import record_event

TITLE_LENGTH = 160


def action_title(text: str, limit: int = TITLE_LENGTH) -> str:
    """A list-friendly title: the recommendation itself, cut at a word if it is long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def create_action(
    session: Session,
    recommendation: Recommendation,
    programme_id: int,
    *,
    due_on: dt.date | None,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> Action:
    """One action per recommendation, unassigned and following the treaty deadline.

    The ``created`` event records the initial status, owner and due date so that the
    journal alone can rebuild the action's state at any moment.
    """
    now = at or utcnow()
    action = Action(
        programme_id=programme_id,
        recommendation_id=recommendation.id,  # type: ignore[arg-type]
        title=action_title(recommendation.text),
        status=Status.not_started,
        due_on=due_on,
        follows_deadline=True,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    assert action.id is not None
    record_event(
        session,
        action.id,
        EventKind.created,
        at=now,
        actor=actor,
        status_to=action.status,
        verification_to=action.verification,
        due_to=due_on,
        follows_deadline_to=True,
    )
    return action
