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

# Words every recommendation uses: modal verbs, acting bodies, the field's generic terms.
# They carry little weight whatever the two editions say. Country and authority names are
# left to the edition weights below: the programme's own country is in most texts and
# weighs little there, while a neighbour ("the border with Thailand") is a subject.
_GENERIC = """
a an the and or of to in on for by with at as from into its their it this that these those
be is are was were been being has have had should must shall would could will can may
also all any each other such so not no more most than then there which who whom whose
ensure continue make take including include
government authority authorities national nationally ministry centre center
commission committee agency department office programme program
mine mines mined action actions clearance clear cleared demining humanitarian
anti personnel antipersonnel cluster munition munitions remnant remnants explosive ordnance
erw uxo cmr apm mine-action country state party parties convention treaty
article deadline year years end new current existing relevant appropriate effective
jan january feb february mar march apr april may jun june jul july aug august sep september
oct october nov november dec december
"""
# The verbs of asking: what is asked for is in the nouns, not in "complete" or "improve".
_ASKING = """
complete develop publish improve increase adopt update strengthen establish implement set
review seek finalise finalize expand provide conduct carry introduce apply prioritise
prioritize accelerate speed undertake produce enhance address maintain support use based
through remain remaining own ensure continue further greater better need needs
"""

_WORD = re.compile(r"[A-Za-z0-9]+")
_ACRONYM = re.compile(r"^[A-Z]{2,6}s?$")
_SUFFIXES = (
    "isation",
    "ization",
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ied",
    "ed",
    "es",
    "s",
)


def _stem(word: str) -> str:
    """A crude English stem: enough to make "standards", "standard" and "standardised" meet."""
    for suffix in _SUFFIXES:
        if suffix == "s" and word[-2:-1] in ("s", "u", "i"):
            continue  # "focus", "hazardous", "analysis", "progress"
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            stem = word[: -len(suffix)]
            return stem + "y" if suffix in ("ies", "ied") else stem
    return word


def _raw_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return [w for w in _WORD.findall(folded) if len(w) > 1 and not w.isdigit()]


def _acronym(word: str) -> str | None:
    """ "CHAs" -> "cha", "QA" -> "qa"; None for a word that is not an acronym."""
    if not _ACRONYM.match(word):
        return None
    return (word[:-1] if word.endswith("s") else word).lower()


@lru_cache(maxsize=1)
def _generic() -> frozenset[str]:
    return frozenset(_stem(word) for word in _GENERIC.split())


@lru_cache(maxsize=1)
def _asking() -> frozenset[str]:
    return frozenset(_stem(word) for word in _ASKING.split())


@lru_cache(maxsize=65536)
def _token_likeness(a: str, b: str) -> float:
    """How far two stems are one word: 1 equal (lost ligatures aside), less for near spellings."""
    if a == b or _LIGATURE_LETTERS.sub("", a) == _LIGATURE_LETTERS.sub("", b):
        return 1.0
    shorter = min(len(a), len(b))
    if shorter < 5:
        return 0.0
    common = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), shorter)
    if common >= 5 and common >= 0.75 * shorter:
        return 0.9  # "extend" / "extension", "prioritise" / "priority"
    ratio = fuzz.ratio(a, b)
    return ratio / 100 if ratio >= _FUZZY_TOKEN else 0.0


_GENERIC_WEIGHT = 0.1
_ASKING_SHARE = 0.35
_MIN_WEIGHT = 0.15
_FUZZY_TOKEN = 86.0


