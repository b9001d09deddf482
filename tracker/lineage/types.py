"""The matcher's vocabulary: candidates, matches, drops, proposals, overrides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["same", "reworded", "split", "new"]


class LineageError(ValueError):
    """A bad override. str(err) is one line for the user."""


@dataclass(frozen=True)
class Candidate:
    """An earlier recommendation a new one may continue."""

    ref: int  # caller's key (recommendation id; in a dry run any unique int)
    text: str  # the candidate's newest text
    position: int  # 1-based position in its own edition
    report_id: int | None
    action_id: int | None  # the action carrying it, if any
    from_previous: bool  # True: previous edition; False: an older open action (skipped year)


@dataclass(frozen=True)
class Match:
    """What one new recommendation continues."""

    position: int  # 1-based, in the new edition, page order
    candidate: Candidate | None  # None for "new"
    kind: Kind
    score: float | None  # chosen (or, for "new", best) candidate's similarity; None: no candidates


@dataclass(frozen=True)
class Drop:
    """A previous-edition recommendation that no new one continues."""

    candidate: Candidate
    kind: Literal["dropped", "merged"]
    merged_into: int | None  # new-edition position it merged into


@dataclass(frozen=True)
class Proposal:
    matches: list[Match]
    dropped: list[Drop]


@dataclass(frozen=True)
class Override:
    """The coordinator's choice for one new recommendation."""

    position: int
    previous_position: int | None  # None = new
    split: bool = False
    previous_report_id: int | None = None  # pick a skipped-year candidate of an older report
