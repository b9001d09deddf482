"""A review meeting as a working session: planned ahead, its agenda built from the
programme, the attendees as people and organisations, and every decision of the page
recorded by one save.

Each decision goes through ``workflow.update_action`` (via ``meetings.apply_decision``)
in its own savepoint with its own version check, so one stale or refused item is
reported while the others are recorded; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext, lazy_gettext
from sqlmodel import Session, col, select

from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    ActionText,
    AgendaItem,
    Meeting,
    MeetingAttendee,
    Organisation,
    Status,
    User,
    Verification,
)
from . import meetings as meeting_service
from . import snapshot as snapshot_service
from . import workflow

# Why an action is on the agenda, in the order the agenda shows them.
REASONS = {
    "overdue": lazy_gettext("overdue"),
    "blocked": lazy_gettext("blocked"),
    "due_soon": lazy_gettext("due before the next meeting"),
    "changed": lazy_gettext("changed since the last meeting"),
    "repeated": lazy_gettext("repeated from an earlier edition"),
    "added": lazy_gettext("added by the coordinator"),
    "awaiting_verification": lazy_gettext("reported implemented, awaiting verification"),
}
# Without a next planned meeting, "due soon" means due within this many days of the meeting.
DUE_SOON_DAYS = 90
MAX_AGENDA = 200
_OPEN = [s.value for s in OPEN_STATUSES]


class AgendaError(ValueError):
    """An agenda change that cannot be made; the message says why."""


# --------------------------------------------------------------------------- planning


def is_planned(meeting: Meeting, today: dt.date) -> bool:
    """A meeting dated after today is planned; one dated today or earlier is held."""
    return meeting.held_on > today


def next_planned_meeting(session: Session, programme_id: int, after: dt.date) -> Meeting | None:
    """The earliest meeting of the programme dated after ``after`` (today, for "the next
    planned meeting"; a meeting's own day, for "due before the next meeting")."""
    return session.exec(
        select(Meeting)
        .where(Meeting.programme_id == programme_id, col(Meeting.held_on) > after)
        .order_by(col(Meeting.held_on), col(Meeting.id))
        .limit(1)
    ).first()


# --------------------------------------------------------------------------- attendees


@dataclass(frozen=True)
class Attendee:
    user_id: int | None
    organisation_id: int | None
    name: str


def list_attendees(session: Session, meeting: Meeting) -> list[Attendee]:
    """The people ("Name (ORG)") and organisations on the list, then the guests typed in."""
    rows = session.execute(
        sa.select(
            col(MeetingAttendee.user_id),
            col(MeetingAttendee.organisation_id),
            col(User.name),
            col(Organisation.short_name),
        )
        .outerjoin(User, col(User.id) == col(MeetingAttendee.user_id))
        .outerjoin(
            Organisation,
            col(Organisation.id)
            == sa.func.coalesce(col(MeetingAttendee.organisation_id), col(User.organisation_id)),
        )
        .where(col(MeetingAttendee.meeting_id) == meeting.id)
        .order_by(col(MeetingAttendee.position), col(MeetingAttendee.id))
    ).all()
    listed = [
        Attendee(user_id, org_id, f"{name} ({short})" if name and short else name or short or "")
        for user_id, org_id, name, short in rows
    ]
    guests = [Attendee(None, None, line) for line in meeting_service.split_lines(meeting.attendees)]
    return listed + guests


def set_attendees(
    session: Session,
    meeting: Meeting,
    *,
    user_ids: list[int],
    organisation_ids: list[int],
    guests: str,
) -> None:
    """Replace the list: people and organisations by id (unknown ids are refused), and the
    guests as typed, one per line. The caller commits."""
    user_ids = list(dict.fromkeys(user_ids))
    organisation_ids = list(dict.fromkeys(organisation_ids))
    known_users = set(
        session.scalars(sa.select(col(User.id)).where(col(User.id).in_(user_ids))).all()
    )
    known_orgs = set(
        session.scalars(
            sa.select(col(Organisation.id)).where(col(Organisation.id).in_(organisation_ids))
        ).all()
    )
    if set(user_ids) - known_users or set(organisation_ids) - known_orgs:
        raise meeting_service.MeetingError(
            gettext("Choose the attendees from the list."), "attendee"
        )
    meeting_service.check_text(guests, "attendees")
    session.execute(sa.delete(MeetingAttendee).where(col(MeetingAttendee.meeting_id) == meeting.id))
    rows = [MeetingAttendee(meeting_id=meeting.id, user_id=u) for u in user_ids] + [  # type: ignore[arg-type]
        MeetingAttendee(meeting_id=meeting.id, organisation_id=o)  # type: ignore[arg-type]
        for o in organisation_ids
    ]
    for position, row in enumerate(rows):
        row.position = position
        session.add(row)
    meeting.attendees = (guests or "").strip()
    session.add(meeting)
    session.flush()


# --------------------------------------------------------------------------- agenda


def propose_agenda(
    session: Session, meeting: Meeting, today: dt.date
) -> list[tuple[int, list[str]]]:
    """The open actions the meeting should look at, by action id, with their reasons:
    overdue (today), blocked, due before the next meeting after this one (or within
    ``DUE_SOON_DAYS`` of it), changed since the previous meeting, repeated from an earlier
    edition (an action that carries another edition's text).

    edition (an action that carries another edition's text), and awaiting verification
    (reported implemented, to verify or send back: issue 14).
    """
    programme_id = meeting.programme_id
    later = next_planned_meeting(session, programme_id, meeting.held_on)
    soon = later.held_on if later else meeting.held_on + dt.timedelta(days=DUE_SOON_DAYS)
    previous = meeting_service.previous_meeting(session, meeting)
    status, due = col(Action.status), col(Action.due_on)
    changed: sa.ColumnElement[bool] = sa.false()
    if previous is not None:
        programme = meeting_service.programme_of(session, meeting)
        since = snapshot_service.end_of_day(programme, previous.held_on)
        changed = (
            sa.exists()
            .where(col(ActionEvent.action_id) == col(Action.id), col(ActionEvent.at) >= since)
            .correlate(Action)
        )
    repeated = (
        sa.exists()
        .where(col(ActionText.action_id) == col(Action.id), col(ActionText.detached_at).is_(None))
        .correlate(Action)
    )
    tests = {
        "overdue": sa.and_(due.is_not(None), due < today),
        "blocked": status == Status.blocked.value,
        "due_soon": sa.and_(due.is_not(None), due >= today, due < soon),
        "changed": changed,
        "repeated": repeated,
    }
    awaiting = col(Action.verification) == Verification.awaiting
    open_tests = [sa.and_(status.in_(_OPEN), t) for t in tests.values()]
    tests["awaiting_verification"] = awaiting
    rows = session.execute(
        sa.select(
            col(Action.id),
            *(sa.case((t, True), else_=False) for t in [*open_tests, awaiting]),
        )
        .where(col(Action.programme_id) == programme_id)
        .where(sa.or_(*open_tests, awaiting))
        .order_by(due.asc().nulls_last(), col(Action.id))
        .limit(MAX_AGENDA)
    ).all()
    names = list(tests)
    return [
        (row[0], [name for name, hit in zip(names, row[1:], strict=True) if hit]) for row in rows
    ]


def list_agenda(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(col(AgendaItem.position), col(AgendaItem.id))
        )
    )


