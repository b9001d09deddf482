"""An action as the API shows it: its owner, texts, journal, a page of them, and the
conflict body of a stale update."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    Field,
)

from ...models import EventKind, Status, Verification
from .common import (
    Problem,
    Schema,
)


class OwnerOut(Schema):
    user_id: int | None
    user_name: str | None
    organisation_id: int | None
    organisation_name: str | None


class ActionOut(Schema):
    id: int
    programme_id: int
    report_id: int
    recommendation_id: int
    title: str
    status: Status
    verification: Verification = Field(
        description="not_required, awaiting (reported implemented, to be checked) or "
        "verified (checked by a coordinator or the programme's verifier)."
    )
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


class EventOut(Schema):
    """One entry of an action's journal; each carries the before and after of its change."""

    id: int
    kind: EventKind
    at: dt.datetime
    actor_id: int | None
    actor_name: str | None
    status_from: Status | None
    status_to: Status | None
    verification_from: Verification | None = Field(
        description="Status and verification events: the verification state before."
    )
    verification_to: Verification | None = Field(
        description="Status and verification events: the verification state after."
    )
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
    via: str | None = Field(
        description='Where the change was made when not on the action\'s page: "api" through '
        'this API (an update, a bulk update, an evidence upload), "reminder" for a one-tap '
        "link in a reminder mail, the recipient acting without signing in; null otherwise "
        "(a meeting's decision names its meeting_id instead)."
    )


class EditionTextOut(Schema):
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


class ActionPage(Schema):
    items: list[ActionOut]
    total: int = Field(description="How many actions match the filters.")
    page: int | None = Field(description="The page number, in page pagination.")
    per_page: int
    pages: int | None = Field(description="How many pages, in page pagination.")
    next_cursor: str | None = Field(
        description="In cursor pagination: pass it as cursor for the next page; "
        "null on the last page."
    )


class StaleVersionProblem(Problem):
    """409: someone saved the action after the version you sent; nothing was changed."""

    current: ActionDetail = Field(description="The action as it is now.")
    changes: list[EventOut] = Field(description="What was saved since the version you sent.")
