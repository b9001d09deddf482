"""A response body streamed on a database session of its own (CSV exports, the feed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import AnyStr

from flask import stream_with_context
from sqlmodel import Session

from ..db import get_engine, new_session


def _on_own_session(produce: Callable[[Session], Iterator[AnyStr]]) -> Iterator[AnyStr]:
    session = new_session(get_engine())
    try:
        yield from produce(session)
    finally:
        session.close()


def streamed(produce: Callable[[Session], Iterator[AnyStr]]) -> Iterator[AnyStr]:
    """Run ``produce`` on a session of its own, closed when the stream ends or is dropped,
    inside the request's context.

    A streamed body outlives the view: it must not borrow the request's session,
    whose transaction would stay open until the client has read everything.
    """
    return stream_with_context(_on_own_session(produce))
