"""A programme and what it tracks: deadlines, imported reports, recommendations,
the actions made from them, each action's journal, lineage and translations.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from .base import (
    DeadlineKind,
    EventKind,
    LineageKind,
    Status,
    Treaty,
    UTCDateTime,
    Verification,
    _enum,
    utcnow,
)


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
    # Issue 14: "implemented" counts as done once a coordinator or a verifier checked it.
    # On for new programmes; the upgrade leaves it off for those that existed before.
    requires_verification: bool = True
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def short_name(self) -> str:
        """'Cambodia APMBC': how mails, exports and the audit trail name a programme
        (a country and a treaty are one programme)."""
        return f"{self.country} {self.treaty.value}"


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
        # The summary's figures group on these and read nothing else (issue 15).
        sa.Index(
            "ix_action_figures",
            "programme_id",
            "status",
            "verification",
            "owner_user_id",
            "owner_organisation_id",
            "due_on",
        ),
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
    # When reminders next need a look: ``ReminderSchedule`` (a narrow table of its own).
    # Issue 14: whether its reported completion is checked (see ``Verification``).
    verification: Verification = Field(
        default=Verification.not_required, sa_type=_enum(Verification)
    )


# Scale issue 7: the actions list's default order starts with (due_on, id); with this
# index PostgreSQL reads page 1 in order (incremental sort) instead of sorting every action.
sa.Index("ix_action_due_on_id", Action.__table__.c.due_on, Action.__table__.c.id)  # type: ignore[attr-defined]


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
    # Issue 14: the verification state before and after (status and verification events).
    verification_from: Verification | None = Field(
        default=None, sa_type=_enum(Verification, name="verification_from")
    )
    verification_to: Verification | None = Field(
        default=None, sa_type=_enum(Verification, name="verification_to")
    )
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
    # Issue 18: where the change was made when not on the action's page ("reminder": a
    # one-tap link from a reminder mail, the recipient acting without signing in).
    via: str | None = Field(default=None, max_length=20)


# --- summary issue 5: indexes for the latest changes and a meeting's decisions ---

sa.Index("ix_action_event_at", col(ActionEvent.at))
sa.Index("ix_action_event_meeting_id", col(ActionEvent.meeting_id))


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
