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
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

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


# --------------------------------------------------------------------------- normalising

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": "",
        "\u200b": "",
        "\ufeff": "",
    }
)
_SPACE = re.compile(r"\s+")
_SPACE_AROUND_DASH = re.compile(r"\s*-\s*")
# Copying a PDF or web page drops ligature letters in several ways ("office" comes back
# as "offce", "ofce" or "oce"; "confirmed" as "confrmed"; "fulfil" as "ful" + "l"...).
# The one form all of them share: every "f" gone, with the "i" or "l" right after it.
_LIGATURE_LETTERS = re.compile(r"f[il]?")


def normalise(text: str) -> str:
    """The form ``same`` compares: whitespace, quotes, dashes and ligature letters made uniform.

    Case, words, numbers and punctuation other than quotes and dashes are kept: two texts
    that differ there are a rewording, however small.
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _SPACE.sub(" ", text).strip()
    text = _SPACE_AROUND_DASH.sub("-", text)
    return _LIGATURE_LETTERS.sub("", text)


# --------------------------------------------------------------------------- similarity

# Words every recommendation uses: acting bodies, modal verbs, the field's generic terms.
# They carry little weight, whatever the corpus says.
_GENERIC = """
a an the and or of to in on for by with at as from into its their it this that these those
be is are was were been being has have had should must shall would could will can may
also all any each other such so not no more most than then there which who whom whose
ensure continue continues continued consider including include includes make take
government authority authorities national nationally ministry minister centre center
commission committee council agency department office programme program
mine mines mined action actions clearance clear cleared demining humanitarian
anti personnel antipersonnel cluster munition munitions remnant remnants explosive ordnance
erw uxo cmr apm ap mine-action country state states party parties convention treaty
article deadline year years end new current existing relevant appropriate effective
cmaa nmaa nma mac cmac nra lmac lao pdr cambodia cambodian tajikistan tajik norland norlandic
afghanistan angola bosnia herzegovina croatia iraq yemen ukraine sri lanka vietnam viet nam
laos lao thailand myanmar colombia zimbabwe mozambique chad sudan somalia lebanon syria
jan january feb february mar march apr april may jun june jul july aug august sep september
oct october nov november dec december
"""


def _fold(text: str) -> str:
    return normalise(text).lower()


_TOKEN = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            stem = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                stem += "y"
            return stem
    return word


@lru_cache(maxsize=1)
def _generic_stems() -> frozenset[str]:
    return frozenset(_stem(_fold(word)) for word in _GENERIC.split())


def _tokens(text: str) -> list[str]:
    """Content stems of a text: folded, ligature-proof, stemmed; numbers and years dropped."""
    return [
        _stem(word) for word in _TOKEN.findall(_fold(text)) if not word.isdigit() and len(word) > 1
    ]


_GENERIC_WEIGHT = 0.15
_FUZZY_TOKEN = (
    88.0  # rapidfuzz ratio above which two stems count as one word ("standard"/"standardise")
)


class _Scorer:
    """Similarity with token weights taken from the texts of both editions (IDF-like)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._docs = max(len(texts), 1)
        self._df: Counter[str] = Counter()
        for text in texts:
            self._df.update(set(_tokens(text)))

    def weight(self, token: str) -> float:
        if token in _generic_stems():
            return _GENERIC_WEIGHT
        df = self._df.get(token, 0)
        # A word in nearly every text of the two editions is an actor or a field term.
        return max(
            _GENERIC_WEIGHT, math.log((self._docs + 1) / (df + 0.5)) / math.log(self._docs + 1)
        )

    def _coverage(self, mine: set[str], theirs: set[str]) -> float:
        total = sum(self.weight(t) for t in mine)
        if total == 0:
            return 0.0
        got = 0.0
        for token in mine:
            if token in theirs:
                got += self.weight(token)
                continue
            if len(token) >= 5:
                best = max(
                    (fuzz.ratio(token, other) for other in theirs if len(other) >= 5), default=0.0
                )
                if best >= _FUZZY_TOKEN:
                    got += self.weight(token) * best / 100
        return got / total

    def score(self, a: str, b: str) -> float:
        ta, tb = set(_tokens(a)), set(_tokens(b))
        if not ta or not tb:
            return 0.0
        ca, cb = self._coverage(ta, tb), self._coverage(tb, ta)
        overlap = 2 * ca * cb / (ca + cb) if ca + cb else 0.0
        contained = max(ca, cb)
        content_a = " ".join(sorted(t for t in ta if t not in _generic_stems()))
        content_b = " ".join(sorted(t for t in tb if t not in _generic_stems()))
        fuzzy = fuzz.token_set_ratio(content_a, content_b) / 100 if content_a and content_b else 0.0
        return max(0.0, min(1.0, 0.55 * overlap + 0.2 * contained + 0.25 * fuzzy))


