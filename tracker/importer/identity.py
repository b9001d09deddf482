"""Which page this is: the edition and its year, the country, the treaty.

Read from the download lines, the first line, the prose and the blocks, in the order of
trust the profile-formats note gives; disagreements become warnings.
"""

from __future__ import annotations

import re
from collections import Counter

from .profile import APMBC, CCM, ProfileError
from .structure import (
    DEADLINE,
    KNOWN_HEADINGS,
    RECS,
    TAB_BAR,
    Page,
)
from .text import BULLET, QUOTES, collapse, fold, strip_bullet

# "full" may come back as "ful" from a copied page: the ligature-proof spelling.
_FULL = r"(?:f?ul{1,2}|fl{1,2})"
_DOWNLOAD = re.compile(
    rf"^download the (?:{_FULL} )?\"?(?P<ed>.*?)\"? report(?: for (?P<country>.+?))?\.?$",
    re.IGNORECASE,
)
_CLICK = re.compile(
    rf"^click here to download (?:the )?(?:{_FULL} )?\"?(?P<ed>.*?)\"? report"
    r"(?: for (?P<country>.+?))?\.?$",
    re.IGNORECASE,
)
# The publisher's two series; an edition is one of them with its year.
SERIES = {
    "clearing the mines": "Clearing the Mines",
    "clearing cluster munition remnants": "Clearing Cluster Munition Remnants",
}
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
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


def read_editions(page: Page) -> tuple[str | None, int | None, str | None]:
    """Edition title, its year, and the country the download lines name.

    The edition is the series title with its year ("Clearing the Mines 2020"). The
    "Download ..." line often names only the year or a short name; the quoted title of
    the "Click here ..." line is then the source. A title that names no series is kept
    as printed; a year alone gives the year and no title (nothing invented).
    """
    year: int | None = None
    country: str | None = None
    titles: list[str] = []
    for line in page.lines:
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
    named: list[tuple[str, int | None]] = []
    for title in titles:
        series = next((name for low, name in SERIES.items() if low in fold(title)), None)
        if series:
            found = _YEAR.search(title)
            named.append((series, int(found.group(1)) if found else None))
    if named:
        series, title_year = next(((s, y) for s, y in named if y is not None), named[0])
        year = title_year or year
        edition = f"{series} {year}" if year else series
        if len({(s, y) for s, y in named if y is not None} | {(series, year)}) > 1:
            page.warn(f"the download lines name different editions; using {edition!r}")
        return edition, year, country
    if not titles:
        return None, year, country
    edition = titles[0]
    if any(fold(t) != fold(edition) for t in titles[1:]):
        page.warn(f"the download lines name different editions; using {edition!r}")
    found = _YEAR.search(edition)
    return edition, int(found.group(1)) if found else year, country


def read_country(page: Page, download_country: str | None) -> str:
    """Country from the name line, a first sentence, the download line or the prose."""
    first = page.lines[0].strip() if page.lines else ""
    first_key = page.keys[0] if page.keys else ""
    structural = (
        first_key in KNOWN_HEADINGS
        or bool(DEADLINE.match(first_key))
        or bool(RECS.match(first_key))
        or bool(BULLET.match(first))
        or "|" in first
    )
    if first and not structural:
        name = collapse(first.translate(QUOTES))
        if _is_name_line(name):
            if download_country and fold(download_country) != fold(name):
                page.warn(
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
    guessed = _country_from_prose(page)
    if guessed:
        page.warn(f"no country line; country {guessed!r} guessed from the recommendations")
        return guessed
    raise ProfileError(
        "no country found: expected the country name on the first line or a "
        "'Download the full ... report for <country>' line"
    )


def _country_from_prose(page: Page) -> str | None:
    """The most common "<Name> should" subject, as a last resort for layout C pages."""
    counts: Counter[str] = Counter()
    for line in page.lines:
        match = _SHOULD.match(collapse(strip_bullet(line)))
        if match:
            subject = match["subject"].strip()
            if subject.split()[0].casefold() not in _NOT_COUNTRY:
                counts[subject] += 1
    return counts.most_common(1)[0][0] if counts else None


def read_treaty(
    page: Page, article: str | None, criteria_treaty: str | None, edition: str | None
) -> str | None:
    """Treaty from the most trusted source that names one; disagreements are warned."""
    sources: list[tuple[str, str | None]] = [
        ("the deadline heading", {"5": APMBC, "4": CCM}.get(article or "")),
        ("the criteria names", criteria_treaty),
        ("the edition title", _treaty_from_edition(edition)),
        ("the prose", _treaty_from_prose(page)),
    ]
    named = [(where, treaty) for where, treaty in sources if treaty]
    if not named:
        return None
    where, chosen = named[0]
    for other_where, other in named[1:]:
        if other != chosen:
            page.warn(
                f"treaty unclear: {where} says {chosen} but {other_where} says {other}; "
                f"using {chosen}"
            )
    return chosen


def _treaty_from_prose(page: Page) -> str | None:
    """Majority of treaty mentions in the text (tab bar excluded); None on a tie."""
    text = "\n".join(
        line.translate(QUOTES)
        for line, key in zip(page.lines, page.keys, strict=True)
        if key not in TAB_BAR
    )
    apmbc = len(re.findall(r"Anti-Personnel Mine Ban Convention|\bAPMBC\b", text, re.I))
    ccm = len(re.findall(r"Convention on Cluster Munitions|\bCCM\b", text, re.I))
    if apmbc > ccm:
        return APMBC
    if ccm > apmbc:
        return CCM
    return None


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
