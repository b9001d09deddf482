"""How alike two recommendations are: normalising for `same`, and a weighted similarity.

Word stems are weighted by how rare they are across both editions (IDF-like): the
programme's country, its authority and the field's words are in most texts and weigh
little; a fixed list of modal verbs, actors and field terms weighs little anyway, the
verbs of asking a third. The score combines the weighted overlap both ways with
rapidfuzz's token_set_ratio on the content words. Numbers and years are ignored, lost
ligature letters and near spellings ("extend"/"extension") meet, and an acronym meets
its spelled-out words.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache
from types import ModuleType

from ..typography import QUOTES_AND_DASHES


@cache
def _fuzz() -> ModuleType:
    """rapidfuzz's ``fuzz``, imported at the first comparison: pages and commands that
    never compare texts start without it."""
    from rapidfuzz import fuzz

    return fuzz


# --------------------------------------------------------------------------- normalising

# The importer's look-alikes, and what else editions differ by without rewording: grave
# and acute accents used as apostrophes, guillemets, soft hyphens, zero-width spaces, BOMs.
_QUOTES = str.maketrans(
    {
        **QUOTES_AND_DASHES,
        "`": "'",
        "\u00b4": "'",
        "\u00ab": '"',
        "\u00bb": '"',
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
    ratio = _fuzz().ratio(a, b)
    return ratio / 100 if ratio >= _FUZZY_TOKEN else 0.0


_GENERIC_WEIGHT = 0.1
_ASKING_SHARE = 0.35
_MIN_WEIGHT = 0.15
_FUZZY_TOKEN = 86.0


class Scorer:
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
            _fuzz().token_set_ratio(content_a, content_b) / 100 if content_a and content_b else 0.0
        )
        return max(0.0, min(1.0, 0.55 * overlap + 0.2 * max(ca, cb) + 0.25 * spelled))


def similarity(a: str, b: str) -> float:
    """How likely ``b`` asks for what ``a`` asks, in [0, 1]; 1.0 for normalised-equal texts."""
    if normalise(a) == normalise(b):
        return 1.0
    return Scorer([a, b]).score(a, b)
