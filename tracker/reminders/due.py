"""The planning pass: which actions reached a threshold at ``now``, into a temporary table.

Only the actions whose next threshold has come, or that changed since (``next_reminder_at``
NULL), are read, and in SQL: one ``INSERT ... SELECT`` copies them into the connection's
temporary ``reminder_scan`` table. That table is then read a chunk at a time; for each
action the latest reached threshold and the next instant are worked out by day
arithmetic (``policy.SeriesClock``: time zones and daylight saving, which SQLite cannot
compute) and written to the temporary ``reminder_due`` table, one row per action, never
one per line. The next instants go back onto the actions in one ``UPDATE ... FROM``;
the lines are made from ``reminder_due`` in SQL by ``lines``.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import OPEN_STATUSES, Action, Programme, UTCDateTime
from . import policy

CHUNK = 2000
_tables = sa.MetaData()
# Temporary tables live in the planning connection only, and go with its transaction
# on PostgreSQL; ``reset`` drops them before and after each use on both backends.
SCAN = sa.Table(
    "reminder_scan",
    _tables,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, nullable=False),
    sa.Column("programme_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_on", sa.Date),
    sa.Column("version", sa.Integer, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
DUE = sa.Table(
    "reminder_due",
    _tables,
    sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("next_at", UTCDateTime, nullable=False),
    # The latest reached threshold (NULL when none is): the line's columns and key.
    sa.Column("due_on", sa.Date),
    sa.Column("offset_days", sa.Integer),
    sa.Column("reached_at", UTCDateTime),
    sa.Column("tail", sa.String(120)),  # "a12:2025-12-31:-7:u", the key after the kind
    sa.Column("stale", sa.Boolean),
    sa.Column("today", sa.Date),  # the programme's local date, for pauses
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def reset(session: Session, *tables: sa.Table) -> None:
    """Drop (if left over) and create the temporary tables on the session's connection."""
    connection = session.connection()
    for table in tables:
        table.drop(connection, checkfirst=True)
        table.create(connection)


def drop(session: Session, *tables: sa.Table) -> None:
    connection = session.connection()
    for table in tables:
        table.drop(connection, checkfirst=True)


@functools.lru_cache(maxsize=65536)
def _reached_at(day: dt.date, timezone: str) -> dt.datetime:
    return policy.reached_at(day, timezone)


def _clocks(session: Session, now: dt.datetime) -> dict[int, policy.SeriesClock]:
    rows = session.execute(
        sa.select(
            Programme.id,  # type: ignore[call-overload]
            Programme.remind_before_days,
            Programme.remind_overdue_every_days,
            Programme.timezone,
        )
    )
    return {
        programme_id: policy.SeriesClock.at(
            now,
            before_days=policy.parse_days(before),
            overdue_every_days=every,
            timezone=timezone,
        )
        for programme_id, before, every, timezone in rows
    }


def _scan(session: Session, now: dt.datetime) -> None:
    """Copy the actions to look at into ``reminder_scan``: two index lookups, no ``OR``.

    (SQLite answers the ``OR`` with a full scan.) On SQLite the index is named
    (``INDEXED BY``, which SQLAlchemy cannot express): statistics gathered while the
    column was all NULL, right after the migration or a bulk load, would otherwise
    steer every later tick to a full scan.
    """
    hinted = session.get_bind().dialect.name == "sqlite"
    source = "action INDEXED BY ix_action_next_reminder_at" if hinted else "action"
    into = "INSERT INTO reminder_scan (action_id, programme_id, status, due_on, version) "
    pick = f"SELECT id, programme_id, status, due_on, version FROM {source} "  # noqa: S608
    session.execute(sa.text(into + pick + "WHERE next_reminder_at IS NULL"))
    session.execute(
        sa.text(into + pick + "WHERE next_reminder_at <= :now").bindparams(
            sa.bindparam("now", now, type_=UTCDateTime())
        )
    )


def _due_row(row: Any, clock: policy.SeriesClock, now: dt.datetime) -> dict[str, Any]:
    """One ``reminder_due`` row: the action's next instant and its latest reached threshold."""
    out: dict[str, Any] = {"action_id": row.action_id, "version": row.version}
    nothing = {"due_on": None, "offset_days": None, "reached_at": None, "tail": None,
               "stale": None, "today": None}  # fmt: skip
    if row.status not in OPEN_STATUSES or row.due_on is None:
        return out | nothing | {"next_at": policy.NEVER}
    out["next_at"] = clock.next_at(row.due_on)
    offset = clock.latest(row.due_on)
    if offset is None:
        return out | nothing
    at = _reached_at(row.due_on + dt.timedelta(days=offset), clock.timezone)
    return out | {
        "due_on": row.due_on,
        "offset_days": offset,
        "reached_at": at,
        "tail": f"a{row.action_id}:{row.due_on.isoformat()}:{offset:+d}:u",
        "stale": now - at > policy.STALE_AFTER,
        "today": clock.today,
    }


def plan_due(session: Session, now: dt.datetime) -> int:
    """Fill ``reminder_due`` for ``now`` and store each action's next instant.

    Returns how many actions reached a threshold (the rows lines are made from). The
    update keeps a concurrent change's NULL ("compute again") through the version
    condition, and touches neither ``version`` nor ``updated_at``, so it never
    conflicts with someone editing.
    """
    reset(session, SCAN, DUE)
    _scan(session, now)
    clocks = _clocks(session, now)
    last = 0
    while True:
        rows = session.execute(
            sa.select(SCAN).where(SCAN.c.n > last).order_by(SCAN.c.n).limit(CHUNK)
        ).all()
        if not rows:
            break
        last = rows[-1].n
        # Statuses are read as stored strings; the enum's members compare equal to them.
        batch = [_due_row(row, clocks[row.programme_id], now) for row in rows]
        session.execute(sa.insert(DUE), batch)
    drop(session, SCAN)
    # Statistics for the joins that follow: without them both planners take the
    # temporary table for a large one and scan action (0.7 s with nothing due at 100,000).
    session.execute(sa.text("ANALYZE reminder_due"))
    action: sa.Table = Action.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(action)
        .where(action.c.id == DUE.c.action_id, action.c.version == DUE.c.version)
        .values(next_reminder_at=DUE.c.next_at)
    )
    return session.execute(
        sa.select(sa.func.count()).select_from(DUE).where(DUE.c.offset_days.is_not(None))
    ).scalar_one()
