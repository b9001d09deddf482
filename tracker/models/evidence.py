"""Evidence files and used one-tap links (issue 18).

Files live in the database, in a table of their own, so every web host serves the same
files and a backup (``flask backup``) carries them with the rest; the list pages read
the small columns only, never ``content``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class EvidenceFile(SQLModel, table=True):
    """A file attached to an update of an action: the bytes as stored, and who and when.

    ``content_type`` is what the content was found to be (never the browser's word);
    images are stored re-encoded without metadata, and ``sha256``/``size`` describe
    what is stored. A withdrawn file stays (the history names it) but is not served.
    """

    __tablename__ = "evidence_file"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    # The journal event of the update the file came with.
    event_id: int = Field(foreign_key="action_event.id", index=True)
    name: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    thumbnail: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary()))
    uploaded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by_id: int | None = Field(default=None, foreign_key="user.id")
    withdrawn_reason: str | None = Field(default=None, sa_type=sa.Text)
    withdrawal_event_id: int | None = Field(default=None, foreign_key="action_event.id")


class UsedReminderLink(SQLModel, table=True):
    """A reminder's "Done" link that was used: it works once (only its SHA-256 is kept)."""

    __tablename__ = "used_reminder_link"

    token_sha256: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    used_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
