"""What the importer hands back: the parsed profile, its criteria, and its one refusal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

APMBC = "APMBC"
CCM = "CCM"

HTML_ADVICE = (
    "this is an HTML page; save the country page as plain text "
    "(File > Save as > Text) and import that"
)


class ProfileError(ValueError):
    """The text is not a country profile. str(err) is ONE line naming what is missing/wrong."""


@dataclass(frozen=True)
class Criterion:
    """One row of the performance table, as printed on the page."""

    name: str
    weight: int | None
    score: float


@dataclass(frozen=True)
class ParsedProfile:
    """Everything the tracker needs from one country page; values the page lacks are None."""

    country: str
    treaty: str | None
    article: str | None
    deadline: datetime.date | None
    edition: str | None
    year: int | None
    rating: str | None
    score: float | None
    computed_score: float | None
    band: str | None
    criteria: tuple[Criterion, ...]
    recommendations: tuple[str, ...]
    key_developments: str | None
    warnings: tuple[str, ...]
    checksum: str
    # The last recommendation ends mid-sentence (the page was cut off): the caller warns
    # and must not let it become an action's newest text without an explicit choice.
    # Also said in ``warnings``; not part of ``to_json`` (its keys are agreed).
    last_recommendation_cut_off: bool = False

    @property
    def last_recommendation_truncated(self) -> bool:
        """The same flag, under the name services/lineage.truncated_last reads."""
        return self.last_recommendation_cut_off

    def to_json(self) -> dict[str, object]:
        """Plain JSON-ready dict, so previews and APIs need not know the dataclass."""
        return {
            "country": self.country,
            "treaty": self.treaty,
            "article": self.article,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "edition": self.edition,
            "year": self.year,
            "rating": self.rating,
            "score": self.score,
            "computed_score": self.computed_score,
            "band": self.band,
            "criteria": [
                {"name": c.name, "weight": c.weight, "score": c.score} for c in self.criteria
            ],
            "recommendations": list(self.recommendations),
            "warnings": list(self.warnings),
        }
