"""The lines one planning pass makes, gathered before any reaches ``reminder_line``.

Every statement that makes lines (owners', organisations', unassigned, escalation,
countdown, verification, superseded) inserts them into the connection's temporary
``reminder_new_line`` table, under the same unique key as the outbox's. ``grouping``
then drops the keys already recorded, makes one message per recipient, and inserts
the lines into ``reminder_line`` with their message already set, in one
``INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING``: each line is written once, where
inserting them bare and then giving each its message rewrote every new line (and all
its indexes) a second time (half the planning time on PostgreSQL at 100,000 actions).

The table is made on first use in a pass, so a tick that makes no line makes no table.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import ReminderLine, UTCDateTime, dialect_insert
from .due import analyze, drop, reset

LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
COLUMNS = [
    "key", "recipient_user_id", "kind", "programme_id", "action_id", "due_on",
    "offset_days", "reached_at", "state", "reason", "planned_at",
]  # fmt: skip
NEW = sa.Table(
    "reminder_new_line",
    sa.MetaData(),
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),  # the order made
    sa.Column("key", sa.String(200), nullable=False, unique=True),
    sa.Column("recipient_user_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("programme_id", sa.Integer),
    sa.Column("action_id", sa.Integer),
    sa.Column("due_on", sa.Date),
    sa.Column("offset_days", sa.Integer, nullable=False),
    sa.Column("reached_at", UTCDateTime, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(200)),
    sa.Column("planned_at", UTCDateTime, nullable=False),
    prefixes=["TEMPORARY"],
)
_MADE = "reminder_new_line"  # session.info flag: the table exists in this pass


def insert_ignoring(insert: Any, table: sa.Table, select: sa.Select[Any] | None = None) -> Any:
    """``INSERT INTO table [SELECT ...] ON CONFLICT (key) DO NOTHING`` with the backend's
    ``insert`` (``models.dialect_insert``)."""
    statement = insert(table)
    if select is not None:
        statement = statement.from_select(COLUMNS, select)
    return statement.on_conflict_do_nothing(index_elements=["key"])


def begin(session: Session) -> None:
    """A planning pass starts: no table yet (a failed pass may have left one: ``made``
    drops it first)."""
    session.info.pop(_MADE, None)


def made(session: Session) -> bool:
    return bool(session.info.get(_MADE))


def ensure(session: Session) -> None:
    """Make the table, once per pass, before the first line goes in."""
    if not made(session):
        reset(session, NEW)
        session.info[_MADE] = True


def finish(session: Session) -> None:
    if made(session):
        drop(session, NEW)
    session.info.pop(_MADE, None)


def execute(session: Session, statement: Any, values: Any = None) -> int:
    """Run an INSERT into the table (made first); rows inserted."""
    ensure(session)
    options = {"preserve_rowcount": True}  # SQLAlchemy keeps an INSERT's count only if asked
    connection = session.connection()
    if values is None:
        done = connection.execute(statement, execution_options=options)
    else:
        done = connection.execute(statement, values, execution_options=options)
    return max(0, int(done.rowcount or 0))


def insert_select(session: Session, select: sa.Select[Any]) -> int:
    """The lines ``select`` gives (``COLUMNS``, in order), if absent; rows inserted."""
    return execute(session, insert_ignoring(dialect_insert(session), NEW, select))


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    """A few lines computed in Python (superseded thresholds), if absent."""
    if not rows:
        return 0
    return execute(session, insert_ignoring(dialect_insert(session), NEW), rows)


def prune(session: Session) -> int:
    """Drop the lines already recorded (by an earlier tick); how many are left."""
    if not made(session):
        return 0
    analyze(session, NEW, "recipient_user_id", "kind", "state")
    session.execute(sa.delete(NEW).where(sa.exists().where(LINE.c.key == NEW.c.key)))
    return int(session.execute(sa.select(sa.func.count()).select_from(NEW)).scalar_one())
