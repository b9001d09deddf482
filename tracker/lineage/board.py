"""The proposal: one-to-one assignment, splits and merges over a board of scores."""

from __future__ import annotations

from collections.abc import Sequence

from .scoring import Scorer, normalise
from .types import Candidate, Drop, Kind, Match, Proposal

# --------------------------------------------------------------------------- proposing

_ACCEPT = 0.40  # a pair this close continues, if nothing closer claims either side
_MUTUAL = 0.30  # ... or this close, when each is the other's clear favourite
_MARGIN = 0.10  # "clear favourite": this far ahead of the runner-up, both ways
_PART = 0.30  # a split part scores at least this against the earlier one it splits
_MERGED = _ACCEPT  # a merged-away ask is as close to its new home as a continuation
_GAIN = 0.10  # ... and each adds this share of its partner's weight the other one lacks


class Board:
    """The scores of one new edition against its candidates, and the decisions on them."""

    def __init__(self, new_texts: Sequence[str], candidates: Sequence[Candidate]) -> None:
        self.new_texts = list(new_texts)
        self.candidates = list(candidates)
        self.scorer = Scorer([*self.new_texts, *(c.text for c in self.candidates)])
        self.equal = [
            [normalise(text) == normalise(c.text) for c in self.candidates] for text in new_texts
        ]
        self.scores = [
            [
                1.0 if self.equal[i][j] else self.scorer.score(text, c.text)
                for j, c in enumerate(self.candidates)
            ]
            for i, text in enumerate(self.new_texts)
        ]

    def _runner_up(self, values: list[float], best: int) -> float:
        return max((v for k, v in enumerate(values) if k != best), default=0.0)

    def _clear_favourites(self, i: int, j: int) -> bool:
        row = self.scores[i]
        column = [r[j] for r in self.scores]
        s = row[j]
        return (
            s == max(row)
            and s == max(column)
            and s - self._runner_up(row, j) >= _MARGIN
            and s - self._runner_up(column, i) >= _MARGIN
        )

    def assign(self) -> dict[int, int]:
        """One-to-one new -> candidate: exact repeats first, then the strongest pairs."""
        pairs = sorted(
            (-(2.0 if self.equal[i][j] else s), i, j)
            for i, row in enumerate(self.scores)
            for j, s in enumerate(row)
            if s >= _ACCEPT or (s >= _MUTUAL and self._clear_favourites(i, j))
        )
        assigned: dict[int, int] = {}
        taken: set[int] = set()
        for _, i, j in pairs:
            if i not in assigned and j not in taken:
                assigned[i] = j
                taken.add(j)
        return assigned

    def _adds(self, whole: frozenset[str], part: frozenset[str], other: frozenset[str]) -> float:
        """How much of ``whole`` ``part`` covers that ``other`` does not already cover."""
        scorer = self.scorer
        return scorer.coverage(whole, part | other) - scorer.coverage(whole, other)

    def splits(self, assigned: dict[int, int]) -> dict[int, int]:
        """Unassigned new ones that take over another part of an already claimed earlier one."""
        claimed_by = {j: i for i, j in assigned.items()}
        found: dict[int, int] = {}
        for i, row in enumerate(self.scores):
            if i in assigned or not row:
                continue
            j = max(range(len(row)), key=lambda k: (row[k], -k))
            if j not in claimed_by or row[j] < _PART:
                continue
            whole = self.scorer.tokens(self.candidates[j].text)
            part = self.scorer.tokens(self.new_texts[i])
            other = self.scorer.tokens(self.new_texts[claimed_by[j]])
            if self._adds(whole, part, other) >= _GAIN:
                found[i] = j
        return found

    def merged_into(self, links: dict[int, tuple[int, bool]], j: int) -> int | None:
        """The new index an unclaimed earlier one went into, if it went into one."""
        if not self.new_texts:
            return None
        column = [row[j] for row in self.scores]
        i = max(range(len(column)), key=lambda k: (column[k], -k))
        if column[i] < _MERGED or i not in links or links[i][1]:
            return None
        whole = self.scorer.tokens(self.new_texts[i])
        part = self.scorer.tokens(self.candidates[j].text)
        other = self.scorer.tokens(self.candidates[links[i][0]].text)
        return i if self._adds(whole, part, other) >= _GAIN else None

    def proposal(self, links: dict[int, tuple[int, bool]]) -> Proposal:
        """Matches and drops from links {new index: (candidate index, is_split)}."""
        matches = []
        for i, row in enumerate(self.scores):
            if i in links:
                j, is_split = links[i]
                kind: Kind = "split" if is_split else "same" if self.equal[i][j] else "reworded"
                matches.append(Match(i + 1, self.candidates[j], kind, round(row[j], 3)))
            else:
                matches.append(Match(i + 1, None, "new", round(max(row), 3) if row else None))
        claimed = {j for j, _ in links.values()}
        dropped = []
        for j, cand in enumerate(self.candidates):
            if j in claimed or not cand.from_previous:
                continue
            into = self.merged_into(links, j)
            if into is None:
                dropped.append(Drop(cand, "dropped", None))
            else:
                dropped.append(Drop(cand, "merged", into + 1))
        return Proposal(matches, dropped)


def propose(new_texts: Sequence[str], candidates: Sequence[Candidate]) -> Proposal:
    """The proposed lineage of a new edition: see the tracker.lineage docstring."""
    board = Board(new_texts, candidates)
    assigned = board.assign()
    links = {i: (j, False) for i, j in assigned.items()}
    links.update({i: (j, True) for i, j in board.splits(assigned).items()})
    return board.proposal(first_part_leads(links, board.equal))


def first_part_leads(
    links: dict[int, tuple[int, bool]], equal: list[list[bool]]
) -> dict[int, tuple[int, bool]]:
    """Of several new ones continuing one earlier one, the repeat, else the first, continues it.

    The others are its splits: "split" is the second of two later recommendations.
    """
    parts: dict[int, list[int]] = {}
    for i in sorted(links):
        parts.setdefault(links[i][0], []).append(i)
    result = dict(links)
    for j, claimants in parts.items():
        if len(claimants) < 2:
            continue
        lead = next((i for i in claimants if equal[i][j]), claimants[0])
        for i in claimants:
            result[i] = (j, i != lead)
    return result
