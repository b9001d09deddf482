"""Progress review meetings: who attends, which actions are on the agenda."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Meeting(SQLModel, table=True):
    """A progress review meeting; decisions taken there name it in the action history."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    held_on: dt.date
    title: str = Field(max_length=300)
    attendees: str = Field(default="", sa_type=sa.Text)
    notes: str = Field(default="", sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class MeetingAttendee(SQLModel, table=True):
    """A person or an organisation on a meeting's list: expected while the meeting is
    planned, present once it is held. Others (guests) stay in ``Meeting.attendees``."""

    __tablename__ = "meeting_attendee"
    __table_args__ = (
        sa.CheckConstraint(
            "(user_id IS NULL) <> (organisation_id IS NULL)", name="ck_meeting_attendee_one"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int = 0
    user_id: int | None = Field(default=None, foreign_key="user.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")


class AgendaItem(SQLModel, table=True):
    """An action on a meeting's agenda, in the coordinator's order, with why it is there
    (comma-separated reason codes: overdue, blocked, due_soon, changed, repeated, added)."""

    __tablename__ = "agenda_item"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "action_id", name="uq_agenda_item"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    position: int = 0
    reasons: str = Field(default="", max_length=200)
