"""Page structure: headings, the blocks and sections a country page is made of, identity.

Reads the recommendations, the key developments, the deadline block, the edition and
year from the download lines, the country and the treaty. The score table and the rating
are the scorecard module's.
"""

from __future__ import annotations

import datetime
import re

from .profile import ProfileError
from .text import (
    BULLET,
    LONE_MARKER,
    QUOTES,
    clean_prose,
    collapse,
    fold,
    ligature_variants,
    line_key,
    strip_bullet,
)

TAB_BAR = {"cluster munition remnants", "anti-personnel mines"}
DEADLINE = re.compile(r"^article ([45]) deadline\s*:?\s*(.*)$")
RECS = re.compile(r"^recommendations? for action:?$")
TABLE_HEADERS = {"performance criterion score", "performance indicator score"}
_PROSE_HEADINGS = {"key developments", "performance commentary"}
KNOWN_HEADINGS = (
    TAB_BAR
    | TABLE_HEADERS
    | _PROSE_HEADINGS
    | {"performance", "performance score"}
    | ligature_variants("five-year overview")
)
STATED = re.compile(r"^(?:overall )?performance score\s*:?\s*(\d{1,2}(?:[.,]\d+)?)?$")
_TERMINAL = re.compile(r"[.!?)\]\"'\u2019\u201d]$")


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
        key in KNOWN_HEADINGS
        or bool(RECS.match(key))
        or bool(DEADLINE.match(key))
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
        self.last_cut_off = False  # the last recommendation ends mid-sentence

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
            match = DEADLINE.match(key)
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
        headings = [i for i, key in enumerate(self.keys) if RECS.match(key)]
        if not headings:
            if self._has_profile_blocks() and not self._has_download_line(0):
                raise ProfileError(
                    "the page seems cut off before its 'Recommendations for Action': "
                    "copy the whole page and import it again"
                )
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
            if not self._has_download_line(headings[0]):
                raise ProfileError(
                    "the page seems cut off right after its 'Recommendations for Action' "
                    "heading: copy the whole page and import it again"
                )
            raise ProfileError("the 'Recommendations for Action' heading has no items under it")
        if not _TERMINAL.search(items[-1]):
            self.last_cut_off = True
            self.warn("the last recommendation seems cut off mid-sentence (page incomplete?)")
        return tuple(items)

    def _has_profile_blocks(self) -> bool:
        """The page shows a country profile's blocks (deadline, score table, key developments)."""
        return any(
            key in KNOWN_HEADINGS or DEADLINE.match(key) or STATED.match(key) for key in self.keys
        )

    def _has_download_line(self, start: int) -> bool:
        """A "Download ..." or "Click here ..." line, which ends a complete page, after start."""
        return any(key.startswith(("download the ", "click here")) for key in self.keys[start:])

    # ---- identity


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
