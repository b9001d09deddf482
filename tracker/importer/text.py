"""Text repair: decoding, line and space clean-up, folding, bullets, ligatures, footnotes.

Everything the other importer modules read goes through here first, so that copy noise
(typographic quotes and dashes, odd spaces, lost ligature letters, glued footnote
numbers, CRLF, a BOM) is handled in one place.
"""

from __future__ import annotations

import re
import unicodedata

from ..typography import QUOTES_AND_DASHES
from .profile import ProfileError

QUOTES = str.maketrans(QUOTES_AND_DASHES)
LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
)
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b]+")
_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u200b": ""})


def collapse(text: str) -> str:
    """One space between words: copied pages are full of doubled and odd spaces."""
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Matching key: ASCII quotes/dashes, collapsed spaces, case folded."""
    return collapse(text.translate(QUOTES)).casefold()


_MARKS = "\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2219\uf0b7*\\-\u2013\u2014"
BULLET = re.compile(rf"^\s*(?:[{_MARKS}]|\(?\d{{1,2}}[.)])(?=\s|$)\s*")
LONE_MARKER = re.compile(rf"^\s*[{_MARKS}]\s*$")


def strip_bullet(line: str) -> str:
    """Line without its bullet or list number."""
    return BULLET.sub("", line, count=1)


def line_key(line: str) -> str:
    """Folded line with bullet and table pipes removed, for heading tests."""
    if "|" in line:
        line = " ".join(cell for cell in line.split("|") if cell.strip())
    return fold(strip_bullet(line))


# Copying the PDF-made pages loses ligature letters: "office" comes back as "offce",
# "ofce" or "ofice", "confirmed" as "confrmed", "Five" as "Fve" or "ve". Repairs and
# keywords are built from whole words, with every way each ligature can come apart.
_LIGATURE_LOSSES = {
    "ffi": ("ff", "fi", "f", ""),
    "ffl": ("ff", "fl", "f", ""),
    "ff": ("f", ""),
    "fi": ("f", ""),
    "fl": ("f", ""),
}
_LIGATURE_PARTS = re.compile("ffi|ffl|ff|fi|fl")


def ligature_variants(word: str) -> set[str]:
    """``word`` as copying may leave it: lost ligature letters in every combination, and intact."""
    variants = {""}
    position = 0
    for match in _LIGATURE_PARTS.finditer(word):
        between = word[position : match.start()]
        options = (match.group(0), *_LIGATURE_LOSSES[match.group(0)])
        variants = {v + between + option for v in variants for option in options}
        position = match.end()
    return {v + word[position:] for v in variants}


# Whole words (lower case) that carry a ligature and turn up in country pages.
_LIGATURE_WORDS = """
office offices officer officers official officials officially
efficient efficiently efficiency inefficient sufficient sufficiently insufficient
difficult difficulty difficulties efficacy effective effectively effectiveness
financial finance financing financed final finally finalise finalised finalize finalized
first field fields five fifth identify identified identification defined definition
significant significantly specific specifically certified certification classified
confirm confirms confirmed confirmation clarification clarified beneficiaries benefit
benefits traffic trafficking inflow outflow conflict conflicts influence reflect
reflects reflected flow flows affected affecting affirmed staff staffing offer offered
fulfil fulfilled fulfilling flexible flexibility verified verification modified
notified notification justified qualified quantified specified unified profile profiles
fifteen fifty deficit flag flagged figure figures fiscal effort efforts affairs
finding findings finish finished filed
"""
# Variants that are words in their own right are left alone ("full" from "fulfil").
_REAL_WORDS = {"full", "fill", "file", "files", "fled", "flat", "ring", "rest", "lag", "red"}
_LIGATURE_REPAIRS = {
    variant: word
    for word in _LIGATURE_WORDS.split()
    for variant in ligature_variants(word)
    if variant != word and (len(variant) >= 4 or "f" in variant) and variant not in _REAL_WORDS
}
WORD = re.compile(r"[A-Za-z]+")

# A footnote number glued after sentence-final punctuation: "mines.12 The", "in 2022.12".
# Only when the next thing is a capital, an opening quote or the end, so "$18.6 million"
# and "2.5 km2" are left alone.
_FOOTNOTE = re.compile(
    r"(?:(?<=[A-Za-z)\]%\"'\u2019\u201d])|(?<=\b\d{4}))"
    r"([.;:!?])\d{1,3}"
    r"(?=\s+[A-Z\"'\u201c\u2018(]|\s*$)"
)


def repair_word(match: re.Match[str]) -> str:
    """Repair one ligature-broken word, keeping its capital."""
    word = match.group(0)
    fixed = _LIGATURE_REPAIRS.get(word.lower())
    if fixed is None:
        return word
    return fixed.capitalize() if word[0].isupper() else fixed


def clean_prose(text: str) -> str:
    """Printed text with collapsed spaces, repaired ligatures and glued footnotes dropped."""
    text = collapse(text.translate(LIGATURES))
    text = WORD.sub(repair_word, text)
    return _FOOTNOTE.sub(r"\1", text)


_HTML_TAG = re.compile(r"<[!/]?[A-Za-z][^<>]{0,500}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode(data: str | bytes) -> str:
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


def normalise_lines(text: str) -> list[str]:
    """Lines without BOM, CR, NBSP or trailing spaces; the basis of the checksum."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ODD_SPACES)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def looks_like_html(text: str) -> bool:
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
