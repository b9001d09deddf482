"""The shared ground of every table: naming convention, UTC timestamps, stored enums.

The workflow enums many tables and services use live here too.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

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


def dialect_insert(session: Session) -> Any:
    """The database's own ``insert`` (with ``ON CONFLICT``) for ``session``'s backend.

    The dialect is imported on first use, never with the module: the PostgreSQL
    dialect alone was about a tenth of every command's start-up on a SQLite install.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


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
    # Verified completion (issue 14): a verifier checked an action reported implemented,
    # or sent it back to in progress with a comment.
    verified = "verified"
    sent_back = "sent_back"
    # Issue 18: an owner confirms from a reminder that an action in progress is on track;
    # an evidence file attached by mistake is withdrawn (its uploader or a coordinator).
    confirmed = "confirmed"
    evidence_withdrawn = "evidence_withdrawn"


class Verification(enum.StrEnum):
    """Whether an action's reported completion is checked: awaiting (reported implemented
    where the programme requires verification), verified (checked by a coordinator or a
    verifier), not_required otherwise."""

    not_required = "not_required"
    awaiting = "awaiting"
    verified = "verified"


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
