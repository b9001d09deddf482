"""Pieces of the pages people work in, cached while the data generation holds (issue 15).

The same rule as the summary's bodies (``services/summary_cache.py``): an entry is used
only while the data generation, read in one small statement per request, is the one it
was made at, and for at most 60 seconds (edits that move no generation, a rename, show
within that). What is cached here is data or HTML that holds nothing of one session:
the list's page of rows, their rendered table and its filter options, and an action's
rendered history when no entry carries a form. Every key holds what changes what the
reader may see: their programmes and roles there, the verifier rights, the language,
the address the links are built under, and the quarter-hour of the day (no
programme-local day changes within one, and "overdue" and "in 3 days" follow it).

A separate cache from the summary's (``FRAGMENT_CACHE_SIZE`` entries, 0 turns it off),
so that walking through many actions does not push the summaries out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import get_locale
from sqlmodel import Session

from ..auth import current_access
from ..services.summary_cache import SummaryCache, read_generation

T = TypeVar("T")


def process_cache(name: str) -> SummaryCache:
    """This process's cache ``name`` (``<NAME>_CACHE_SIZE`` entries, default 256; 0: off)."""
    cache = current_app.extensions.get(f"tracker_{name}_cache")
    if cache is None:
        size = int(current_app.config.get(f"{name.upper()}_CACHE_SIZE", 256))
        cache = current_app.extensions.setdefault(f"tracker_{name}_cache", SummaryCache(size))
    return cache


def fragment_cache() -> SummaryCache:
    return process_cache("fragment")


def _generation(session: Session) -> tuple[Any, ...]:
    """The data generation, read once per request however many pieces ask."""
    found = g.get("tracker_data_generation")
    if found is None:
        found = g.tracker_data_generation = read_generation(session)
    return found


def reader_key() -> tuple[Hashable, ...]:
    """What a piece depends on besides the data and its own arguments."""
    access = current_access()
    now = dt.datetime.now(dt.UTC)
    return (
        access.cache_key,
        tuple(sorted(access.verifier_in)),
        str(get_locale()),
        request.script_root,
        now.date(),
        (now.hour * 60 + now.minute) // 15,
    )


def cached(session: Session, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for ``key`` (plus the reader's key) while fresh."""
    cache = fragment_cache()
    if cache.max_entries <= 0:
        return compute()
    return cache.get_or_compute(
        session, (*key, *reader_key()), compute, generation=_generation(session)
    )
