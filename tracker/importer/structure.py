"""Page structure: headings, the blocks and sections a country page is made of, identity.

Reads the recommendations, the key developments, the deadline block, the edition and
year from the download lines, the country and the treaty. The score table and the rating
are the scorecard module's.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter

from .profile import APMBC, CCM, ProfileError
from .text import BULLET, LONE_MARKER, QUOTES, clean_prose, collapse, fold, line_key, strip_bullet

_TAB_BAR = {"cluster munition remnants", "anti-personnel mines"}
_DEADLINE = re.compile(r"^article ([45]) deadline\s*:?\s*(.*)$")
_RECS = re.compile(r"^recommendations? for action:?$")
TABLE_HEADERS = {"performance criterion score", "performance indicator score"}
_PROSE_HEADINGS = {"key developments", "performance commentary"}
_KNOWN_HEADINGS = (
    _TAB_BAR
    | TABLE_HEADERS
    | _PROSE_HEADINGS
    | {"performance", "five-year overview", "performance score"}
)
STATED = re.compile(r"^(?:overall )?performance score\s*:?\s*(\d{1,2}(?:[.,]\d+)?)?$")
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
    text = collapse(strip_bullet(line).translate(QUOTES))
    if not text or len(text) > 60 or re.search(r"[.,;:!?]$", text):
        return False
    words = text.split()
    if len(words) > 6 or not words[0][:1].isupper():
        return False
    long_words = [w for w in words if len(w) > 3 and w[:1].isalpha()]
    return all(w[:1].isupper() for w in long_words)


def is_structural(key: str) -> bool:
    """A heading, block label or download line that the layouts share (key from line_key)."""
    return (
        key in _KNOWN_HEADINGS
        or bool(_RECS.match(key))
        or bool(_DEADLINE.match(key))
        or bool(STATED.match(key))
        or key.startswith(("download the ", "click here"))
    )


def _is_section_end(line: str) -> bool:
    """Where a prose or recommendations section stops: a known or unknown heading."""
    return is_structural(line_key(line)) or _is_heading_like(line)


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
    folded = fold(text)
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


class Page:
    """One parse: holds the lines and collects warnings as the sections are read."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.keys = [line_key(line) for line in lines]
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
                if following is not None and not is_structural(self.keys[following]):
                    value = collapse(strip_bullet(self.lines[following]))
            if not value:
                self.warn(f"the 'Article {article} deadline' block has no date")
                return article, None
            date = _parse_date(value)
            if date is None and fold(value) not in _NOT_APPLICABLE:
                self.warn(f"deadline {value!r} is not a date; left empty")
            return article, date
        return None, None

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
        cleaned = [clean_prose(" ".join(p)) for p in paragraphs]
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
            if line.strip() and _is_section_end(line) and not BULLET.match(line):
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
            printed = collapse(strip_bullet(line).translate(QUOTES))
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
            if any(fold(t) != fold(edition) for t in titles[1:]):
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
            or bool(BULLET.match(first))
            or "|" in first
        )
        if first and not structural:
            name = collapse(first.translate(QUOTES))
            if _is_name_line(name):
                if download_country and fold(download_country) != fold(name):
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
            match = _SHOULD.match(collapse(strip_bullet(line)))
            if match:
                subject = match["subject"].strip()
                if subject.split()[0].casefold() not in _NOT_COUNTRY:
                    counts[subject] += 1
        return counts.most_common(1)[0][0] if counts else None

    def treaty(
        self, article: str | None, criteria_treaty: str | None, edition: str | None
    ) -> str | None:
        """Treaty from the most trusted source that names one; disagreements are warned."""
        sources: list[tuple[str, str | None]] = [
            ("the deadline heading", {"5": APMBC, "4": CCM}.get(article or "")),
            ("the criteria names", criteria_treaty),
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
            line.translate(QUOTES)
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


def _split_items(section: list[str]) -> list[str]:
    """Recommendation items from the lines of the section, whichever list style is used."""
    lone = any(LONE_MARKER.match(line) for line in section)
    bulleted = any(BULLET.match(line) and not LONE_MARKER.match(line) for line in section)
    items: list[str] = []
    if lone or not bulleted:
        # Layout D (lone "-" markers) or a bare list: each non-empty line is one item.
        for line in section:
            if line.strip() and not LONE_MARKER.match(line):
                items.append(strip_bullet(line))
    else:
        blank_before = False
        for line in section:
            if not line.strip():
                blank_before = True
                continue
            text = line.strip()
            if BULLET.match(line):
                items.append(strip_bullet(line))
            elif items and (not blank_before or text[:1].islower()):
                items[-1] = f"{items[-1]} {text}"  # wrapped continuation
            elif re.match(r"^\d{1,3}\s+\S", text) or _is_heading_like(text):
                break  # footnotes or a footer after the list
            else:
                items.append(text)
            blank_before = False
    return [cleaned for cleaned in (clean_prose(item) for item in items) if cleaned]


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


def _treaty_from_edition(edition: str | None) -> str | None:
    """Treaty implied by the report title."""
    folded = fold(edition or "")
    if "clearing the mines" in folded:
        return APMBC
    if "clearing cluster munition remnants" in folded:
        return CCM
    return None
