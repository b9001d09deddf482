"""Progress review meetings: recorded once, then their decisions written to the actions.

A decision goes through ``workflow.update_action`` like any other change, with the
meeting named on each history entry, so the action's history says where it was decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col, select

from ..models import Action, Meeting, Programme, Status, User, utcnow
from . import workflow
from .errors import FieldError
from .workflow import ActionChange, Owner

MAX_TITLE = 300
MAX_TEXT = 20_000
EARLIEST = dt.date(1997, 1, 1)


class MeetingError(FieldError):
    """A meeting that cannot be recorded as given."""


def record_meeting(
    session: Session,
    programme: Programme,
    *,
    held_on: dt.date | None,
    title: str,
    attendees: str = "",
    notes: str = "",
    actor: User | None = None,
    today: dt.date | None = None,
) -> Meeting:
    """Store a meeting of ``programme``; the caller commits."""
    latest = today + dt.timedelta(days=366) if today else None
    title, held_on = _checked_title_and_date(title, held_on, latest=latest)
    for name, value in (("attendees", attendees), ("notes", notes)):
        check_text(value, name)
    meeting = Meeting(
        programme_id=programme.id,  # type: ignore[arg-type]
        held_on=held_on,
        title=title,
        attendees=(attendees or "").strip(),
        notes=(notes or "").strip(),
        created_by_id=actor.id if actor else None,
        created_at=utcnow(),
    )
    session.add(meeting)
    session.flush()
    return meeting


def _checked_title_and_date(
    title: str, held_on: dt.date | None, *, latest: dt.date | None
) -> tuple[str, dt.date]:
    """The title on one line and the date, refused (in this order) when the date is
    missing, before ``EARLIEST`` or after ``latest``, or the title empty or too long."""
    title = " ".join((title or "").split())
    if held_on is None:
        raise MeetingError(gettext("Give the date of the meeting."), "held_on")
    if held_on < EARLIEST or (latest is not None and held_on > latest):
        raise MeetingError(gettext("That date is out of range."), "held_on")
    if not title:
        raise MeetingError(gettext("Give the meeting a title."), "title")
    if len(title) > MAX_TITLE:
        raise MeetingError(
            gettext("The title is longer than %(limit)s characters.", limit=MAX_TITLE), "title"
        )
    return title, held_on


def check_text(value: str | None, name: str) -> None:
    """A free-text field within ``MAX_TEXT``; ``name`` is the form field at fault."""
    if len(value or "") > MAX_TEXT:
        raise MeetingError(
            gettext("This text is longer than %(limit)s characters.", limit=f"{MAX_TEXT:,}"),
            name,
        )


def split_lines(text: str | None) -> list[str]:
    """Non-blank lines, trimmed: attendees typed one per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def programme_of(session: Session, meeting: Meeting) -> Programme:
    programme = session.get(Programme, meeting.programme_id)
    assert programme is not None
    return programme


def update_record(
    session: Session, meeting: Meeting, *, title: str, held_on: dt.date | None, notes: str
) -> Meeting:
    """Change a meeting's title, date (planned meetings move) and notes; the caller commits."""
    title, held_on = _checked_title_and_date(title, held_on, latest=None)
    check_text(notes, "notes")
    meeting.title, meeting.held_on, meeting.notes = title, held_on, (notes or "").strip()
    session.add(meeting)
    session.flush()
    return meeting


def list_meetings(session: Session, programme_id: int, *, limit: int = 100) -> list[Meeting]:
    """The programme's meetings, latest first."""
    return list(
        session.exec(
            select(Meeting)
            .where(Meeting.programme_id == programme_id)
            .order_by(col(Meeting.held_on).desc(), col(Meeting.id).desc())
            .limit(limit)
        )
    )


def previous_meeting(session: Session, meeting: Meeting) -> Meeting | None:
    """The meeting of the same programme held just before this one."""
    return session.exec(
        select(Meeting)
        .where(
            col(Meeting.programme_id) == meeting.programme_id,
            sa.or_(
                col(Meeting.held_on) < meeting.held_on,
                sa.and_(col(Meeting.held_on) == meeting.held_on, col(Meeting.id) < meeting.id),
            ),
        )
        .order_by(col(Meeting.held_on).desc(), col(Meeting.id).desc())
        .limit(1)
    ).first()


@dataclass
class Decision:
    """A decision as entered on the meeting page; blank fields change nothing."""

    status: Status | None = None
    owner: Owner | None = None
    due_on: dt.date | None = None
    comment: str = ""
    # Issue 14: ``verify`` or ``send_back`` an action awaiting verification.
    verdict: str | None = None


def apply_decision(
    session: Session,
    meeting: Meeting,
    action_id: int,
    actor: User,
    seen_version: int,
    decision: Decision,
    *,
    at: dt.datetime | None = None,
) -> Action:
    """Write a meeting's decision to an action through the workflow; the caller commits.

    The history entry names the meeting; when no comment is given the meeting's
    title and date stand as the reason. Raises the workflow's errors unchanged.
    """
    action = session.get(Action, action_id)
    if action is not None and action.programme_id != meeting.programme_id:
        raise workflow.InvalidChange(
            gettext("Action %(id)s belongs to another programme.", id=action_id), "action_id"
        )
    why = decision.comment.strip() or gettext(
        "Decided at %(title)s, %(day)s.", title=meeting.title, day=f"{meeting.held_on:%d %b %Y}"
    )
    # The comment is the reason an owner or due-date change carries; a separate comment
    # entry with the same words would only repeat it in the history.
    moves = decision.owner is not None or decision.due_on is not None
    decides = decision.status is not None or decision.verdict is not None
    change = ActionChange(
        status=decision.status,
        comment=why if decides else ("" if moves else decision.comment.strip()),
        verdict=decision.verdict,
        owner=decision.owner,
        due_on=decision.due_on,
        reason=why,
    )
    return workflow.update_action(
        session, action_id, actor, seen_version, change, meeting=meeting, at=at
    )
