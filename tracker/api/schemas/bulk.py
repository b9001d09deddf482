"""Many actions at once (issue 14): the body of POST /actions/bulk and its answer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Id, RequestModel, Schema
from .requests import ChangeFields

MAX_BULK = 1_000  # as the workflow's bulk change


class BulkItemIn(RequestModel):
    """One action to change, and its version as you last read it."""

    id: Id
    version: Id


class BulkChange(ChangeFields):
    """The change for every action of a bulk update: the fields of PATCH /actions/{id}
    without version (each item carries its own). A change naming owner, due_on or pinned
    without reason is refused by the rules (422 rule-refused), as is one changing nothing."""


class BulkUpdate(RequestModel):
    """One change for many actions: each is changed under its own rules and version check,
    or refused on its own; nothing refused is half-applied."""

    items: list[BulkItemIn] = Field(
        min_length=1, max_length=MAX_BULK, description="At most 1,000; a repeated id counts once."
    )
    change: BulkChange = Field(description="The change, as in PATCH /actions/{id}.")


class BulkItemOut(Schema):
    """What happened to one action of the request."""

    id: int
    outcome: Literal["changed", "refused"]
    version: int | None = Field(
        description="changed: the new version; refused as stale: the current one."
    )
    reason: Literal["stale", "not_found", "forbidden", "refused"] | None = Field(
        description="Why it was refused: changed since your read, no such action (or not "
        "yours to see), not allowed to you, or a rule refuses the change."
    )
    message: str | None = Field(description="The refusal in plain words.")
    field: str | None = Field(description="The field a refusal names, if any.")


class BulkResult(Schema):
    """One entry per distinct id, in the order given."""

    changed: int
    refused: int
    items: list[BulkItemOut]
