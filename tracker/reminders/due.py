"""The planning pass: which actions reached a threshold at ``now``, into a temporary table.

Only the actions whose next threshold has come (``ReminderSchedule.next_at``), or that
changed since (``next_at`` NULL, or no schedule row), are read, and in SQL: one
``INSERT ... SELECT`` copies them into the connection's temporary ``reminder_scan`` table.
What a threshold depends on is the programme's policy and the action's due date, never
the action itself, so the day arithmetic (``policy.SeriesClock``: time zones and daylight
saving, which SQLite cannot compute) is done once per (programme, due date) of the
scanned open actions, a few thousand at most, into the temporary ``reminder_day`` table;
one ``INSERT ... SELECT`` joins the two into ``reminder_due``, one row per action, never
one per line, and no action row passes through Python. The next instants go into
``reminder_schedule`` in one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE``; the lines
are made from ``reminder_due`` in SQL by ``lines``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import OPEN_STATUSES, Programme, ReminderSchedule, UTCDateTime, dialect_insert
from . import policy

_tables = sa.MetaData()
# Temporary tables live in the planning connection only; ``reset`` drops them (if left
# over) before each use and the pass drops them after; a failed pass rolls them back
# (both backends' DDL is transactional). No ``postgresql_on_commit``: a ``postgresql_``
# keyword makes SQLAlchemy import that dialect with this module, at every command's start.
SCAN = sa.Table(
    "reminder_scan",
    _tables,
    sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("programme_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_on", sa.Date),
    sa.Column("generation", sa.Integer),  # the schedule row's, as read (NULL: no row)
    prefixes=["TEMPORARY"],
)
DAY = sa.Table(
    "reminder_day",
    _tables,
    sa.Column("programme_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("due_on", sa.Date, primary_key=True),
    sa.Column("next_at", UTCDateTime, nullable=False),
    # The latest reached threshold of a series with this due date (NULL when none is).
    sa.Column("offset_days", sa.Integer),
    sa.Column("reached_at", UTCDateTime),
    sa.Column("suffix", sa.String(40)),  # ":2025-12-31:-7:u", the key after "a<id>"
    sa.Column("stale", sa.Boolean),
    sa.Column("today", sa.Date),
    sa.Column("prev_offset", sa.Integer),  # the threshold just before it (NULL: none)
    prefixes=["TEMPORARY"],
)
DUE = sa.Table(
    "reminder_due",
    _tables,
    sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.Integer),
    sa.Column("next_at", UTCDateTime, nullable=False),
    # The latest reached threshold (NULL when none is): the line's columns and key.
    sa.Column("due_on", sa.Date),
    sa.Column("offset_days", sa.Integer),
    sa.Column("reached_at", UTCDateTime),
    sa.Column("tail", sa.String(120)),  # "a12:2025-12-31:-7:u", the key after the kind
    sa.Column("stale", sa.Boolean),
    sa.Column("today", sa.Date),  # the programme's local date, for pauses
    # The offset of the threshold just before the latest (NULL when it is the first):
    # only a recipient whose last recorded line is older has thresholds to supersede.
    sa.Column("prev_offset", sa.Integer),
    prefixes=["TEMPORARY"],
)


DUE_COLUMNS = [c.name for c in DUE.columns]


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


def analyze(session: Session, table: sa.Table, *columns: str) -> None:
    """Statistics for a temporary table the next statements join (neither planner
    gathers them by itself, and without them both take the table for a large one).

    On PostgreSQL only of ``columns``, those the joins and filters that follow read:
    sampling is the same, but the statistics of every column of ``reminder_new_line``
    (its keys above all) made ``ANALYZE`` 4-5 times as long (480 against 105 ms for
    55,000 lines at load 8). Its row count comes with any columns, and a joined key with
    a unique index counts as distinct without statistics. SQLite analyses whole tables.
    """
    if columns and session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"ANALYZE {table.name} ({', '.join(columns)})"))
    else:
        session.execute(sa.text(f"ANALYZE {table.name}"))


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


SCHEDULE: sa.Table = ReminderSchedule.__table__  # type: ignore[attr-defined]


def _source(session: Session, alias: str = "s") -> str:
    """``reminder_schedule``, named with its index on SQLite (``INDEXED BY``, which
    SQLAlchemy cannot express): statistics gathered while the column was all NULL, or
    the table empty, would otherwise steer every later tick to a full scan."""
    if session.get_bind().dialect.name == "sqlite":
        return f"reminder_schedule AS {alias} INDEXED BY ix_reminder_schedule_next_at"
    return f"reminder_schedule AS {alias}"


# Whether some action has no schedule row yet (new, or the table emptied): every row
# belongs to one action, so it is a comparison of two counts, each one pass over a small
# index (3 ms on SQLite at 100,000 actions, where the anti-join below takes 210 ms).
_ANY_UNSEEN = "(SELECT count(*) FROM action) > (SELECT count(*) FROM reminder_schedule)"
_UNSEEN = "NOT EXISTS (SELECT 1 FROM reminder_schedule s WHERE s.action_id = action.id)"


def has_due(session: Session, now: dt.datetime) -> bool:
    """Whether any action's next threshold has come, or is to compute again: index
    probes, so that a tick with nothing due makes no temporary table at all."""
    source = _source(session)
    found = session.execute(
        sa.text(
            f"SELECT 1 FROM {source} WHERE next_at IS NULL "  # noqa: S608
            f"UNION ALL SELECT 1 FROM {source} WHERE next_at <= :now "
            f"UNION ALL SELECT 1 WHERE {_ANY_UNSEEN} LIMIT 1"
        ).bindparams(sa.bindparam("now", now, type_=UTCDateTime()))
    ).first()
    return found is not None


def _scan(session: Session, now: dt.datetime) -> int:
    """Copy the actions to look at into ``reminder_scan``: one statement (one snapshot,
    so no action is read twice), each part an index lookup, no ``OR`` (SQLite answers
    the ``OR`` with a full scan); the actions without a row only when there are some.
    Returns how many actions were copied."""
    pick = "SELECT a.id, a.programme_id, a.status, a.due_on, s.generation "
    scheduled = f"FROM {_source(session)} JOIN action a ON a.id = s.action_id WHERE s."
    unseen = ""
    if session.execute(sa.text(f"SELECT {_ANY_UNSEEN}")).scalar():
        unseen = " UNION ALL SELECT id, programme_id, status, due_on, NULL FROM action WHERE "
        unseen += _UNSEEN
    result = session.execute(
        sa.text(
            "INSERT INTO reminder_scan (action_id, programme_id, status, due_on, generation) "
            f"{pick}{scheduled}next_at IS NULL "
            f"UNION ALL {pick}{scheduled}next_at <= :now{unseen}"
        ).bindparams(sa.bindparam("now", now, type_=UTCDateTime()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _day_row(
    programme_id: int, due_on: dt.date, clock: policy.SeriesClock, now: dt.datetime
) -> dict[str, Any]:
    """One ``reminder_day`` row: a series' next instant and latest reached threshold."""
    row: dict[str, Any] = {"programme_id": programme_id, "due_on": due_on,
                           "next_at": clock.next_at(due_on)}  # fmt: skip
    offset = clock.latest(due_on)
    if offset is None:
        return row | {"offset_days": None, "reached_at": None, "suffix": None, "stale": None,
                      "today": None, "prev_offset": None}  # fmt: skip
    at = _reached_at(due_on + dt.timedelta(days=offset), clock.timezone)
    return row | {
        "offset_days": offset,
        "reached_at": at,
        "suffix": f":{due_on.isoformat()}:{offset:+d}:u",
        "stale": now - at > policy.STALE_AFTER,
        "today": clock.today,
        "prev_offset": _previous(clock, offset),
    }


