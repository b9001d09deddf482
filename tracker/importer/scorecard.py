"""The scorecard: the performance table, its overall score, the rating and its band.

The publisher's bands: 8.0 and above Very Good; 7.0-7.9 Good; 5.0-6.9 Average; 4.0-4.9
Poor; below 4.0 Very Poor. The overall score is the weighted sum of the criteria (the
2016-2018 layout: the plain mean of its indicators), rounded half-up to one decimal; a
stated score that differs is warned about, never "fixed".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from .profile import APMBC, CCM, Criterion
from .structure import STATED, TABLE_HEADERS, Page, is_structural
from .text import LIGATURES, QUOTES, WORD, collapse, fold, line_key, repair_word, strip_bullet

_WEIGHT = re.compile(
    r"^(?P<name>.*?)\s*\(\s*(?P<w>\d{1,3})\s*%\s*of\s+(?:the\s+)?overall\s+score\s*\)$",
    re.IGNORECASE,
)
_ROW = re.compile(r"^(?P<name>.*?\S)\s+(?P<score>\d{1,2}(?:[.,]\d+)?)$")
_SEPARATOR = re.compile(r"^[\s|:\-]+$")
_BARE_NUMBER = re.compile(r"\s*\d{1,2}(?:[.,]\d+)?\s*")
_HEADER_HALVES = {"performance criterion", "performance indicator"}


# --------------------------------------------------------------------------- scores

_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("8.0"), "Very Good"),
    (Decimal("7.0"), "Good"),
    (Decimal("5.0"), "Average"),
    (Decimal("4.0"), "Poor"),
)
BANDS_BY_NAME = {band for _, band in _BANDS} | {"Very Poor"}
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


_RATINGS = {
    "very good": "Very Good",
    "good": "Good",
    "average": "Average",
    "poor": "Poor",
    "very poor": "Very Poor",
    "not applicable": "Not Applicable",
}


def read_rating(page: Page) -> str | None:
    """The word printed under the "Performance" block, if any."""
    for index, key in enumerate(page.keys):
        if key != "performance":
            continue
        following = page.next_nonblank(index + 1)
        if following is None:
            return None
        line = page.lines[following]
        if is_structural(page.keys[following]) or _parse_row(line) is not None:
            return None
        word = collapse(strip_bullet(line))
        canonical = _RATINGS.get(fold(word))
        if canonical:
            return canonical
        if len(word.split()) <= 3 and not re.search(r"\d", word):
            page.warn(f"unrecognised rating {word!r}")
            return word
        return None
    return None


def read_criteria(page: Page) -> tuple[tuple[Criterion, ...], float | None]:
    """Rows of the performance table and the stated "Performance score"."""
    start = None
    for index, key in enumerate(page.keys):
        if key in TABLE_HEADERS:
            start = index + 1
            break
    if start is None:
        for index, line in enumerate(page.lines):
            row = _parse_row(line)
            if row is not None and row.weight is not None:
                start = index
                break
    stated = stated_score(page)
    if start is None:
        return (), stated
    rows: list[Criterion] = []
    saw_score_line = False
    index = start
    while index < len(page.lines):
        line = page.lines[index]
        key = page.keys[index]
        index += 1
        if not line.strip() or _SEPARATOR.match(line):
            if rows:
                following = page.next_nonblank(index)
                if following is None or not _parse_row(page.lines[following]):
                    break
            continue
        if STATED.match(key):
            saw_score_line = True
            break
        row = _parse_row(line)
        if row is None:
            name = _row_cells(line)[0]
            if "% of" in name or re.search(r"\(\s*\d{1,3}\s*%", name):
                bare = _WEIGHT.match(collapse(name))
                label = collapse(bare["name"]) if bare else collapse(name)
                page.warn(f"criterion {label!r} has no score (table cut off?)")
                continue
            break
        rows.append(row)
    if rows and not saw_score_line:
        page.warn("the criteria table has no 'Performance score' line (page cut off?)")
    return tuple(rows), stated


def stated_score(page: Page) -> float | None:
    """The number on the "Performance score" line, None when blank or absent."""
    for key in page.keys:
        match = STATED.match(key)
        if match:
            return float(match.group(1).replace(",", ".")) if match.group(1) else None
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
        match = _ROW.match(collapse(cells[0]))
        if not match:
            return None
        name, score_text = match["name"], match["score"]
    # Names are labels compared across editions, so quotes and dashes are made ASCII too.
    name = WORD.sub(repair_word, collapse(name.translate(LIGATURES).translate(QUOTES)))
    if STATED.match(fold(name)):
        return None
    weight: int | None = None
    weighted = _WEIGHT.match(name)
    if weighted:
        name, weight = collapse(weighted["name"]), int(weighted["w"])
    if not name:
        return None
    return Criterion(name=name, weight=weight, score=float(score_text.replace(",", ".")))


def treaty_from_criteria(criteria: tuple[Criterion, ...]) -> str | None:
    """Treaty implied by criterion names such as "... and Article 5 compliance"."""
    names = " ".join(fold(c.name) for c in criteria)
    if "article 5 compliance" in names:
        return APMBC
    if "article 4 compliance" in names:
        return CCM
    if "anti-personnel mine contamination" in names:
        return APMBC
    if "cluster munition remnant contamination" in names:
        return CCM
    return None


def stated_vs_computed(stated: float | None, computed: float | None) -> str | None:
    """Warning when the page's score is not the one its criteria give."""
    if stated is None or computed is None:
        return None
    if Decimal(str(stated)).quantize(_ONE_DECIMAL) == Decimal(str(computed)).quantize(_ONE_DECIMAL):
        return None
    return (
        f"stated performance score {stated:g} differs from {computed:g} computed from the "
        "criteria; kept as stated"
    )


def join_table_cells(lines: list[str]) -> list[str]:
    """Rejoin a score table copied one cell per line ("Gender (10% ...)" then "8").

    Browsers often put each table cell on its own line when a page is copied; inside
    the table, a label followed by a line holding only a number is one row.
    """
    joined: list[str] = []
    in_table = False
    index = 0
    while index < len(lines):
        line = lines[index]
        key = line_key(line) if line.strip() else ""
        following = index + 1
        while following < len(lines) and not lines[following].strip():
            following += 1
        next_line = lines[following] if following < len(lines) else ""
        if key in _HEADER_HALVES and line_key(next_line) == "score":
            joined.append(f"{line.strip()} Score")
            in_table = True
            index = following + 1
            continue
        if key in TABLE_HEADERS:
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
