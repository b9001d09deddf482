"""Every body and query the API reads or writes, as pydantic models.

These classes validate requests and shape responses, and the OpenAPI document is
generated from them (``openapi.py``), so what is described is what is checked.
Request models forbid unknown fields and are strict: ``"5"`` is not a number, an
unknown key is an error, a text has a maximum length.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails

from ..models import DeadlineKind, EventKind, Status, TokenScope, Treaty

MAX_ID = 2**31 - 1  # the largest id the databases store; larger ones do not exist
MAX_TEXT = 10_000  # as the workflow service: comments and reasons
MAX_URL = 1_000
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50

# Text may hold any character but NUL, which PostgreSQL cannot store.
_NO_NUL = r"^[^\x00]*$"


def _integral(value: object) -> object:
    """JSON Schema counts 448.0 as an integer, so the API does too (strictly: not "448")."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_Integral = BeforeValidator(_integral)
# Constraints before the validator: after it, pydantic writes them as "ge", not "minimum".
Id = Annotated[int, Field(ge=1, le=MAX_ID), _Integral]
Days = Annotated[int, Field(ge=0, le=36_500), _Integral]
PageNumber = Annotated[int, Field(ge=1, le=1_000_000), _Integral]
PerPage = Annotated[int, Field(ge=1, le=MAX_PER_PAGE), _Integral]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT, pattern=_NO_NUL)]
Url = Annotated[str, StringConstraints(max_length=MAX_URL, pattern=_NO_NUL)]
ShortText = Annotated[str, StringConstraints(max_length=200, pattern=_NO_NUL)]


class RequestModel(BaseModel):
    """A request part: unknown fields are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --------------------------------------------------------------------------- errors


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is: a body field, or a query parameter.")
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 application/problem+json."""

    type: str = Field(description="A URI naming the kind of problem; see the docs page.")
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to do, in plain words.")
    errors: list[FieldError] | None = Field(
        default=None, description="One entry per invalid field, when the request was invalid."
    )


# --------------------------------------------------------------------------- programmes


class DeadlineChangeOut(BaseModel):
    """One record of the treaty deadline's history; dates are never overwritten."""

    id: int
    kind: DeadlineKind
    previous_on: dt.date | None
    new_on: dt.date
    requested_on: dt.date | None
    decided_on: dt.date | None
    decided_by: str | None
    refused: bool
    source: str | None
    note: str | None
    recorded_at: dt.datetime


class ProgrammeOut(BaseModel):
    id: int
    country: str
    treaty: Treaty
    article: str
    timezone: str = Field(description="IANA time zone in which the programme's days are counted.")
    current_deadline: dt.date | None = Field(
        description="The treaty deadline in force: the latest decided, not refused record."
    )


class ProgrammeList(BaseModel):
    items: list[ProgrammeOut]


class ProgrammeDetail(ProgrammeOut):
    deadline_history: list[DeadlineChangeOut] = Field(
        description="Every deadline record, oldest decision first; pending requests last."
    )


class CriterionOut(BaseModel):
    position: int
    name: str
    weight: int | None
    score: float


class ReportOut(BaseModel):
    """One imported edition of a country profile, with its scorecard."""

    id: int
    programme_id: int
    edition: str | None
    publisher: str
    year: int | None
    source_url: str | None
    deadline_on_page: dt.date | None
    rating: str | None
    stated_score: float | None
    computed_score: float | None
    band: str | None
    imported_at: dt.datetime
    scorecard: list[CriterionOut]


class ReportList(BaseModel):
    items: list[ReportOut]


class LinkOut(BaseModel):
    """A recommendation of another edition that this one continues, or that continues it."""

    recommendation_id: int
    report_id: int = Field(description="The other recommendation's edition (report).")
    position: int
    kind: Literal["same", "reworded", "split", "merged"] = Field(
        description="same or reworded: the same ask; split: the second of two later asks "
        "continuing one; merged: the earlier ask went into the later one."
    )


class RecommendationOut(BaseModel):
    id: int
    report_id: int
    position: int
    text: str
    action_id: int | None = Field(
        description="The action tracking this recommendation (made from it, or carrying it "
        "on from an earlier edition)."
    )
    continues: list[LinkOut] = Field(description="Earlier recommendations this one continues.")
    continued_by: list[LinkOut] = Field(description="Later recommendations that continue this one.")


class RecommendationList(BaseModel):
    items: list[RecommendationOut]


# --------------------------------------------------------------------------- actions


class OwnerOut(BaseModel):
    user_id: int | None
    user_name: str | None
    organisation_id: int | None
    organisation_name: str | None


