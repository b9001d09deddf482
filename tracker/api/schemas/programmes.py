"""A programme with its deadline history, its reports (editions) and their recommendations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    Field,
)

from ...models import DeadlineKind, Treaty
from .common import Schema


class DeadlineChangeOut(Schema):
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


class ProgrammeOut(Schema):
    id: int
    country: str
    treaty: Treaty
    article: str
    timezone: str = Field(description="IANA time zone in which the programme's days are counted.")
    current_deadline: dt.date | None = Field(
        description="The treaty deadline in force: the latest decided, not refused record."
    )


class ProgrammeList(Schema):
    items: list[ProgrammeOut]


class ProgrammeDetail(ProgrammeOut):
    deadline_history: list[DeadlineChangeOut] = Field(
        description="Every deadline record, oldest decision first; pending requests last."
    )


class CriterionOut(Schema):
    position: int
    name: str
    weight: int | None
    score: float


class ReportOut(Schema):
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


class ReportList(Schema):
    items: list[ReportOut]


class LinkOut(Schema):
    """A recommendation of another edition that this one continues, or that continues it."""

    recommendation_id: int
    report_id: int = Field(description="The other recommendation's edition (report).")
    position: int
    kind: Literal["same", "reworded", "split", "merged"] = Field(
        description="same or reworded: the same ask; split: the second of two later asks "
        "continuing one; merged: the earlier ask went into the later one."
    )


class RecommendationOut(Schema):
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


class RecommendationList(Schema):
    items: list[RecommendationOut]
