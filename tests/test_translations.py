"""The catalogues (issue 12): every interface string translated, with its placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tracker.languages import TRANSLATIONS, available_languages

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w*\}")
TRANSLATED = ["km"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Every message in the sources now, extracted as ``make extract-messages`` does.

    ``--ignore-dirs '.*'``: Babel skips folders starting with "_" by default, which left the
    strings of templates/_partials/ out of the catalogues (English on Khmer pages)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "lazy_gettext", "-k", "_l", "--ignore-dirs", ".*", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as source:
        return read_po(source)


def _catalogue(code: str) -> Catalog:
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source)


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_has_a_translation(extracted: Catalog, code: str) -> None:
    """A string added to a page or a message without its translation fails here, by name."""
    catalogue = _catalogue(code)
    missing = []
    for message in extracted:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        strings = found.string if found is not None else None
        if isinstance(strings, tuple):
            strings = strings[0]
        if not strings or (found is not None and found.fuzzy):
            missing.append(_key(message.id))
    assert not missing, (
        f"{len(missing)} messages lack a {code} translation (make extract-messages, then "
        f"translate tracker/translations/{code}/LC_MESSAGES/messages.po): {missing}"
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code: str) -> None:
    """No translation drops or adds a %(name)s or {n}: each would break or lose a value."""
    wrong = []
    for message in _catalogue(code):
        if not message.id or not message.string:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # One plural form (Khmer) may leave out what only one English form says (the count).
        required = set.intersection(*(set(PLACEHOLDER.findall(s)) for s in sources))
        allowed = set.union(*(set(PLACEHOLDER.findall(s)) for s in sources))
        for text in strings:
            if text and not required <= set(PLACEHOLDER.findall(text)) <= allowed:
                wrong.append((_key(message.id), text))
    assert not wrong, wrong


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_header_asks_for_native_review(code: str) -> None:
    """The catalogue says it awaits review by a native speaker until someone has done it."""
    header = (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").read_text()[:1500]
    assert "AWAITING REVIEW BY A NATIVE" in header


def test_compiled_catalogues_are_the_available_languages() -> None:
    """Each catalogue in the repository is offered, English first (conftest compiles them)."""
    sources = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))
    assert available_languages() == ("en", *sources)


def test_catalogues_compile_without_errors(tmp_path: Path) -> None:
    """pybabel compile (make setup) accepts every catalogue: no placeholder it cannot fill."""
    import shutil

    shutil.copytree(TRANSLATIONS, tmp_path / "translations", ignore=shutil.ignore_patterns("*.mo"))
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
         str(tmp_path / "translations")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0 and "error" not in done.stderr, done.stderr