class ActionOut(BaseModel):
    id: int
    programme_id: int
    report_id: int
    recommendation_id: int
    title: str
    status: Status
    owner: OwnerOut
    assigned: bool = Field(
        description="Whether the owner can act on it (an active person or organisation)."
    )
    due_on: dt.date | None
    follows_deadline: bool = Field(
        description="True while the due date follows the treaty deadline; false when pinned."
    )
    overdue: bool
    version: int = Field(description="Send it back with an update (PATCH) to avoid lost updates.")
    created_at: dt.datetime
    updated_at: dt.datetime
    editions: int = Field(description="How many editions carry its recommendation.")


class EventOut(BaseModel):
    """One entry of an action's journal; each carries the before and after of its change."""

    id: int
    kind: EventKind
    at: dt.datetime
    actor_id: int | None
    actor_name: str | None
    status_from: Status | None
    status_to: Status | None
    owner_user_from: int | None
    owner_user_to: int | None
    owner_organisation_from: int | None
    owner_organisation_to: int | None
    due_from: dt.date | None
    due_to: dt.date | None
    follows_deadline_to: bool | None
    comment: str | None
    evidence_url: str | None
    meeting_id: int | None
    deadline_change_id: int | None
    report_id: int | None = Field(description="Lineage events: the edition.")
    recommendation_id: int | None = Field(description="Lineage events: its recommendation.")
    related_action_id: int | None = Field(
        description="split_off, merged, detached: the other action."
    )
    text_from: str | None = Field(description="Lineage events: the earlier wording.")
    text_to: str | None = Field(description="Lineage events: the later wording.")


class EditionTextOut(BaseModel):
    """The action's recommendation as one edition words it."""

    report_id: int
    edition: str | None
    year: int | None
    recommendation_id: int
    position: int
    text: str
    kind: Literal["own", "same", "reworded"] = Field(
        description="own: the recommendation the action was made from; same or reworded: "
        "a later (or, back-filled, earlier) edition carrying it on."
    )


class ActionDetail(ActionOut):
    recommendation_text: str = Field(
        description="The recommendation the action was made from; texts[0] is the newest."
    )
    report_edition: str | None
    texts: list[EditionTextOut] = Field(
        description="Its recommendation's text in every edition that carries it, newest first."
    )
    treaty_deadline: dt.date | None
    allowed_transitions: list[Status] = Field(
        description="The statuses the token's user may move this action to now."
    )
    history: list[EventOut] = Field(description="The full journal, oldest first.")


class ActionPage(BaseModel):
    items: list[ActionOut]
    total: int = Field(description="How many actions match the filters.")
    page: int | None = Field(description="The page number, in page pagination.")
    per_page: int
    pages: int | None = Field(description="How many pages, in page pagination.")
    next_cursor: str | None = Field(
        description="In cursor pagination: pass it as cursor for the next page; "
        "null on the last page."
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


class ActionUpdate(RequestModel):
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


class StaleVersionProblem(Problem):
    """409: someone saved the action after the version you sent; nothing was changed."""

    current: ActionDetail = Field(description="The action as it is now.")
    changes: list[EventOut] = Field(description="What was saved since the version you sent.")


# --------------------------------------------------------------------------- summary


class StatusCount(BaseModel):
    status: Status
    count: int


class FiguresOut(BaseModel):
    total: int
    applicable: int = Field(description="All actions but those not applicable.")
    open: int
    implemented: int
    percent_implemented: float | None = Field(
        description="implemented / applicable, in percent; null while nothing applies."
    )
    by_status: list[StatusCount]
    overdue: int
    due_within_30: int
    due_within_90: int
    unassigned: int


class OwnerFigures(BaseModel):
    user_id: int | None
    organisation_id: int | None
    name: str | None
    open: int
    implemented: int
    total: int
    overdue: int


class OverdueOut(BaseModel):
    id: int
    title: str
    due_on: dt.date
    status: Status
    owner_name: str | None


class BurnupOut(BaseModel):
    day: dt.date
    scope: int
    implemented: int


class ScoreOut(BaseModel):
    report_id: int
    edition: str | None
    year: int | None
    stated: float | None
    computed: float | None
    band: str | None


class SummaryOut(BaseModel):
    programme_id: int
    today: dt.date = Field(description="Today in the programme's time zone.")
    current_deadline: dt.date | None
    figures: FiguresOut
    owners: list[OwnerFigures]
    overdue: list[OverdueOut] = Field(description="The longest overdue open actions.")
    burnup: list[BurnupOut]
    scores: list[ScoreOut]


# --------------------------------------------------------------------------- tokens


class TokenInfo(BaseModel):
    """Who the token acts as: handy to check a token works."""

    user_id: int
    name: str
    role: str
    organisation_id: int | None
    scope: TokenScope
