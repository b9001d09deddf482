"""Text of a Mine Action Review country profile -> a parsed profile.

Pure: no database, no Flask. Staff paste whatever edition of a country page they
have, so the parser reads every layout described in the shared profile-formats
note (A: 2019-2023 blocks and table, B: pipe table, C: 2016-2018 indicators,
D: 2024-2025 without a table, E: a sentence as first line) and the copy noise
real pages carry. It never invents a value: what the page does not say stays
``None``, and every doubt becomes a warning rather than a silent fix.

Text handling choices:

- Matching (headings, treaty, download lines) is done on a folded copy of each
  line: typographic quotes and dashes made ASCII, whitespace collapsed, case
  folded.
- Recommendation and key-development text is kept as printed (typographic
  quotes survive) except that whitespace is collapsed, a short list of words
  broken by lost ligatures ("offce") is repaired, and footnote numbers glued
  after sentence-final punctuation ("in 2022.12 The") are dropped.
- Criterion names are labels compared across editions: besides the repairs
  above, their quotes and dashes are made ASCII.
- The checksum is taken over the text after removing the BOM, turning CRLF/CR
  into LF, NBSP into a space, and trailing whitespace and blank edges away, so
  the same page saved twice in different ways is recognised as a duplicate.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "Criterion",
    "ParsedProfile",
    "ProfileError",
    "compute_score",
    "parse_profile",
    "rating_band",
]

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


# --------------------------------------------------------------------------- scores

_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("8.0"), "Very Good"),
    (Decimal("7.0"), "Good"),
    (Decimal("5.0"), "Average"),
    (Decimal("4.0"), "Poor"),
)
_BANDS_BY_NAME = {band for _, band in _BANDS} | {"Very Poor"}
_ONE_DECIMAL = Decimal("0.1")


def _round1(value: Decimal) -> float:
    """Round half-up to one decimal, as the publisher does (round() would go half-even)."""
    return float(value.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP))


def rating_band(score: float | None) -> str | None:
    """Publisher's band for a score, so a missing rating word can still be shown."""
    if score is None or score != score:  # None or NaN
        return None
    value = Decimal(str(score))
    for floor, band in _BANDS:
        if value >= floor:
            return band
    return "Very Poor"


def compute_score(criteria: Iterable[Criterion]) -> tuple[float | None, str | None]:
    """Overall score from the criteria, to check the stated one; (None, why) when it can't be."""
    rows = list(criteria)
    if not rows:
        return None, None
    weights = [c.weight for c in rows]
    scores = [Decimal(str(c.score)) for c in rows]
    if all(w is None for w in weights):
        return _round1(sum(scores, Decimal(0)) / len(scores)), None
    if any(w is None for w in weights):
        return None, ("some criteria have a weight and some do not; overall score not computed")
    total = sum(w for w in weights if w is not None)
    if total != 100:
        return None, (
            f"criteria weights add up to {total}%, not 100% (table cut off?); "
            "overall score not computed"
        )
    weighted = sum(
        (Decimal(w) * s for w, s in zip(weights, scores, strict=True) if w is not None),
        Decimal(0),
    )
    return _round1(weighted / 100), None


# --------------------------------------------------------------------------- text folding

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
)
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b]+")
_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u200b": ""})


def _collapse(text: str) -> str:
    """One space between words: copied pages are full of doubled and odd spaces."""
    return _SPACES.sub(" ", text).strip()


def _fold(text: str) -> str:
    """Matching key: ASCII quotes/dashes, collapsed spaces, case folded."""
    return _collapse(text.translate(_QUOTES)).casefold()


_MARKS = "\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2219\uf0b7*\\-\u2013\u2014"
_BULLET = re.compile(rf"^\s*(?:[{_MARKS}]|\(?\d{{1,2}}[.)])(?=\s|$)\s*")
_LONE_MARKER = re.compile(rf"^\s*[{_MARKS}]\s*$")


def _strip_bullet(line: str) -> str:
    """Line without its bullet or list number."""
    return _BULLET.sub("", line, count=1)


def _key(line: str) -> str:
    """Folded line with bullet and table pipes removed, for heading tests."""
    if "|" in line:
        line = " ".join(cell for cell in line.split("|") if cell.strip())
    return _fold(_strip_bullet(line))