def prepare_agenda(session: Session, meeting: Meeting, today: dt.date) -> int:
    """Add the proposed items not yet on the agenda, after the ones there (whose order and
    reasons stay); returns how many were added. The caller commits."""
    assert meeting.id is not None
    items = list_agenda(session, meeting.id)
    present = {item.action_id for item in items}
    position = max((item.position for item in items), default=-1)
    added = 0
    for action_id, reasons in propose_agenda(session, meeting, today):
        if action_id in present or len(present) >= MAX_AGENDA:
            continue
        position += 1
        session.add(
            AgendaItem(
                meeting_id=meeting.id,
                action_id=action_id,
                position=position,
                reasons=",".join(reasons),
            )
        )
        present.add(action_id)
        added += 1
    session.flush()
    return added


def add_agenda_item(session: Session, meeting: Meeting, action_id: int) -> AgendaItem:
    """Put an action of the meeting's programme at the end of its agenda."""
    action = session.get(Action, action_id)
    if action is None or action.programme_id != meeting.programme_id:
        raise AgendaError(gettext("There is no action %(id)s in this programme.", id=action_id))
    items = list_agenda(session, meeting.id)  # type: ignore[arg-type]
    for item in items:
        if item.action_id == action_id:
            return item
    if len(items) >= MAX_AGENDA:
        raise AgendaError(gettext("The agenda is full."))
    item = AgendaItem(
        meeting_id=meeting.id,  # type: ignore[arg-type]
        action_id=action_id,
        position=max((i.position for i in items), default=-1) + 1,
        reasons="added",
    )
    session.add(item)
    session.flush()
    return item


