"""Updates a coordinator shows on the programme's public page (issue 11).

The public page shows no comments or evidence unless a coordinator marks an update
public. The journal stays append-only: the mark is a row of its own, removed when the
update is hidden again.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class PublishedUpdate(SQLModel, table=True):
    """One journal entry (its comment, evidence link and files) shown publicly."""

    __tablename__ = "published_update"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="action_event.id", unique=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    published_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_by_id: int | None = Field(default=None, foreign_key="user.id")
