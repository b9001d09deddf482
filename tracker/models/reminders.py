"""Reminders issue 4: reminder lines, the mail outbox, the scheduler heartbeat."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, _enum, utcnow


class MessageKind(enum.StrEnum):
    reminder = "reminder"
    invitation = "invitation"
    password_reset = "password_reset"  # noqa: S105  (a kind of mail, not a secret)
    token_expiry = "token_expiry"  # noqa: S105  (issue 16: an API token expires soon)


class MessageStatus(enum.StrEnum):
    """An outbox message: pending -> sending -> sent; failed retries; dead gives up."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    dead = "dead"
    cancelled = "cancelled"


class LineKind(enum.StrEnum):
    own = "own"  # the recipient's own action, before or after its due date
    unassigned = "unassigned"
    escalation = "escalation"
    countdown = "countdown"
    token_expiry = "token_expiry"  # noqa: S105  (issue 16: a token of the recipient expires)
    verification = "verification"  # issue 14: an action awaits the recipient's verification


class LineState(enum.StrEnum):
    planned = "planned"
    sent = "sent"
    skipped = "skipped"
    cancelled = "cancelled"


class OutboxMessage(SQLModel, table=True):
    """One e-mail to one person; reminder bodies are rendered from their lines at send time.

    ``message_id`` is the Message-ID header, fixed when the message is planned, so a
    rare second delivery after a crash carries the same identity.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=255, sa_column_kwargs={"unique": True})
    kind: MessageKind = Field(sa_type=_enum(MessageKind))
    recipient_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    recipient_email: str = Field(max_length=254)
    subject: str = Field(default="", max_length=300)
    # Only account mail carries a body from the start; cleared once sent.
    body_text: str | None = Field(default=None, sa_type=sa.Text)
    body_html: str | None = Field(default=None, sa_type=sa.Text)
    status: MessageStatus = Field(default=MessageStatus.pending, sa_type=_enum(MessageStatus))
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    planned_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReminderLine(SQLModel, table=True):
    """One reached threshold for one recipient, planned once under its unique ``key``."""

    __tablename__ = "reminder_line"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    # The mail, person, programme and action a line names have no foreign keys
    # (migrations 0021, 0022): PostgreSQL checked each key row by row, more than half
    # of recording a tick's tens of thousands of lines. Lines are written only from the
    # rows they name, in the same transaction, and none of those rows is ever deleted
    # (a mail only when no line names it); the re-check cancels a line whose row is gone.
    outbox_message_id: int | None = Field(default=None, index=True)
    recipient_user_id: int  # no index (0023): no query looks lines up by recipient
    kind: LineKind = Field(sa_type=_enum(LineKind))
    # None only for a token_expiry line, which belongs to no programme.
    programme_id: int | None = Field(default=None, index=True)
    action_id: int | None = Field(default=None, index=True)
    api_token_id: int | None = Field(default=None, foreign_key="api_token.id", index=True)
    # The action's due date, the treaty deadline for a countdown line, or the day a
    # token expires for a token_expiry line.
    due_on: dt.date | None = None
    # Days after ``due_on`` (negative before it); 0 for escalation lines.
    offset_days: int = 0
    reached_at: dt.datetime = Field(sa_type=UTCDateTime)
    state: LineState = Field(sa_type=_enum(LineState))
    reason: str | None = Field(default=None, max_length=200)
    planned_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReminderSchedule(SQLModel, table=True):
    """When the planner next needs to look at an action (issue 15: a table of its own).

    No row, or ``next_at`` NULL, means "compute again": the planner reads the actions
    without a row and the rows whose instant has come. A narrow table because a tick
    rewrites tens of thousands of these instants: on ``action`` each write was a new
    copy of the whole row and an entry in each of its eleven indexes (PostgreSQL cannot
    update in place a column an index covers), here of three small columns and two.
    ``generation`` counts the times the action was rescheduled, so a tick that read the
    row before a change never stores the instant it computed from the old state.
    """

    __tablename__ = "reminder_schedule"

    # No foreign key (migration 0022): rows are written only from ``action`` rows, and
    # checking the key was half of a first tick's 100,000 inserts.
    action_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    next_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    generation: int = 0


class SchedulerHeartbeat(SQLModel, table=True):
    """The last tick of a scheduled job, so pages can warn when the scheduler is down."""

    __tablename__ = "scheduler_heartbeat"

    name: str = Field(max_length=40, primary_key=True)
    last_tick_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_result: str = Field(default="", max_length=500)
    ticks: int = 0
