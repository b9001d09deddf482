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

import hashlib

from .profile import APMBC, CCM, HTML_ADVICE, Criterion, ParsedProfile, ProfileError
from .scorecard import (
    BANDS_BY_NAME,
    compute_score,
    join_table_cells,
    rating_band,
    read_criteria,
    read_rating,
    stated_vs_computed,
    treaty_from_criteria,
)
from .structure import Page
from .text import decode, looks_like_html, normalise_lines

__all__ = [
    "APMBC",
    "CCM",
    "Criterion",
    "ParsedProfile",
    "ProfileError",
    "compute_score",
    "parse_profile",
    "rating_band",
]


def parse_profile(text: str | bytes) -> ParsedProfile:
    """Parse one country page; raise ProfileError (one line) when it is not a profile."""
    decoded = decode(text)
    lines = normalise_lines(decoded)
    if not any(line.strip() for line in lines):
        raise ProfileError("empty file")
    normalised = "\n".join(lines)
    if looks_like_html(normalised):
        raise ProfileError(HTML_ADVICE)
    parser = Page(join_table_cells(lines))
    recommendations = parser.recommendations()
    edition, year, download_country = parser.editions()
    country = parser.country(download_country)
    article, deadline = parser.deadline()
    rating = read_rating(parser)
    criteria, score = read_criteria(parser)
    computed, why_not = compute_score(criteria)
    if why_not:
        parser.warn(why_not)
    mismatch = stated_vs_computed(score, computed)
    if mismatch:
        parser.warn(mismatch)
    band = rating_band(score if score is not None else computed)
    if rating in BANDS_BY_NAME and band and rating != band and score is not None:
        parser.warn(f"rating {rating!r} does not match the band {band!r} of score {score:g}")
    treaty = parser.treaty(article, treaty_from_criteria(criteria), edition)
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
