"""Alembic environment: runs on the connection tracker hands it, or on a URL.

Batch mode on SQLite (it cannot ALTER most things), the naming convention of
``tracker.models`` so constraints have stable names, and type comparison so the
drift test notices a changed column.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from tracker import models  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from tracker.db import create_db_engine

    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run 'flask --app tracker init-db'")
run_migrations_online()
