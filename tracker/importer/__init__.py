"""Text of a Mine Action Review country profile -> a parsed profile.

Pure: no database, no Flask. Staff paste whatever edition of a country page they
have, so the parser reads every layout described in the shared profile-formats
note (A: 2019-2023 blocks and table, B: pipe table, C: 2016-2018 indicators,
D: 2024-2025 without a table, E: a sentence as first line) and the copy noise
real pages carry. It never invents a value: what the page does not say stays
``None``, and every doubt becomes a warning rather than a silent fix.

Modules: ``text`` (decoding and copy-noise repair), ``structure`` (headings, blocks,
sections), ``identity`` (edition, country, treaty), ``scorecard`` (table, score, rating,
band), ``profile`` (the result types). Callers import from ``tracker.importer`` only.

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
- Ligature letters lost in copying ("offce", "confrmed", "Fve-Year Overview", "the ful
  report"): no heading, keyword or title depends on them; the repairs are built from
  whole words with every way their ligatures can come apart (text.ligature_variants).
- The edition is the series title with its year ("Clearing the Mines 2020", "Clearing
  Cluster Munition Remnants 2018"), taken from whichever download line names the series
  (the "Click here" line's quoted title when the "Download" line gives only a year or a
  short name); a year alone gives the year and no edition.
- A page that shows a profile's blocks but stops before its recommendations (no heading,
  no download line) is refused as cut off; a last recommendation that ends mid-sentence
  is kept, warned, and flagged as ``ParsedProfile.last_recommendation_cut_off`` so the
  lineage import never lets it become an action's newest text unasked.
- The checksum is taken over the text after removing the BOM, turning CRLF/CR
  into LF, NBSP into a space, and trailing whitespace and blank edges away, so
  the same page saved twice in different ways is recognised as a duplicate.
"""

from __future__ import annotations

import hashlib

from .identity import read_country, read_editions, read_treaty
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
    edition, year, download_country = read_editions(parser)
    country = read_country(parser, download_country)
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
    treaty = read_treaty(parser, article, treaty_from_criteria(criteria), edition)
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
        last_recommendation_cut_off=parser.last_cut_off,
    )
