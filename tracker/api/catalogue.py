"""The API's prose (summaries, descriptions, problem meanings) as messages to translate.

The OpenAPI document stays English (integrators' tools read it), but the docs page is a
page like any other and is read in Khmer too. Its prose is written once, in the
``@operation`` declarations, the pydantic models and ``errors.PROBLEMS``; this Babel
extractor (named in ``babel.cfg``) takes every such text from the document itself, so
``make extract-messages`` always offers exactly what the page shows and the translation
test fails when a description changes and its translation has not followed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from .errors import PROBLEMS


def document_texts(document: dict[str, Any]) -> Iterator[str]:
    """Every text of the document the docs page shows, in document order."""
    yield document["info"]["description"]
    for methods in document["paths"].values():
        for op in methods.values():
            yield op["summary"]
            yield op["description"]
            for parameter in op.get("parameters", []):
                yield parameter.get("description", "")
            for response in op["responses"].values():
                yield response["description"]
    for schema in document["components"]["schemas"].values():
        yield schema.get("description", "")
        for prop in schema.get("properties", {}).values():
            yield prop.get("description", "")
    for _status, title, meaning in PROBLEMS.values():
        yield title
        yield meaning


def extract_openapi(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, Any, Any, Any]]:
    """Babel extraction method for ``openapi.py``: the file's own messages, then the prose
    of the whole document."""
    from babel.messages.extract import extract_python

    from . import load_operations
    from .openapi import build_document

    yield from extract_python(fileobj, keywords, comment_tags, options)
    load_operations()
    document = build_document()
    seen: set[str] = set()
    for text in document_texts(document):
        if text and text not in seen:
            seen.add(text)
            yield 1, "gettext", text, ["API docs page (generated from the OpenAPI document)"]