# Words that lose their ligature when copied from the PDF-made web pages.
_LIGATURE_REPAIRS = {
    "offce": "office",
    "offces": "offices",
    "offcer": "officer",
    "offcers": "officers",
    "offcial": "official",
    "offcials": "officials",
    "offcially": "officially",
    "effcient": "efficient",
    "effciently": "efficiently",
    "effciency": "efficiency",
    "ineffcient": "inefficient",
    "suffcient": "sufficient",
    "insuffcient": "insufficient",
    "diffcult": "difficult",
    "diffculties": "difficulties",
    "fnancial": "financial",
    "fnance": "finance",
    "fnancing": "financing",
    "fnal": "final",
    "fnalise": "finalise",
    "fnalised": "finalised",
    "fnalize": "finalize",
    "frst": "first",
    "feld": "field",
    "felds": "fields",
    "fve": "five",
    "identifed": "identified",
    "defned": "defined",
    "signifcant": "significant",
    "signifcantly": "significantly",
    "specifc": "specific",
    "specifcally": "specifically",
    "certifed": "certified",
    "certifcation": "certification",
    "confrm": "confirm",
    "confrmed": "confirmed",
    "clarifcation": "clarification",
    "benefciaries": "beneficiaries",
    "effcacy": "efficacy",
    "traffc": "traffic",
    "infow": "inflow",
    "confict": "conflict",
    "conficts": "conflicts",
    "infuence": "influence",
    "refect": "reflect",
    "refects": "reflects",
    "fow": "flow",
}
_WORD = re.compile(r"[A-Za-z]+")

# A footnote number glued after sentence-final punctuation: "mines.12 The", "in 2022.12".
# Only when the next thing is a capital, an opening quote or the end, so "$18.6 million"
# and "2.5 km2" are left alone.
_FOOTNOTE = re.compile(
    r"(?:(?<=[A-Za-z)\]%\"'\u2019\u201d])|(?<=\b\d{4}))"
    r"([.;:!?])\d{1,3}"
    r"(?=\s+[A-Z\"'\u201c\u2018(]|\s*$)"
)


def _repair_word(match: re.Match[str]) -> str:
    """Repair one ligature-broken word, keeping its capital."""
    word = match.group(0)
    fixed = _LIGATURE_REPAIRS.get(word.lower())
    if fixed is None:
        return word
    return fixed.capitalize() if word[0].isupper() else fixed


def _clean_prose(text: str) -> str:
    """Printed text with collapsed spaces, repaired ligatures and glued footnotes dropped."""
    text = _collapse(text.translate(_LIGATURES))
    text = _WORD.sub(_repair_word, text)
    return _FOOTNOTE.sub(r"\1", text)


# --------------------------------------------------------------------------- input

