"""Evidence files (issue 18): what the API says about them, and the upload form."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from .common import Id, Schema, Text


class EvidenceOut(Schema):
    """An evidence file of an action: what it is, who attached it, whether it is withdrawn."""

    id: int
    action_id: int
    event_id: int = Field(description="The history entry of the update the file came with.")
    name: str
    content_type: str = Field(description="What the content was found to be.")
    size: int = Field(description="Bytes as stored (images are stored without metadata).")
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by_id: int | None
    withdrawn_at: dt.datetime | None
    withdrawn_by_id: int | None
    withdrawn_reason: str | None
    download_url: str | None = Field(description="GET it with the token; null once withdrawn.")


class EvidenceList(Schema):
    """An action's evidence files, oldest first, withdrawn ones included."""

    files: list[EvidenceOut]


class EvidenceUpload(Schema):
    """A file for an action, sent as multipart/form-data; it becomes a history entry."""

    version: Id = Field(description="The action's version as you last read it.")
    file: bytes = Field(description="The file, with its name as the part's filename.")
    comment: Text = Field(default="", description="Goes into the history with the file.")
