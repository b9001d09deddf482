"""People and their access: organisations, accounts, programme memberships,
sign-ins, tokens and the audit trail of administrative changes.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import Role, UTCDateTime, _enum, utcnow


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    short_name: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Who gets the reminders of the organisation's actions (issue 15): this member while
    # they are active and act in the action's programme, else every such member. No
    # foreign key: user already refers to organisation (a cycle for create_all).
    focal_point_user_id: int | None = None


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
    # Issue 14: a verifier checks what the programme's owners report implemented (for
    # Cambodia, CMAA's quality assurance), besides the role held here.
    verifies: bool = False


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
    # The subject's name when it changed, as people typed it (the CSV writes it); the
    # page names the subject as it is now, from its type and id (services/audit_subjects).
    subject_label: str = Field(default="", max_length=300)
    old: str | None = Field(default=None, sa_type=sa.Text)
    new: str | None = Field(default=None, sa_type=sa.Text)