def _previous(clock: policy.SeriesClock, offset: int) -> int | None:
    """The offset of the series' threshold just before ``offset`` (None for the first):
    the overdue period before, else the nearest reminder before the due date."""
    every = clock.overdue_every_days
    if offset > every > 0:
        return offset - every
    if offset > 0:  # the first overdue period: after the last reminder before the date
        candidates = list(clock.before_days)
    else:
        candidates = [days for days in clock.before_days if -days < offset]
    return -min(candidates) if candidates else None


def _plan_days(session: Session, now: dt.datetime) -> None:
    """Fill ``reminder_day`` for the (programme, due date) pairs of the scanned open actions."""
    clocks = _clocks(session, now)
    pairs = session.execute(
        sa.select(SCAN.c.programme_id, SCAN.c.due_on)
        .where(SCAN.c.status.in_(sorted(OPEN_STATUSES)), SCAN.c.due_on.is_not(None))
        .distinct()
    ).all()
    # Programmes with the same policy and zone share the answers for a due date.
    known: dict[tuple[Any, dt.date], dict[str, Any]] = {}
    rows = []
    for programme_id, due_on in pairs:
        clock = clocks[programme_id]
        key = ((clock.before_days, clock.overdue_every_days, clock.timezone), due_on)
        if key not in known:
            known[key] = _day_row(programme_id, due_on, clock, now)
        rows.append(known[key] | {"programme_id": programme_id})
    _insert_days(session, rows)


