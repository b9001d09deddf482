"""What a request may ask of actions: the list's filters and pagination, and an update."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails

from ...models import Status, Verification
from .common import (
    DEFAULT_PER_PAGE,
    Days,
    Id,
    PageNumber,
    PerPage,
    RequestModel,
    ShortText,
    Text,
    Url,
)


class ActionQuery(RequestModel):
    """The web list's filters, and either page or cursor pagination."""

    status: list[Status] | None = Field(
        default=None, description="Repeat for several: status=blocked&status=in_progress."
    )
    owner: Id | Literal["none"] | None = Field(
        default=None, description="A user id, or none for actions nobody can act on."
    )
    organisation: Id | None = None
    edition: ShortText | None = Field(default=None, description="A report edition, exactly.")
    programme: Id | None = None
    overdue: bool | None = Field(default=None, description="Only open actions past due.")
    due_within: Days | None = Field(
        default=None, description="Only open actions due within so many days."
    )
    q: ShortText | None = Field(default=None, description="Words in the title or recommendation.")
    editions: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="Only actions carried by at least so many editions."
    )
    not_latest: bool | None = Field(
        default=None, description="Only actions not in their programme's latest edition."
    )
    verification: Verification | None = Field(
        default=None, description="Only actions in this verification state (awaiting: to check)."
    )
    sort: Literal["due", "status", "changed"] = Field(
        default="due", description="Page pagination only; a cursor walks actions by id."
    )
    page: PageNumber | None = Field(default=None, description="Ignored when a cursor is given.")
    per_page: PerPage = DEFAULT_PER_PAGE
    cursor: Annotated[str, StringConstraints(pattern=r"^[0-9]{0,9}$")] | None = Field(
        default=None,
        description="Cursor pagination: empty to start, then next_cursor (the last id "
        "seen). Takes precedence over page.",
    )


class OwnerIn(RequestModel):
    """A new owner: a user or an organisation; both absent (or null) leaves it unassigned."""

    user_id: Id | None = None
    organisation_id: Id | None = None


# A change of owner or due date needs a reason (the workflow's rule), so a body that
# names one of these must name ``reason`` too: the document says so with JSON Schema's
# dependentRequired, and the model checks exactly that (issue 16: the document used to
# call {"owner": null} valid, and the rules refused it).
NEEDS_REASON = ("owner", "due_on", "pinned")


class ChangeFields(RequestModel):
    """What a change to an action may name; fields left out are not changed."""

    status: Status | None = Field(
        default=None, description="The new status; some moves need a comment or evidence."
    )
    comment: Text | None = Field(default=None, description="Goes into the history.")
    evidence_url: Url | None = Field(default=None, description="An http(s) link to the evidence.")
    owner: OwnerIn | None = Field(
        default=None, description="Coordinators: the new owner; null leaves it unassigned."
    )
    due_on: dt.date | None = Field(
        default=None, description="Coordinators: pin the due date to this day."
    )
    pinned: bool | None = Field(
        default=None, description="Coordinators: false makes the due date follow the deadline."
    )
    reason: Text | None = Field(
        default=None, description="Why the owner or due date changes; required for those."
    )
    verdict: Literal["verify", "send_back"] | None = Field(
        default=None,
        description="Coordinators and the programme's verifiers: verify an action awaiting "
        "verification, or send it back to in progress (needs a comment). With status "
        "implemented, a coordinator verifies in the same step.",
    )


class ActionUpdate(ChangeFields):
    """A change to one action, checked by the same rules as the web form.

    Give version from the last read; fields left out are not changed. Giving owner,
    due_on or pinned (even as null) needs reason.
    """

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"dependentRequired": {name: ["reason"] for name in NEEDS_REASON}},
    )

    @model_validator(mode="after")
    def _reason_with_owner_or_due(self) -> ActionUpdate:
        given = [name for name in NEEDS_REASON if name in self.model_fields_set]
        if given and "reason" not in self.model_fields_set:
            # Raised as the field's own error, so the problem names ``reason``.
            detail = InitErrorDetails(type="missing", loc=("reason",), input=given[0])
            raise ValidationError.from_exception_data(type(self).__name__, [detail])
        return self

    version: Id = Field(description="The action's version as you last read it.")
