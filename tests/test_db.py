"""The engine's per-backend settings that the reminder tick's timings rely on."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.db import create_db_engine


def _setting(url: str, name: str) -> str:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql(f"SHOW {name}").scalar())
    finally:
        engine.dispose()


def test_postgresql_connections_compile_no_statement(pg_database: str) -> None:
    # A batch's re-check JIT-compiled for 1.0-1.8 s once the lines' statistics counted
    # many planned lines (delivery after an outage: 10-14 s against 6-8 s without).
    assert _setting(pg_database, "jit") == "off"


def test_a_url_with_its_own_options_keeps_them(pg_database: str) -> None:
    url = sa.engine.make_url(pg_database).update_query_dict({"options": "-c jit=on"})
    assert _setting(url.render_as_string(hide_password=False), "jit") == "on"