def _insert_days(session: Session, rows: list[dict[str, Any]]) -> None:
    """The day rows as tuples straight to the driver, each value converted by its column
    type's own bind processor: SQLAlchemy's per-row parameter handling took more time
    than the database for the 18,145 rows of a first tick at 100,000 actions (cProfile
    on SQLite: 0.81 s of ``_plan_days``' 1.52). PostgreSQL takes them by ``COPY``, one
    stream instead of a statement per row (0.25-0.48 s as ``executemany``)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = [column.name for column in DAY.columns]
    convert = [DAY.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    pairs = list(zip(names, convert, strict=True))
    values = [tuple(row[n] if to is None else to(row[n]) for n, to in pairs) for row in rows]
    columns = ", ".join(names)
    if dialect.name == "postgresql":
        cursor: Any = connection.connection.cursor()  # psycopg's, in the session's transaction
        try:
            with cursor.copy(f"COPY reminder_day ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        finally:
            cursor.close()
        return
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(names))
    statement = f"INSERT INTO reminder_day ({columns}) VALUES ({marks})"  # noqa: S608
    connection.exec_driver_sql(statement, values)


def plan_due(
    session: Session, now: dt.datetime, on_scan: Callable[[int], None] | None = None
) -> int:
    """Fill ``reminder_due`` for ``now`` and store each action's next instant.

    Returns how many actions reached a threshold (the rows lines are made from). The
    instant is stored only where the schedule row is still the one read (same
    ``generation``; for an action read without a row, none made since): a change
    committed meanwhile (``journal.reschedule_reminders``) keeps its "compute again".
    """
    reset(session, SCAN, DAY, DUE)
    looked = _scan(session, now)
    if on_scan is not None:
        on_scan(looked)
    # PostgreSQL never analyses a temporary table by itself; without statistics both
    # planners take one for a large table and join it badly.
    analyze(session, SCAN, "programme_id", "status", "due_on")
    _plan_days(session, now)
    analyze(session, DAY)
    open_series = sa.and_(
        DAY.c.programme_id == SCAN.c.programme_id,
        DAY.c.due_on == SCAN.c.due_on,
        SCAN.c.status.in_(sorted(OPEN_STATUSES)),
    )
    never = sa.literal(policy.NEVER, UTCDateTime())
    session.execute(
        sa.insert(DUE).from_select(
            DUE_COLUMNS,
            sa.select(
                SCAN.c.action_id,
                SCAN.c.generation,
                sa.func.coalesce(DAY.c.next_at, never),
                sa.case((DAY.c.offset_days.is_not(None), DAY.c.due_on), else_=sa.null()),
                DAY.c.offset_days,
                DAY.c.reached_at,
                sa.literal("a") + sa.cast(SCAN.c.action_id, sa.String) + DAY.c.suffix,
                DAY.c.stale,
                DAY.c.today,
                DAY.c.prev_offset,
            ).select_from(SCAN.outerjoin(DAY, open_series)),
        )
    )
    drop(session, SCAN, DAY)
    # Statistics for the joins that follow: without them both planners take the
    # temporary table for a large one and scan action (0.7 s with nothing due at 100,000).
    analyze(session, DUE, "due_on", "offset_days", "prev_offset")
    _store_next(session)
    return session.execute(
        sa.select(sa.func.count()).select_from(DUE).where(DUE.c.offset_days.is_not(None))
    ).scalar_one()


def _store_next(session: Session) -> None:
    """Each due action's next instant into ``reminder_schedule``, if its row is as read.

    Two statements rather than one upsert: ``ON CONFLICT DO UPDATE`` locks each row
    before updating it, a third more WAL records than this ``UPDATE ... FROM``. A row
    rescheduled meanwhile has a new generation and keeps its NULL; an action read
    without a row gets one unless a reschedule (or another tick) made it first.
    """
    session.execute(
        sa.update(SCHEDULE)
        .where(
            SCHEDULE.c.action_id == DUE.c.action_id,
            SCHEDULE.c.generation == DUE.c.generation,
        )
        .values(next_at=DUE.c.next_at)
    )
    unseen = sa.select(DUE.c.action_id, DUE.c.next_at, sa.literal(0)).where(
        DUE.c.generation.is_(None)
    )
    session.execute(
        dialect_insert(session)(SCHEDULE)
        .from_select(["action_id", "next_at", "generation"], unseen)
        .on_conflict_do_nothing(index_elements=["action_id"])
    )