def similarity(a: str, b: str) -> float:
    """How likely ``b`` asks for what ``a`` asks, in [0, 1]; 1.0 for normalised-equal texts."""
    if normalise(a) == normalise(b):
        return 1.0
    return _Scorer([a, b]).score(a, b)


# --------------------------------------------------------------------------- proposing

_NEW_BELOW = 0.35  # best score under this: a new subject
_SPLIT_FROM = 0.5  # a second new one this close to a claimed earlier one may be a split
_MERGE_FROM = 0.5  # an unclaimed earlier one this close to a matched new one was merged


def _score_matrix(new_texts: Sequence[str], candidates: Sequence[Candidate]) -> list[list[float]]:
    scorer = _Scorer([*new_texts, *(c.text for c in candidates)])
    rows = []
    for text in new_texts:
        row = []
        for cand in candidates:
            if normalise(text) == normalise(cand.text):
                row.append(1.0)
            else:
                row.append(scorer.score(text, cand.text))
        rows.append(row)
    return rows


def _kind(text: str, cand: Candidate) -> Kind:
    return "same" if normalise(text) == normalise(cand.text) else "reworded"


def _assign(scores: list[list[float]]) -> dict[int, int]:
    """One-to-one new -> candidate, strongest pairs first (a reader's "the closest one")."""
    pairs = sorted(
        ((-s, i, j) for i, row in enumerate(scores) for j, s in enumerate(row) if s >= _NEW_BELOW),
    )
    taken_new: dict[int, int] = {}
    taken_cand: set[int] = set()
    for _, i, j in pairs:
        if i in taken_new or j in taken_cand:
            continue
        taken_new[i] = j
        taken_cand.add(j)
    return taken_new


def _build(
    new_texts: Sequence[str],
    candidates: Sequence[Candidate],
    scores: list[list[float]],
    links: dict[int, tuple[int, bool]],
) -> Proposal:
    """Matches and drops from links {new index: (candidate index, is_split)}."""
    matches = []
    for i, text in enumerate(new_texts):
        row = scores[i]
        best = round(max(row), 3) if row else None
        if i in links:
            j, is_split = links[i]
            cand = candidates[j]
            kind: Kind = "split" if is_split else _kind(text, cand)
            matches.append(Match(i + 1, cand, kind, round(row[j], 3)))
        else:
            matches.append(Match(i + 1, None, "new", best))
    claimed = {j for j, _ in links.values()}
    primary = {j: i for i, (j, is_split) in links.items() if not is_split}
    dropped = []
    for j, cand in enumerate(candidates):
        if j in claimed or not cand.from_previous:
            continue
        into = None
        if scores:
            i = max(range(len(new_texts)), key=lambda k: (scores[k][j], -k))
            if scores[i][j] >= _MERGE_FROM and i in links and i in primary.values():
                into = i + 1
        dropped.append(Drop(cand, "merged" if into else "dropped", into))
    return Proposal(matches, dropped)


def propose(new_texts: Sequence[str], candidates: Sequence[Candidate]) -> Proposal:
    """The proposed lineage of a new edition: see the module docstring."""
    scores = _score_matrix(new_texts, candidates)
    assigned = _assign(scores)
    links: dict[int, tuple[int, bool]] = {i: (j, False) for i, j in assigned.items()}
    for i in range(len(new_texts)):
        if i in links or not candidates:
            continue
        j = max(range(len(candidates)), key=lambda k: (scores[i][k], -k))
        if scores[i][j] >= _SPLIT_FROM and j in assigned.values():
            links[i] = (j, True)
    return _build(new_texts, candidates, scores, links)


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
    scores = _score_matrix(new_texts, candidates)
    return _build(new_texts, candidates, scores, links)
