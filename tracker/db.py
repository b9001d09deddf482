"""The database: one engine per app, one session per request and per job.

SQLite gets foreign keys, WAL and a busy timeout; its write transactions can begin
IMMEDIATE so that concurrent writers queue on the lock instead of failing with
"database is locked" when a deferred transaction tries to upgrade. PostgreSQL
connections run without JIT compilation (``_POSTGRESQL_OPTIONS``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import models  # noqa: F401  (registers every table on the metadata)

_EXTENSION = "tracker.engine"
# JIT off for tracker's connections. PostgreSQL compiles a statement whose estimated
# cost passes ``jit_above_cost``, and a reminder batch's re-check at 100,000 actions
# (a few thousand lines joined to their actions) passes even the inlining and
# optimising thresholds: 1.0-1.8 s of compiling for a query that runs in tens of ms,
# every batch. JIT pays for long analytical queries; tracker runs none. A URL that sets
# its own ``options`` keeps them.
_POSTGRESQL_OPTIONS = "-c jit=off"
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine with the per-backend settings tracker relies on."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if "options" not in sa.engine.make_url(url).query:
        connect = {"options": _POSTGRESQL_OPTIONS, **kwargs.pop("connect_args", {})}
        kwargs["connect_args"] = connect
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock at BEGIN."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def get_engine(app: Flask | None = None) -> Engine:
    app = app or current_app
    engine: Engine = app.extensions[_EXTENSION]
    return engine


def new_session(engine: Engine, *, write: bool = False) -> Session:
    return Session(writer(engine) if write else engine, expire_on_commit=False)


@contextmanager
def session_scope(*, write: bool = True, engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work outside a request (commands, jobs): commit, or roll back on error."""
    session = new_session(engine or get_engine(), write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session() -> Session:
    """The session of the current request, opened on first use."""
    if "db_session" not in g:
        write = has_request_context() and request.method in _WRITE_METHODS
        g.db_session = new_session(get_engine(), write=write)
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = create_db_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)
