"""Which recommendation of a new edition continues which earlier one (pure: no database, no Flask).

Contract, for the storage side (services/lineage*.py) and the import preview:

- ``propose(new_texts, candidates)`` takes the new edition's recommendations in page
  order and the candidates (the previous edition's recommendations, ``from_previous=True``,
  and the open actions whose newest text is older, ``from_previous=False``: a
  recommendation that skipped a year). It returns a ``Proposal``: one ``Match`` per new
  recommendation, in page order, and one ``Drop`` per previous-edition candidate that no
  match continues. Skipped-year candidates that stay unmatched are not dropped (they were
  not in the previous edition); they simply stay where they are.
- ``Match.kind``: ``same`` only when ``normalise`` makes both texts equal (never a fuzzy
  call); ``reworded`` for a continued ask in other words; ``split`` for the second (third,
  ...) of several new recommendations continuing one earlier one (the first is ``same``
  or ``reworded``); ``new`` when the best score is weak (``candidate`` is then None).
  ``score`` is the similarity of the chosen candidate (of the best one for ``new``), in
  [0, 1] with 3 decimals; None when there were no candidates at all.
- ``Drop.kind``: ``merged`` when the earlier ask went into a new recommendation that
  continues another earlier one (``merged_into`` is that new position); else ``dropped``.
- ``apply_overrides(proposal, new_texts, candidates, overrides)`` is the coordinator's (or
  ``--lineage FILE``'s) word: each ``Override`` pins one new position to an earlier
  position (or None = new; ``split=True`` to make it a split). The rest stays as proposed,
  except that a proposal that would now continue an earlier recommendation an override
  claimed becomes ``new``. An ``Override.previous_position`` names a position in the
  previous edition, or, with ``previous_report_id``, in an older report (a skipped year).
  It raises ``LineageError`` (one line for the user) for a position that does not exist on
  either side, a position overridden twice, or two new recommendations continuing one
  earlier one unless the later-claiming one says ``split=True``.
- Everything is deterministic: the same inputs give the same proposal.
- ``Candidate.ref`` is the caller's key and is handed back untouched.

Modules: ``types`` (the dataclasses above), ``scoring`` (``normalise``, ``similarity``
and the edition-weighted scorer), ``board`` (``propose``: assignment, splits, merges);
this one applies overrides. Callers import from ``tracker.lineage`` only.

How it matches (tuned on the made-up pairs in tests/lineage_pairs/, see the corpus test):
each pair of texts gets a score from word stems weighted by how rare they are across both
editions (IDF-like: the programme's country, its authority and the field's words are in
most texts and weigh little; a fixed list of modal verbs, actors and field terms weighs
little anyway, the verbs of asking a third), combined with rapidfuzz's token_set_ratio
on the content words. Numbers and years are ignored, lost ligature letters and near
spellings ("extend"/"extension") meet, and an acronym meets its spelled-out words.
Exact repeats are linked first, then the strongest pairs, one to one, down to a floor
(lower for two texts that are each other's clear favourite). A leftover new
recommendation whose best earlier one is already claimed is a split when it covers a
part of that one the first continuation leaves out; a leftover earlier one is merged
when it is as close to a matched new one as a continuation would be and adds to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .board import Board, propose
from .scoring import normalise, similarity
from .types import Candidate, Drop, Kind, LineageError, Match, Override, Proposal

__all__ = [
    "Candidate",
    "Drop",
    "Kind",
    "LineageError",
    "Match",
    "Override",
    "Proposal",
    "apply_overrides",
    "normalise",
    "propose",
    "similarity",
]


# --------------------------------------------------------------------------- overrides


def _find_candidate(candidates: Sequence[Candidate], override: Override) -> int:
    for j, cand in enumerate(candidates):
        if cand.position != override.previous_position:
            continue
        if override.previous_report_id is None and cand.from_previous:
            return j
        if (
            override.previous_report_id is not None
            and cand.report_id == override.previous_report_id
        ):
            return j
    where = (
        f"report {override.previous_report_id}"
        if override.previous_report_id is not None
        else "the previous edition"
    )
    raise LineageError(
        f"recommendation {override.position}: {where} has no recommendation "
        f"{override.previous_position}"
    )


def apply_overrides(
    proposal: Proposal,
    new_texts: Sequence[str],
    candidates: Sequence[Candidate],
    overrides: Sequence[Override],
) -> Proposal:
    """The proposal with the coordinator's choices applied: see the module docstring."""
    count = len(new_texts)
    pinned: dict[int, tuple[int, bool] | None] = {}
    for override in overrides:
        if not 1 <= override.position <= count:
            raise LineageError(
                f"there is no recommendation {override.position}: the new edition has {count}"
            )
        i = override.position - 1
        if i in pinned:
            raise LineageError(f"recommendation {override.position} is overridden twice")
        if override.previous_position is None:
            pinned[i] = None
        else:
            pinned[i] = (_find_candidate(candidates, override), override.split)
    links: dict[int, tuple[int, bool]] = {}
    for i, match in enumerate(proposal.matches[:count]):
        choice = pinned.get(i)
        if choice is not None:
            links[i] = choice
        elif i not in pinned and match.candidate in candidates:
            links[i] = (candidates.index(match.candidate), match.kind == "split")
    # One earlier recommendation, one continuation; further ones must be splits.
    by_candidate: dict[int, list[int]] = {}
    for i in sorted(links):
        by_candidate.setdefault(links[i][0], []).append(i)
    for j, claimants in by_candidate.items():
        pinned_plain = [i for i in claimants if i in pinned and not links[i][1]]
        if len(pinned_plain) > 1:
            cand = candidates[j]
            raise LineageError(
                f"recommendations {pinned_plain[0] + 1} and {pinned_plain[1] + 1} both continue "
                f"earlier recommendation {cand.position}: mark the second as a split"
            )
        if pinned_plain:
            primary = pinned_plain[0]
        else:
            plain = [i for i in claimants if not links[i][1]]
            primary = plain[0] if plain else claimants[0]
        for i in claimants:
            if i == primary:
                links[i] = (j, False)
            elif i not in pinned and not links[i][1]:
                del links[i]  # an override took its earlier recommendation: new now
            else:
                links[i] = (j, True)
    return Board(new_texts, candidates).proposal(links)
