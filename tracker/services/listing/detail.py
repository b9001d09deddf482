"""One action's page: the action, its programme and report, its history and the names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...formatting import local_today
from ...models import (
    Action,
    ActionEvent,
    DeadlineChange,
    Meeting,
    Organisation,
    Programme,
    Recommendation,
    Report,
    User,
)
from .. import policy
from .. import programmes as programme_service


@dataclass
class ActionDetail:
    """Everything the action page shows, gathered in a few queries."""

    action: Action
    programme: Programme
    report: Report
    recommendation: Recommendation
    today: dt.date
    deadline: dt.date | None
    assigned: bool
    # The journal as plain rows of ``action_event``'s columns (read like ``ActionEvent``),
    # oldest first; empty when the caller asked for no history (``with_history``).
    events: list[Any]
    users: dict[int, User]
    organisations: dict[int, Organisation]
    meetings: dict[int, Meeting]
    deadline_changes: dict[int, DeadlineChange]

    def user_name(self, user_id: int | None) -> str | None:
        user = self.users.get(user_id) if user_id is not None else None
        return user.name if user else None

    def organisation_name(self, organisation_id: int | None) -> str | None:
        organisation = (
            self.organisations.get(organisation_id) if organisation_id is not None else None
        )
        return organisation.short_name if organisation else None

    def owner_label(self, user_id: int | None, organisation_id: int | None) -> str | None:
        """'Sokha (CMAA)', 'CMAA' or None for unassigned."""
        person = self.user_name(user_id)
        organisation = self.organisation_name(organisation_id)
        if person and organisation:
            return f"{person} ({organisation})"
        return person or organisation


def action_detail(
    session: Session, action_id: int, *, with_history: bool = True
) -> ActionDetail | None:
    """The action page's data; without ``with_history`` no events and only the names
    the action itself shows (the page renders its history apart, from a cache)."""
    action = session.get(Action, action_id, populate_existing=True)
    if action is None:
        return None
    recommendation = session.get(Recommendation, action.recommendation_id)
    programme = session.get(Programme, action.programme_id)
    assert recommendation is not None and programme is not None
    report = session.get(Report, recommendation.report_id)
    assert report is not None
    events = events_of(session, action_id) if with_history else []
    return ActionDetail(
        action=action,
        programme=programme,
        report=report,
        recommendation=recommendation,
        today=local_today(programme.timezone),
        deadline=programme_service.current_deadline(session, programme.id),  # type: ignore[arg-type]
        assigned=policy.effective_owner_active(session, action),
        events=events,
        **names_for(session, [action], events),
    )


_EVENTS = (
    sa.select(*ActionEvent.__table__.columns)  # type: ignore[attr-defined]
    .where(col(ActionEvent.action_id) == sa.bindparam("action_id"))
    .order_by(col(ActionEvent.at), col(ActionEvent.id))
)


def events_of(session: Session, action_id: int) -> list[Any]:
    """The action's full journal, oldest first, as plain rows (a 200-event history loads
    in a fraction of the time ORM objects take; read by attribute like ``ActionEvent``)."""
    return list(session.execute(_EVENTS, {"action_id": action_id}))


def names_for(session: Session, actions: Sequence[Action], events: Sequence[Any]) -> dict[str, Any]:
    """The people, organisations, meetings and deadline records a history names."""
    user_ids = {a.owner_user_id for a in actions} | {
        u for e in events for u in (e.actor_id, e.owner_user_from, e.owner_user_to)
    }
    organisation_ids = {a.owner_organisation_id for a in actions} | {
        o for e in events for o in (e.owner_organisation_from, e.owner_organisation_to)
    }
    meeting_ids = {e.meeting_id for e in events if e.meeting_id}
    change_ids = {e.deadline_change_id for e in events if e.deadline_change_id}
    return {
        "users": _by_id(session, User, user_ids),
        "organisations": _by_id(session, Organisation, organisation_ids),
        "meetings": _by_id(session, Meeting, meeting_ids),
        "deadline_changes": _by_id(session, DeadlineChange, change_ids),
    }


def _by_id(session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(wanted)))}
