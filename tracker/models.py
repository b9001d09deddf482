"""Every table of tracker, with its enums.

Models import nothing of ours and know nothing of Flask: the services own the
workflow, the views own HTTP. Timestamps named ``*_at`` are UTC instants; dates
named ``*_on`` are calendar days in the programme's time zone.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel, col

# One naming convention so that Alembic's batch mode on SQLite can find and
# rebuild constraints by name, and so both databases carry the same names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware, so that it can never be mistaken for local time."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores naive UTC on every backend and always hands back an aware UTC datetime.

    SQLite keeps no time zone, PostgreSQL would convert to the session's: storing
    naive UTC everywhere keeps the two identical and comparisons correct.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Treaty(enum.StrEnum):
    APMBC = "APMBC"
    CCM = "CCM"


class DeadlineKind(enum.StrEnum):
    original = "original"
    extension = "extension"
    correction = "correction"


class Role(enum.StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    owner = "owner"
    viewer = "viewer"


class Status(enum.StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    blocked = "blocked"
    implemented = "implemented"
    not_applicable = "not_applicable"

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATUSES

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


CLOSED_STATUSES = frozenset({Status.implemented, Status.not_applicable})
OPEN_STATUSES = frozenset(set(Status) - CLOSED_STATUSES)


class EventKind(enum.StrEnum):
    created = "created"
    status_changed = "status_changed"
    owner_changed = "owner_changed"
    due_date_changed = "due_date_changed"
    comment = "comment"
    # Lineage (issue 10): a later edition carries the recommendation on, word for word
    # or reworded; a split's second part; an ask merged into another; an ask the new
    # edition dropped; a wrong link detached by a coordinator.
    repeated = "repeated"
    reworded = "reworded"
    split_off = "split_off"
    merged = "merged"
    dropped = "dropped"
    detached = "detached"


class LineageKind(enum.Enum):
    """How a recommendation continues an earlier one (``new`` ones have no link).

    A plain Enum, not a StrEnum: a member named ``split`` would hide ``str.split``.
    """

    same = "same"
    reworded = "reworded"
    split = "split"
    merged = "merged"


def _enum(enum_cls: type[enum.Enum], length: int = 20, name: str | None = None) -> Any:
    """Enums stored as plain strings with a CHECK: no PostgreSQL ENUM type to migrate."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        create_constraint=True,
        name=name or enum_cls.__name__.lower(),
    )


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    short_name: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased by the services, so the unique index is case-insensitive.
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=200)
    role: Role = Field(sa_type=_enum(Role))
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    active: bool = True
    password_hash: str | None = Field(default=None, max_length=255)
    must_change_password: bool = False
    # Bumped to end every session of the user (sign out everywhere, password change).
    session_version: int = 1
    # Secret token of the user's calendar feed; reset by the user.
    feed_token: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    reminders_paused_until: dt.date | None = None
    reminders_pause_reason: str | None = Field(default=None, max_length=500)
    is_demo: bool = False
    # Interface and mail language (a catalogue code such as "km"); None: follow the
    # browser on pages and the instance default in mail.
    language: str | None = Field(default=None, max_length=16)
    # Issue 11: ``role`` admin is global; any other role is held per programme
    # (``Membership``), and ``role`` is then only the role new programmes' members start
    # from on the command line. A coordinator an admin allows may create programmes.
    may_create_programmes: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Programme(SQLModel, table=True):
    """A country's clearance obligation under one treaty (Cambodia, APMBC, Article 5)."""

    __table_args__ = (
        sa.UniqueConstraint("country", "treaty", name="uq_programme_country"),
        # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
        sa.Index("ix_programme_public_slug", "public_slug", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    country: str = Field(max_length=120)
    treaty: Treaty = Field(sa_type=_enum(Treaty, 10))
    article: str = Field(max_length=4)
    timezone: str = Field(default="UTC", max_length=64)
    # Reminder policy, configurable per programme (comma-separated day counts).
    remind_before_days: str = Field(default="90,30,14,7,1", max_length=100)
    remind_overdue_every_days: int = 7
    escalate_overdue_days: int = 14
    escalate_idle_days: int = 60
    countdown_days: str = Field(default="365,180,90,30,7", max_length=100)
    # The ISO week ("2025-W37") whose escalation digest was last planned, so that the
    # escalation query runs once a week, not on every tick.
    escalation_planned_week: str | None = Field(default=None, max_length=10)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Issue 11: the public progress page (/p/<slug>). The slug is fixed at the first
    # publication and never changed, so shared links keep working.
    public_slug: str | None = Field(default=None, max_length=120)
    published: bool = False
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    """A person's role in one programme (issue 11); admins need none, they are global.

    ``role`` is coordinator, owner or viewer, never admin. Removing a membership
    deletes this row only: the history keeps the person's name on what they did.
    """

    __table_args__ = (
        sa.UniqueConstraint("user_id", "programme_id", name="uq_membership_user_programme"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    role: Role = Field(sa_type=_enum(Role, name="membership_role"))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Moved on every role change, so caches keyed on the data generation see it.
    changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Participation(SQLModel, table=True):
    """An organisation takes part in a programme: it can be named an action's owner there."""

    __tablename__ = "programme_organisation"
    __table_args__ = (
        sa.UniqueConstraint(
            "programme_id", "organisation_id", name="uq_programme_organisation_pair"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeadlineChange(SQLModel, table=True):
    """One record per change of a treaty deadline; dates are never overwritten in place.

    The current deadline is the decided, not refused record with the latest
    decision date; a request with no decision moves nothing.
    """

    __tablename__ = "deadline_change"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    kind: DeadlineKind = Field(sa_type=_enum(DeadlineKind))
    previous_on: dt.date | None = None
    new_on: dt.date
    requested_on: dt.date | None = None
    decided_on: dt.date | None = None
    decided_by: str | None = Field(default=None, max_length=300)
    refused: bool = False
    source: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=4000)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")


class Report(SQLModel, table=True):
    """One imported edition of a country profile, with its scorecard."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    edition: str | None = Field(default=None, max_length=200)
    publisher: str = Field(default="Mine Action Review", max_length=200)
    year: int | None = None
    source_url: str | None = Field(default=None, max_length=500)
    # sha256 of the normalised text: the same text is imported once.
    checksum: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    key_developments: str | None = Field(default=None, sa_type=sa.Text)
    deadline_on_page: dt.date | None = None
    rating: str | None = Field(default=None, max_length=40)
    stated_score: float | None = None
    computed_score: float | None = None
    band: str | None = Field(default=None, max_length=40)
    warnings: str = Field(default="", sa_type=sa.Text)
    imported_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    imported_by_id: int | None = Field(default=None, foreign_key="user.id")


class Criterion(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("report_id", "position", name="uq_criterion_report"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    position: int
    name: str = Field(max_length=300)
    weight: int | None = None
    score: float


class Recommendation(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("report_id", "position", name="uq_recommendation_report"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    position: int
    text: str = Field(sa_type=sa.Text)


class Action(SQLModel, table=True):
    """The trackable unit made from one recommendation.

    ``due_on`` is always the effective due date, kept in step with the programme
    deadline while ``follows_deadline`` is true, so lists and reminders can use an
    index instead of recomputing it per row.
    """

    __table_args__ = (
        sa.Index("ix_action_programme_status_due", "programme_id", "status", "due_on"),
        sa.Index("ix_action_status_due", "status", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    recommendation_id: int = Field(
        foreign_key="recommendation.id", sa_column_kwargs={"unique": True}
    )
    title: str = Field(max_length=500)
    owner_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    owner_organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", index=True
    )
    status: Status = Field(default=Status.not_started, sa_type=_enum(Status))
    due_on: dt.date | None = None
    follows_deadline: bool = True
    version: int = 1
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # Reminders (scale of issue 4): when the planner next needs to look at this action;
    # NULL means "compute again". Every change of the action sets it back to NULL by
    # calling services.journal.reschedule_reminders (no listener: bulk UPDATEs skip them).
    next_reminder_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


# Scale issue 7: the actions list's default order starts with (due_on, id); with this
# index PostgreSQL reads page 1 in order (incremental sort) instead of sorting every action.
sa.Index("ix_action_due_on_id", Action.__table__.c.due_on, Action.__table__.c.id)  # type: ignore[attr-defined]


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


class ActionEvent(SQLModel, table=True):
    """Append-only journal of an action.

    Each event carries the before and after value of what it changed; the
    ``created`` event carries the initial status, owner and due date, so the state
    of any action at any past instant can be rebuilt from the journal alone.
    """

    __tablename__ = "action_event"
    __table_args__ = (
        sa.Index("ix_action_event_action_at", "action_id", "at"),
        sa.Index("ix_action_event_kind_at", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id")
    kind: EventKind = Field(sa_type=_enum(EventKind))
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    status_from: Status | None = Field(default=None, sa_type=_enum(Status, name="status_from"))
    status_to: Status | None = Field(default=None, sa_type=_enum(Status, name="status_to"))
    owner_user_from: int | None = Field(default=None, foreign_key="user.id")
    owner_user_to: int | None = Field(default=None, foreign_key="user.id")
    owner_organisation_from: int | None = Field(default=None, foreign_key="organisation.id")
    owner_organisation_to: int | None = Field(default=None, foreign_key="organisation.id")
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    follows_deadline_to: bool | None = None
    comment: str | None = Field(default=None, sa_type=sa.Text)
    evidence_url: str | None = Field(default=None, max_length=1000)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    deadline_change_id: int | None = Field(default=None, foreign_key="deadline_change.id")
    # Lineage events: the edition, its recommendation, the other action of a split,
    # merge or detach, and the wording before and after (so the page can mark changes).
    report_id: int | None = Field(default=None, foreign_key="report.id")
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id")
    related_action_id: int | None = Field(default=None, foreign_key="action.id")
    text_from: str | None = Field(default=None, sa_type=sa.Text)
    text_to: str | None = Field(default=None, sa_type=sa.Text)


# --- Lineage issue 10: a recommendation followed across editions ---


class RecommendationLink(SQLModel, table=True):
    """Recommendation ``recommendation_id`` continues ``continues_id`` of an earlier edition.

    Every stored report is an edition; a link joins two of them. ``kind`` is ``same``,
    ``reworded``, ``split`` (a second later ask continuing the same earlier one) or
    ``merged`` (the earlier ask went into this later one, which continues another).
    An earlier recommendation that no later one continues was dropped. A detached link
    (``detached_at``) is kept, so what was shown before the detach can be rebuilt.
    """

    __tablename__ = "recommendation_link"
    __table_args__ = (
        sa.UniqueConstraint("recommendation_id", "continues_id", name="uq_recommendation_link"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    continues_id: int = Field(foreign_key="recommendation.id", index=True)
    # The edition of ``recommendation_id``, so per-edition counts need no join.
    report_id: int = Field(foreign_key="report.id", index=True)
    kind: LineageKind = Field(sa_type=_enum(LineageKind))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    detached_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    detached_by_id: int | None = Field(default=None, foreign_key="user.id")


class ActionText(SQLModel, table=True):
    """A recommendation of another edition that an action carries on.

    The action keeps the recommendation that created it (``Action.recommendation_id``,
    which past meetings' snapshots name); every other edition's text it carries is a
    row here. Shown as of a moment: the rows linked (and not yet detached) before it,
    the edition latest by year winning, so a back-filled older edition moves nothing.
    """

    __tablename__ = "action_text"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    # Not unique: a detached row stays beside the one that moved the text to a new action.
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    kind: LineageKind = Field(sa_type=_enum(LineageKind))
    linked_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    linked_by_id: int | None = Field(default=None, foreign_key="user.id")
    detached_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    detached_by_id: int | None = Field(default=None, foreign_key="user.id")


# --- Workflow issue 3: accounts, sign-in and security ---


class LoginAttempt(SQLModel, table=True):
    """One failed sign-in, kept for a short while to throttle password guessing.

    Counted in the database, not in a worker's memory, so that the limit holds
    however many workers and hosts serve the site.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "at"),
        sa.Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    address: str = Field(max_length=64)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# --- Reminders issue 4: reminder lines, the mail outbox, the scheduler heartbeat ---


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
    outbox_message_id: int | None = Field(default=None, foreign_key="outbox_message.id", index=True)
    recipient_user_id: int = Field(foreign_key="user.id", index=True)
    kind: LineKind = Field(sa_type=_enum(LineKind))
    # None only for a token_expiry line, which belongs to no programme.
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
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


class SchedulerHeartbeat(SQLModel, table=True):
    """The last tick of a scheduled job, so pages can warn when the scheduler is down."""

    __tablename__ = "scheduler_heartbeat"

    name: str = Field(max_length=40, primary_key=True)
    last_tick_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_result: str = Field(default="", max_length=500)
    ticks: int = 0


class TokenPurpose(enum.StrEnum):
    invitation = "invitation"
    password_reset = "password_reset"  # noqa: S105  (a kind of mail, not a secret)


class AccountToken(SQLModel, table=True):
    """A one-use link to set a password; only the SHA-256 of the token is stored."""

    __tablename__ = "account_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    purpose: TokenPurpose = Field(sa_type=_enum(TokenPurpose))
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- API issue 6: personal API tokens ---


class TokenScope(enum.StrEnum):
    """What a personal API token may do: read only, or read and change actions."""

    read = "read"
    write = "write"


class ApiToken(SQLModel, table=True):
    """A personal API token: acts as its user; only the SHA-256 of the secret is stored.

    ``prefix`` is the start of the secret, kept in clear so that a person can tell
    their tokens apart; it is not enough to use one.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    scope: TokenScope = Field(sa_type=_enum(TokenScope, 10))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Chosen at creation (30, 90 or 365 days); after it the token answers 401 "expired".
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)


# --- summary issue 5: indexes for the latest changes and a meeting's decisions ---

sa.Index("ix_action_event_at", col(ActionEvent.at))
sa.Index("ix_action_event_meeting_id", col(ActionEvent.meeting_id))


class ActionTranslation(SQLModel, table=True):
    """A coordinator's translation of an action's title and recommendation text (issue 12).

    The English stays the record: imports never touch this table. ``source_sha256`` is
    the digest of the English recommendation text the translation was made from, so a
    new edition that rewords the recommendation marks the translation out of date.
    """

    __tablename__ = "action_translation"
    __table_args__ = (
        sa.UniqueConstraint("action_id", "language", name="uq_action_translation_language"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    language: str = Field(max_length=16)
    title: str | None = Field(default=None, max_length=500)
    text: str | None = Field(default=None, sa_type=sa.Text)
    source_sha256: str = Field(max_length=64)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


# --- hardening issue 16: server-side sign-ins and the audit trail ---


class SignIn(SQLModel, table=True):
    """One browser's sign-in: the cookie carries a random secret, the row its SHA-256.

    Looked up by primary key on every request, so ending the row (sign out, "end this
    session") or bumping the user's ``session_version`` (sign out everywhere, password
    change, reset, deactivation) refuses the cookie at once, on every worker.
    """

    __tablename__ = "sign_in"

    id: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    # The user's session_version when signed in; a later bump ends this sign-in.
    session_version: int
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Written at most once a minute, so busy pages do not queue on this row.
    last_seen_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Append-only journal of administrative changes: who, when, from where, old and new.

    ``kind`` is a plain string ("user.created", "programme.published", ...) so that a
    new kind of change needs no migration; ``old`` and ``new`` hold JSON objects of the
    fields that changed. Nothing in the application updates or deletes these rows.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_subject", "subject_type", "subject_id"),
        sa.Index("ix_audit_entry_kind_at", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    address: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=60)
    subject_type: str = Field(max_length=40)
    subject_id: int | None = None
    # The subject's name when it changed, so the entry reads well after a rename.
    subject_label: str = Field(default="", max_length=300)
    old: str | None = Field(default=None, sa_type=sa.Text)
    new: str | None = Field(default=None, sa_type=sa.Text)