class _Scorer:
    """Similarity with word weights taken from the texts of both editions (IDF-like).

    A word in most texts of the two editions is an actor or a field term ("survey",
    "NMAA", "Cambodia") and says little about which ask continues which; a word in two
    texts only ("border", "dogs", "gender") says a lot. An acronym and its spelled-out
    words count as one another ("CHAs", "confirmed hazardous areas") when one of the
    texts uses the acronym.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        raw = [_raw_words(text) for text in texts]
        acronyms = {a for words in raw for w in words if (a := _acronym(w))}
        # acronyms that some text of the two editions also spells out
        self._expansions: set[str] = set()
        for words in raw:
            lower = [w.lower() for w in words]
            for size in range(2, 7):
                for start in range(len(lower) - size + 1):
                    run = lower[start : start + size]
                    initials = "".join(w[0] for w in run)
                    spelled = not any(_acronym(w) for w in words[start : start + size])
                    if initials in acronyms and spelled:
                        self._expansions.add(initials)
        self._tokens = {text: self._tokenise(words) for text, words in zip(texts, raw, strict=True)}
        self._docs = max(len(texts), 2)
        self._df: Counter[str] = Counter()
        for tokens in self._tokens.values():
            self._df.update(tokens)
        self._weights: dict[str, float] = {}

    def _tokenise(self, words: list[str]) -> frozenset[str]:
        """Stems of the words; an acronym's spelled-out words count once, as the acronym."""
        lower = [w.lower() for w in words]
        tokens = set()
        skip = 0
        for k, word in enumerate(words):
            if skip:
                skip -= 1
                continue
            acronym = _acronym(word)
            if acronym and acronym in self._expansions:
                tokens.add(acronym)
                continue
            for initials in sorted(self._expansions, key=len, reverse=True):
                run = lower[k : k + len(initials)]
                if len(run) == len(initials) and "".join(w[0] for w in run) == initials:
                    tokens.add(initials)
                    skip = len(initials) - 1
                    break
            else:
                tokens.add(_stem(lower[k]))
        return frozenset(tokens)

    def tokens(self, text: str) -> frozenset[str]:
        if text not in self._tokens:
            self._tokens[text] = self._tokenise(_raw_words(text))
        return self._tokens[text]

    def weight(self, token: str) -> float:
        if token not in self._weights:
            if token in _generic():
                value = _GENERIC_WEIGHT
            elif self._docs <= 2:
                # Two texts alone (similarity()) say nothing about rarity: every word counts.
                value = _ASKING_SHARE if token in _asking() else 1.0
            else:
                df = self._df.get(token, 0)
                idf = math.log((self._docs + 1) / (df + 0.5)) / math.log(self._docs + 1)
                value = min(1.0, max(_MIN_WEIGHT, idf))
                if token in _asking():
                    value *= _ASKING_SHARE
            self._weights[token] = value
        return self._weights[token]

    def coverage(self, mine: frozenset[str], theirs: frozenset[str]) -> float:
        """Share of ``mine``'s weight that ``theirs`` says too."""
        total = sum(self.weight(t) for t in mine)
        if not total:
            return 0.0
        got = 0.0
        for token in mine:
            if token in theirs:
                got += self.weight(token)
            else:
                got += self.weight(token) * max(
                    (_token_likeness(token, other) for other in theirs), default=0.0
                )
        return got / total

    def score(self, a: str, b: str) -> float:
        ta, tb = self.tokens(a), self.tokens(b)
        if not ta or not tb:
            return 0.0
        ca, cb = self.coverage(ta, tb), self.coverage(tb, ta)
        overlap = 2 * ca * cb / (ca + cb) if ca + cb else 0.0
        generic = _generic()
        content_a = " ".join(sorted(t for t in ta if t not in generic))
        content_b = " ".join(sorted(t for t in tb if t not in generic))
        spelled = (
            fuzz.token_set_ratio(content_a, content_b) / 100 if content_a and content_b else 0.0
        )
        return max(0.0, min(1.0, 0.55 * overlap + 0.2 * max(ca, cb) + 0.25 * spelled))


def similarity(a: str, b: str) -> float:
    """How likely ``b`` asks for what ``a`` asks, in [0, 1]; 1.0 for normalised-equal texts."""
    if normalise(a) == normalise(b):
        return 1.0
    return _Scorer([a, b]).score(a, b)


# --------------------------------------------------------------------------- proposing

_ACCEPT = 0.40  # a pair this close continues, if nothing closer claims either side
_MUTUAL = 0.30  # ... or this close, when each is the other's clear favourite
_MARGIN = 0.10  # "clear favourite": this far ahead of the runner-up, both ways
_PART = 0.30  # a split part scores at least this against the earlier one it splits
_MERGED = _ACCEPT  # a merged-away ask is as close to its new home as a continuation
_GAIN = 0.10  # ... and each adds this share of its partner's weight the other one lacks


class _Board:
    """The scores of one new edition against its candidates, and the decisions on them."""

    def __init__(self, new_texts: Sequence[str], candidates: Sequence[Candidate]) -> None:
        self.new_texts = list(new_texts)
        self.candidates = list(candidates)
        self.scorer = _Scorer([*self.new_texts, *(c.text for c in self.candidates)])
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
    """The proposed lineage of a new edition: see the module docstring."""
    board = _Board(new_texts, candidates)
    assigned = board.assign()
    links = {i: (j, False) for i, j in assigned.items()}
    links.update({i: (j, True) for i, j in board.splits(assigned).items()})
    return board.proposal(_first_part_leads(links, board.equal))


def _first_part_leads(
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
    return _Board(new_texts, candidates).proposal(links)