_HTML_TAG = re.compile(r"<[!/]?[A-Za-z][^<>]{0,500}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _decode(data: str | bytes) -> str:
    """Text from str or bytes, refusing what is clearly not text."""
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
        if b"\x00" in raw:
            raise ProfileError("binary file, not a text profile")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise ProfileError("binary file, not a text profile") from None
    else:
        text = data
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ProfileError("binary file, not a text profile")
    controls = len(_CONTROL.findall(text))
    if controls and controls * 100 > len(text):
        raise ProfileError("binary file, not a text profile")
    return text


def _normalise(text: str) -> list[str]:
    """Lines without BOM, CR, NBSP or trailing spaces; the basis of the checksum."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ODD_SPACES)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


_BARE_NUMBER = re.compile(r"\s*\d{1,2}(?:[.,]\d+)?\s*")
_HEADER_HALVES = {"performance criterion", "performance indicator"}


def _join_table_cells(lines: list[str]) -> list[str]:
    """Rejoin a score table copied one cell per line ("Gender (10% ...)" then "8").

    Browsers often put each table cell on its own line when a page is copied; inside
    the table, a label followed by a line holding only a number is one row.
    """
    joined: list[str] = []
    in_table = False
    index = 0
    while index < len(lines):
        line = lines[index]
        key = _key(line) if line.strip() else ""
        following = index + 1
        while following < len(lines) and not lines[following].strip():
            following += 1
        next_line = lines[following] if following < len(lines) else ""
        if key in _HEADER_HALVES and _key(next_line) == "score":
            joined.append(f"{line.strip()} Score")
            in_table = True
            index = following + 1
            continue
        if key in _TABLE_HEADERS:
            in_table = True
        elif key and (in_table or "% of overall score" in key or key == "performance score"):
            if (
                _BARE_NUMBER.fullmatch(next_line)
                and not _BARE_NUMBER.fullmatch(line)
                and "|" not in line
            ):
                joined.append(f"{line.rstrip()} {next_line.strip()}")
                if key == "performance score":
                    in_table = False
                index = following + 1
                continue
            if key.startswith("performance score"):
                in_table = False
        joined.append(line)
        index += 1
    return joined


def _looks_like_html(text: str) -> bool:
    """An HTML document (a saved web page of any site) rather than its text."""
    head = text.lstrip()[:200].casefold()
    if head.startswith(("<!doctype", "<html", "<?xml")):
        return True
    tags = _HTML_TAG.findall(text)
    if len(tags) < 3:
        return False
    tagged = sum(len(t) for t in tags)
    visible = len(re.sub(r"\s", "", text))
    return tagged * 2 > visible or bool(re.search(r"<(?:body|head)\b", text, re.IGNORECASE))


# --------------------------------------------------------------------------- structure

_TAB_BAR = {"cluster munition remnants", "anti-personnel mines"}
_DEADLINE = re.compile(r"^article ([45]) deadline\s*:?\s*(.*)$")
_RECS = re.compile(r"^recommendations? for action:?$")
_TABLE_HEADERS = {"performance criterion score", "performance indicator score"}
_PROSE_HEADINGS = {"key developments", "performance commentary"}
_KNOWN_HEADINGS = (
    _TAB_BAR
    | _TABLE_HEADERS
    | _PROSE_HEADINGS
    | {"performance", "five-year overview", "performance score"}
)
_STATED = re.compile(r"^(?:overall )?performance score\s*:?\s*(\d{1,2}(?:[.,]\d+)?)?$")
_DOWNLOAD = re.compile(
    r"^download the (?:full )?\"?(?P<ed>.*?)\"? report(?: for (?P<country>.+?))?\.?$",
    re.IGNORECASE,
)
_CLICK = re.compile(
    r"^click here to download (?:the )?(?:full )?\"?(?P<ed>.*?)\"? report"
    r"(?: for (?P<country>.+?))?\.?$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_WEIGHT = re.compile(
    r"^(?P<name>.*?)\s*\(\s*(?P<w>\d{1,3})\s*%\s*of\s+(?:the\s+)?overall\s+score\s*\)$",
    re.IGNORECASE,
)
_ROW = re.compile(r"^(?P<name>.*?\S)\s+(?P<score>\d{1,2}(?:[.,]\d+)?)$")
_SEPARATOR = re.compile(r"^[\s|:\-]+$")
_TERMINAL = re.compile(r"[.!?)\]\"'\u2019\u201d]$")
_VERBS = re.compile(
    r"\s+(?:is|are|was|were|has|have|had|remains|remained|continues|continued|reported|"
    r"reports|made|makes|did|does|will|would|should|could|may|must|cleared|released|"
    r"declared|faces|faced|still|also|became|becomes|completed|says|said|submitted)\b"
)
_VERB_WORDS = {
    "is", "are", "was", "were", "has", "have", "had", "remains", "remained", "continues",
    "continued", "reported", "will", "should", "did", "does",
}  # fmt: skip
_SHOULD = re.compile(r"^(?P<subject>[A-Z][\w'\u2019\- ]{1,60}?) should\b")
_NOT_COUNTRY = {
    "the", "it", "this", "all", "donors", "operators", "they", "states", "authorities",
}  # fmt: skip


def _is_heading_like(line: str) -> bool:
    """A short Title Case line without final punctuation: an unknown section heading."""
    text = _collapse(_strip_bullet(line).translate(_QUOTES))
    if not text or len(text) > 60 or re.search(r"[.,;:!?]$", text):
        return False
    words = text.split()
    if len(words) > 6 or not words[0][:1].isupper():
        return False
    long_words = [w for w in words if len(w) > 3 and w[:1].isalpha()]
    return all(w[:1].isupper() for w in long_words)


def _is_structural(key: str) -> bool:
    """A heading, block label or download line that the layouts share (key from _key)."""
    return (
        key in _KNOWN_HEADINGS
        or bool(_RECS.match(key))
        or bool(_DEADLINE.match(key))
        or bool(_STATED.match(key))
        or key.startswith(("download the ", "click here"))
    )


def _is_section_end(line: str) -> bool:
    """Where a prose or recommendations section stops: a known or unknown heading."""
    return _is_structural(_key(line)) or _is_heading_like(line)


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_DAY_FIRST = re.compile(rf"\b(?P<day>\d{{1,2}}){_ORDINAL}\s+{_MONTH},?\s+(?P<year>\d{{4}})\b")
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}}){_ORDINAL},?\s+(?P<year>\d{{4}})\b")
_NOT_APPLICABLE = {"not applicable", "n/a", "na", "none", "-"}


def _parse_date(text: str) -> datetime.date | None:
    """A printed date such as "31 December 2025" or "December 31, 2025"; None if not one."""
    folded = _fold(text)
    for pattern in (_DAY_FIRST, _MONTH_FIRST):
        for match in pattern.finditer(folded):
            month = _MONTHS.get(match["month"])
            if month is None:
                continue
            try:
                return datetime.date(int(match["year"]), month, int(match["day"]))
            except ValueError:
                return None
    return None


_RATINGS = {
    "very good": "Very Good",
    "good": "Good",
    "average": "Average",
    "poor": "Poor",
    "very poor": "Very Poor",
    "not applicable": "Not Applicable",
}


class _Parser:
    """One parse: holds the lines and collects warnings as the sections are read."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.keys = [_key(line) for line in lines]
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        """Record a doubt once, in the order found."""
        if message not in self.warnings:
            self.warnings.append(message)

    def next_nonblank(self, start: int) -> int | None:
        """Index of the first non-empty line at or after start."""
        for index in range(start, len(self.lines)):
            if self.lines[index].strip():
                return index
        return None

    # ---- blocks

    def deadline(self) -> tuple[str | None, datetime.date | None]:
        """Article number and date from the "Article N deadline" block."""
        for index, key in enumerate(self.keys):
            match = _DEADLINE.match(key)
            if not match:
                continue
            article, value = match.group(1), match.group(2).strip()
            if not value:
                following = self.next_nonblank(index + 1)
                if following is not None and not _is_structural(self.keys[following]):
                    value = _collapse(_strip_bullet(self.lines[following]))
            if not value:
                self.warn(f"the 'Article {article} deadline' block has no date")
                return article, None
            date = _parse_date(value)
            if date is None and _fold(value) not in _NOT_APPLICABLE:
                self.warn(f"deadline {value!r} is not a date; left empty")
            return article, date
        return None, None

    def rating(self) -> str | None:
        """The word printed under the "Performance" block, if any."""
        for index, key in enumerate(self.keys):
            if key != "performance":
                continue
            following = self.next_nonblank(index + 1)
            if following is None:
                return None
            line = self.lines[following]
            if _is_structural(self.keys[following]) or _parse_row(line) is not None:
                return None
            word = _collapse(_strip_bullet(line))
            canonical = _RATINGS.get(_fold(word))
            if canonical:
                return canonical
            if len(word.split()) <= 3 and not re.search(r"\d", word):
                self.warn(f"unrecognised rating {word!r}")
                return word
            return None
        return None

    def criteria(self) -> tuple[tuple[Criterion, ...], float | None]:
        """Rows of the performance table and the stated "Performance score"."""
        start = None
        for index, key in enumerate(self.keys):
            if key in _TABLE_HEADERS:
                start = index + 1
                break
        if start is None:
            for index, line in enumerate(self.lines):
                row = _parse_row(line)
                if row is not None and row.weight is not None:
                    start = index
                    break
        stated = self._stated_score()
        if start is None:
            return (), stated
        rows: list[Criterion] = []
        saw_score_line = False
        index = start
        while index < len(self.lines):
            line = self.lines[index]
            key = self.keys[index]
            index += 1
            if not line.strip() or _SEPARATOR.match(line):
                if rows:
                    following = self.next_nonblank(index)
                    if following is None or not _parse_row(self.lines[following]):
                        break
                continue
            if _STATED.match(key):
                saw_score_line = True
                break
            row = _parse_row(line)
            if row is None:
                name = _row_cells(line)[0]
                if "% of" in name or re.search(r"\(\s*\d{1,3}\s*%", name):
                    bare = _WEIGHT.match(_collapse(name))
                    label = _collapse(bare["name"]) if bare else _collapse(name)
                    self.warn(f"criterion {label!r} has no score (table cut off?)")
                    continue
                break
            rows.append(row)
        if rows and not saw_score_line:
            self.warn("the criteria table has no 'Performance score' line (page cut off?)")
        return tuple(rows), stated

    def _stated_score(self) -> float | None:
        """The number on the "Performance score" line, None when blank or absent."""
        for key in self.keys:
            match = _STATED.match(key)
            if match:
                return float(match.group(1).replace(",", ".")) if match.group(1) else None
        return None

    def prose(self) -> str | None:
        """Key Developments (or Performance Commentary) paragraphs joined by blank lines."""
        start = next((i + 1 for i, key in enumerate(self.keys) if key in _PROSE_HEADINGS), None)
        if start is None:
            return None
        paragraphs: list[list[str]] = []
        fresh = True
        for line in self.lines[start:]:
            if not line.strip():
                fresh = True
                continue
            if _is_section_end(line):
                break
            if fresh or not paragraphs or _TERMINAL.search(paragraphs[-1][-1]):
                paragraphs.append([line])
            else:
                paragraphs[-1].append(line)
            fresh = False
        cleaned = [_clean_prose(" ".join(p)) for p in paragraphs]
        text = "\n\n".join(p for p in cleaned if p)
        return text or None

    def recommendations(self) -> tuple[str, ...]:
        """Items under the recommendations heading, in printed order."""
        headings = [i for i, key in enumerate(self.keys) if _RECS.match(key)]
        if not headings:
            raise ProfileError("no 'Recommendations for Action' heading found")
        if len(headings) > 1:
            self.warn(
                f"the text has {len(headings)} recommendations headings; only the first was read"
            )
        section: list[str] = []
        for line in self.lines[headings[0] + 1 :]:
            if line.strip() and _is_section_end(line) and not _BULLET.match(line):
                break
            section.append(line)
        items = _split_items(section)
        if not items:
            raise ProfileError("the 'Recommendations for Action' heading has no items under it")
        if not _TERMINAL.search(items[-1]):
            self.warn("the last recommendation seems cut off mid-sentence (page incomplete?)")
        return tuple(items)

    # ---- identity

    def editions(self) -> tuple[str | None, int | None, str | None]:
        """Edition title, its year, and the country the download lines name."""
        edition: str | None = None
        year: int | None = None
        country: str | None = None
        titles: list[str] = []
        for line in self.lines:
            printed = _collapse(_strip_bullet(line).translate(_QUOTES))
            match = _DOWNLOAD.match(printed) or _CLICK.match(printed)
            if not match:
                continue
            ed = match["ed"].strip().strip('"').strip()
            if match["country"] and country is None:
                country = match["country"].strip().strip('"').strip() or None
            if re.search(r"[A-Za-z]", ed):
                titles.append(ed)
            found = _YEAR.search(ed)
            if found and year is None:
                year = int(found.group(1))
        if titles:
            edition = titles[0]
            if any(_fold(t) != _fold(edition) for t in titles[1:]):
                self.warn(f"the download lines name different editions; using {edition!r}")
            found = _YEAR.search(edition)
            if found:
                year = int(found.group(1))
        return edition, year, country

    def country(self, download_country: str | None) -> str:
        """Country from the name line, a first sentence, the download line or the prose."""
        first = self.lines[0].strip() if self.lines else ""
        first_key = self.keys[0] if self.keys else ""
        structural = (
            first_key in _KNOWN_HEADINGS
            or bool(_DEADLINE.match(first_key))
            or bool(_RECS.match(first_key))
            or bool(_BULLET.match(first))
            or "|" in first
        )
        if first and not structural:
            name = _collapse(first.translate(_QUOTES))
            if _is_name_line(name):
                if download_country and _fold(download_country) != _fold(name):
                    self.warn(
                        f"the first line says {name!r} but the download line says "
                        f"{download_country!r}; using {name!r}"
                    )
                return name
            if download_country:
                return download_country
            subject = _sentence_subject(name)
            if subject:
                return subject
        if download_country:
            return download_country
        guessed = self._country_from_prose()
        if guessed:
            self.warn(f"no country line; country {guessed!r} guessed from the recommendations")
            return guessed
        raise ProfileError(
            "no country found: expected the country name on the first line or a "
            "'Download the full ... report for <country>' line"
        )

    def _country_from_prose(self) -> str | None:
        """The most common "<Name> should" subject, as a last resort for layout C pages."""
        counts: Counter[str] = Counter()
        for line in self.lines:
            match = _SHOULD.match(_collapse(_strip_bullet(line)))
            if match:
                subject = match["subject"].strip()
                if subject.split()[0].casefold() not in _NOT_COUNTRY:
                    counts[subject] += 1
        return counts.most_common(1)[0][0] if counts else None

    def treaty(
        self, article: str | None, criteria: tuple[Criterion, ...], edition: str | None
    ) -> str | None:
        """Treaty from the most trusted source that names one; disagreements are warned."""
        sources: list[tuple[str, str | None]] = [
            ("the deadline heading", {"5": APMBC, "4": CCM}.get(article or "")),
            ("the criteria names", _treaty_from_criteria(criteria)),
            ("the edition title", _treaty_from_edition(edition)),
            ("the prose", self._treaty_from_prose()),
        ]
        named = [(where, treaty) for where, treaty in sources if treaty]
        if not named:
            return None
        where, chosen = named[0]
        for other_where, other in named[1:]:
            if other != chosen:
                self.warn(
                    f"treaty unclear: {where} says {chosen} but {other_where} says {other}; "
                    f"using {chosen}"
                )
        return chosen

    def _treaty_from_prose(self) -> str | None:
        """Majority of treaty mentions in the text (tab bar excluded); None on a tie."""
        text = "\n".join(
            line.translate(_QUOTES)
            for line, key in zip(self.lines, self.keys, strict=True)
            if key not in _TAB_BAR
        )
        apmbc = len(re.findall(r"Anti-Personnel Mine Ban Convention|\bAPMBC\b", text, re.I))
        ccm = len(re.findall(r"Convention on Cluster Munitions|\bCCM\b", text, re.I))
        if apmbc > ccm:
            return APMBC
        if ccm > apmbc:
            return CCM
        return None


def _row_cells(line: str) -> list[str]:
    """Cells of a table line; a plain line is one cell."""
    if "|" in line:
        cells = [c.strip() for c in line.split("|") if c.strip()]
        return cells or [""]
    return [line.strip()]


def _parse_row(line: str) -> Criterion | None:
    """One criterion from "Name (20% of overall score) 6" or its pipe-table form."""
    cells = _row_cells(line)
    if len(cells) >= 2:
        name, score_text = " ".join(cells[:-1]), cells[-1]
        if not re.fullmatch(r"\d{1,2}(?:[.,]\d+)?", score_text):
            return None
    else:
        match = _ROW.match(_collapse(cells[0]))
        if not match:
            return None
        name, score_text = match["name"], match["score"]
    # Names are labels compared across editions, so quotes and dashes are made ASCII too.
    name = _WORD.sub(_repair_word, _collapse(name.translate(_LIGATURES).translate(_QUOTES)))
    if _STATED.match(_fold(name)):
        return None
    weight: int | None = None
    weighted = _WEIGHT.match(name)
    if weighted:
        name, weight = _collapse(weighted["name"]), int(weighted["w"])
    if not name:
        return None
    return Criterion(name=name, weight=weight, score=float(score_text.replace(",", ".")))


def _split_items(section: list[str]) -> list[str]:
    """Recommendation items from the lines of the section, whichever list style is used."""
    lone = any(_LONE_MARKER.match(line) for line in section)
    bulleted = any(_BULLET.match(line) and not _LONE_MARKER.match(line) for line in section)
    items: list[str] = []
    if lone or not bulleted:
        # Layout D (lone "-" markers) or a bare list: each non-empty line is one item.
        for line in section:
            if line.strip() and not _LONE_MARKER.match(line):
                items.append(_strip_bullet(line))
    else:
        blank_before = False
        for line in section:
            if not line.strip():
                blank_before = True
                continue
            text = line.strip()
            if _BULLET.match(line):
                items.append(_strip_bullet(line))
            elif items and (not blank_before or text[:1].islower()):
                items[-1] = f"{items[-1]} {text}"  # wrapped continuation
            elif re.match(r"^\d{1,3}\s+\S", text) or _is_heading_like(text):
                break  # footnotes or a footer after the list
            else:
                items.append(text)
            blank_before = False
    return [cleaned for cleaned in (_clean_prose(item) for item in items) if cleaned]


def _is_name_line(text: str) -> bool:
    """A short line that is a country name, not a sentence."""
    if not text or len(text) > 60 or re.search(r"[\d.!?:;]$", text) or re.search(r"\d", text):
        return False
    words = text.split()
    if len(words) > 8 or not words[0][:1].isupper():
        return False
    return not any(w.casefold() in _VERB_WORDS for w in words)


def _sentence_subject(sentence: str) -> str | None:
    """The subject of a first-line sentence: the words before its first verb."""
    match = _VERBS.search(sentence)
    if not match:
        return None
    subject = sentence[: match.start()].strip()
    possessive = re.match(r"^(.+?)'s\b", subject)
    if possessive:
        subject = possessive.group(1)
    if subject.startswith("The ") and len(subject.split()) > 2:
        subject = subject[4:]
    words = subject.split()
    if not words or len(words) > 8 or not words[0][:1].isupper():
        return None
    return subject


def _treaty_from_criteria(criteria: tuple[Criterion, ...]) -> str | None:
    """Treaty implied by criterion names such as "... and Article 5 compliance"."""
    names = " ".join(_fold(c.name) for c in criteria)
    if "article 5 compliance" in names:
        return APMBC
    if "article 4 compliance" in names:
        return CCM
    if "anti-personnel mine contamination" in names:
        return APMBC
    if "cluster munition remnant contamination" in names:
        return CCM
    return None


def _treaty_from_edition(edition: str | None) -> str | None:
    """Treaty implied by the report title."""
    folded = _fold(edition or "")
    if "clearing the mines" in folded:
        return APMBC
    if "clearing cluster munition remnants" in folded:
        return CCM
    return None


def _stated_vs_computed(stated: float | None, computed: float | None) -> str | None:
    """Warning when the page's score is not the one its criteria give."""
    if stated is None or computed is None:
        return None
    if Decimal(str(stated)).quantize(_ONE_DECIMAL) == Decimal(str(computed)).quantize(_ONE_DECIMAL):
        return None
    return (
        f"stated performance score {stated:g} differs from {computed:g} computed from the "
        "criteria; kept as stated"
    )


def parse_profile(text: str | bytes) -> ParsedProfile:
    """Parse one country page; raise ProfileError (one line) when it is not a profile."""
    decoded = _decode(text)
    lines = _normalise(decoded)
    if not any(line.strip() for line in lines):
        raise ProfileError("empty file")
    normalised = "\n".join(lines)
    if _looks_like_html(normalised):
        raise ProfileError(HTML_ADVICE)
    parser = _Parser(_join_table_cells(lines))
    recommendations = parser.recommendations()
    edition, year, download_country = parser.editions()
    country = parser.country(download_country)
    article, deadline = parser.deadline()
    rating = parser.rating()
    criteria, score = parser.criteria()
    computed, why_not = compute_score(criteria)
    if why_not:
        parser.warn(why_not)
    mismatch = _stated_vs_computed(score, computed)
    if mismatch:
        parser.warn(mismatch)
    band = rating_band(score if score is not None else computed)
    if rating in _BANDS_BY_NAME and band and rating != band and score is not None:
        parser.warn(f"rating {rating!r} does not match the band {band!r} of score {score:g}")
    treaty = parser.treaty(article, criteria, edition)
    return ParsedProfile(
        country=country,
        treaty=treaty,
        article=article,
        deadline=deadline,
        edition=edition,
        year=year,
        rating=rating,
        score=score,
        computed_score=computed,
        band=band,
        criteria=criteria,
        recommendations=recommendations,
        key_developments=parser.prose(),
        warnings=tuple(parser.warnings),
        checksum=hashlib.sha256(normalised.encode("utf-8")).hexdigest(),
    )
