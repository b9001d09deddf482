"""The migrations build the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlmodel import SQLModel

from tracker import migrate
from tracker.db import get_engine


def test_migrated_schema_matches_models(app: Flask) -> None:
    """After upgrading, autogenerate finds nothing to change (no drift)."""
    with get_engine(app).connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"},
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_database_is_at_the_single_head(app: Flask) -> None:
    """There is one head revision and the database stands on it."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    with get_engine(app).connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == heads[0]


def test_upgrade_twice_is_harmless(app: Flask) -> None:
    """init-db on an up-to-date database changes nothing and does not fail."""
    migrate.upgrade(get_engine(app))
    migrate.upgrade(get_engine(app))


def test_reminder_lines_leave_room_for_in_place_updates_on_postgresql(app: Flask) -> None:
    """0020: PostgreSQL fills reminder_line's pages to 70 %, so marking a line sent can
    rewrite it on its own page without touching the table's seven indexes."""
    engine = get_engine(app)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no fill factor: it rewrites a row where it lies")
    with engine.connect() as conn:
        options = conn.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE relname = 'reminder_line'"
        ).scalar()
    assert options == ["fillfactor=70"]
