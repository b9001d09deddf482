"""A programme's summary: the headline figures, owners, overdue actions, burn-up and scores."""

from __future__ import annotations

import datetime as dt

from pydantic import (
    Field,
)

from ...models import Status
from .common import Schema


class StatusCount(Schema):
    status: Status
    count: int


class FiguresOut(Schema):
    total: int
    applicable: int = Field(description="All actions but those not applicable.")
    open: int
    implemented: int
    percent_implemented: float | None = Field(
        description="implemented / applicable, in percent; null while nothing applies."
    )
    verified: int = Field(description="Implemented and verified.")
    awaiting_verification: int = Field(description="Reported implemented, awaiting verification.")
    implemented_without_verification: int = Field(
        description="Implemented, neither verified nor awaiting verification: reported while "
        "the programme did not require verification."
    )
    requires_verification: bool = Field(
        description="Whether the programme requires verification: then progress counts "
        "verified actions, and those implemented before verification was required."
    )
    progress_percent: float | None = Field(
        description="What the summary shows as progress: (implemented - "
        "awaiting_verification) / applicable where verification is required, else "
        "implemented / applicable; in percent."
    )
    by_status: list[StatusCount]
    overdue: int
    due_within_30: int
    due_within_90: int
    unassigned: int


class OwnerFigures(Schema):
    user_id: int | None
    organisation_id: int | None
    name: str | None
    open: int
    implemented: int
    total: int
    overdue: int


class OverdueOut(Schema):
    id: int
    title: str
    due_on: dt.date
    status: Status
    owner_name: str | None


class BurnupOut(Schema):
    day: dt.date
    scope: int
    implemented: int
    verified: int = Field(description="Implemented and verified at the end of the day.")
    awaiting: int = Field(
        default=0,
        description="Reported implemented and awaiting verification at the end of the day: "
        "where the programme requires verification, progress is implemented - awaiting.",
    )


class ScoreOut(Schema):
    report_id: int
    edition: str | None
    year: int | None
    stated: float | None
    computed: float | None
    band: str | None


class SummaryOut(Schema):
    programme_id: int
    today: dt.date = Field(description="Today in the programme's time zone.")
    current_deadline: dt.date | None
    figures: FiguresOut
    owners: list[OwnerFigures]
    overdue: list[OverdueOut] = Field(description="The longest overdue open actions.")
    burnup: list[BurnupOut]
    scores: list[ScoreOut]
