"""The languages tracker speaks: English (the source strings) and each compiled catalogue.

A language is available when its catalogue is compiled in ``tracker/translations/``
(``make setup`` compiles every ``.po`` there). Adding a language is adding a catalogue:
nothing here names one except for its display name. Pure: no Flask, so services and
commands can check a code.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel import Locale, UnknownLocaleError

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"
# Names as the people who read them write them; Babel's own name otherwise.
DISPLAY_NAMES = {"en": "English", "km": "ភាសាខ្មែរ"}


@functools.cache
def available_languages() -> tuple[str, ...]:
    """English first, then every language with a compiled catalogue, by code."""
    compiled = sorted(
        path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")
    )
    return (SOURCE_LANGUAGE, *(code for code in compiled if code != SOURCE_LANGUAGE))


def display_name(code: str) -> str:
    if code in DISPLAY_NAMES:
        return DISPLAY_NAMES[code]
    try:
        return Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code


def language_choices() -> list[tuple[str, str]]:
    """(code, name in its own language) for every available language, for a select."""
    return [(code, display_name(code)) for code in available_languages()]


class UnknownLanguage(ValueError):
    """A language code with no catalogue; the message lists the ones there are."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(f"unknown language {value!r}: use {listed_codes()}")


def listed_codes() -> str:
    """'en or km', 'en, km or lo': the codes as a command's message lists them."""
    codes = available_languages()
    return " or ".join([", ".join(codes[:-1]), codes[-1]]) if len(codes) > 1 else codes[0]


def parse_language(value: str) -> str:
    """``value`` as a stored language code: case-insensitive, lower-case, one that exists."""
    code = value.strip().lower().replace("_", "-")
    if code not in available_languages():
        raise UnknownLanguage(value)
    return code