def remove_agenda_item(session: Session, meeting: Meeting, action_id: int) -> None:
    """Take an action off the agenda; its decisions, if any, stay in the history."""
    session.execute(
        sa.delete(AgendaItem).where(
            col(AgendaItem.meeting_id) == meeting.id, col(AgendaItem.action_id) == action_id
        )
    )


def move_agenda_item(session: Session, meeting: Meeting, action_id: int, step: int) -> None:
    """Move an item one place up (``step`` -1) or down (+1); the ends stay where they are."""
    items = list_agenda(session, meeting.id)  # type: ignore[arg-type]
    index = next((i for i, item in enumerate(items) if item.action_id == action_id), None)
    if index is None:
        raise AgendaError(gettext("That action is not on the agenda."))
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        item.position = position
        session.add(item)
    session.flush()


def reason_labels(codes: str) -> list[str]:
    return [str(REASONS[c]) for c in codes.split(",") if c in REASONS]


# --------------------------------------------------------------------------- decisions


@dataclass
class DecisionEntry:
    """One agenda item's decision as typed: the version the page showed, the decision."""

    action_id: int
    seen_version: int
    decision: meeting_service.Decision

    @property
    def is_blank(self) -> bool:
        d = self.decision
        return (
            d.status is None
            and d.owner is None
            and d.due_on is None
            and d.verdict is None
            and not d.comment.strip()
        )


@dataclass
class DecisionsResult:
    """What one save did: the actions recorded, and those not recorded with why."""

    recorded: list[int] = field(default_factory=list)
    stale: dict[int, workflow.StaleVersion] = field(default_factory=dict)
    refused: dict[int, workflow.WorkflowError] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.stale and not self.refused


def record_decisions(
    session: Session,
    meeting: Meeting,
    actor: User,
    entries: list[DecisionEntry],
    *,
    at: dt.datetime | None = None,
) -> DecisionsResult:
    """Record every non-blank decision, each in its own savepoint with its own version
    check: one event per change, each naming the meeting. A stale or refused item rolls
    back only its savepoint. The caller commits once."""
    result = DecisionsResult()
    for entry in entries:
        if entry.is_blank:
            continue
        savepoint = session.begin_nested()
        try:
            meeting_service.apply_decision(
                session,
                meeting,
                entry.action_id,
                actor,
                entry.seen_version,
                entry.decision,
                at=at,
            )
        except workflow.StaleVersion as exc:
            savepoint.rollback()
            result.stale[entry.action_id] = exc
        except workflow.WorkflowError as exc:
            savepoint.rollback()
            result.refused[entry.action_id] = exc
        else:
            savepoint.commit()
            result.recorded.append(entry.action_id)
    return result
