"""The scheduler's heartbeat: written on every tick, read by pages to warn when it stops."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ..models import SchedulerHeartbeat, dialect_insert, utcnow

JOB_NAME = "reminders"
DEFAULT_INTERVAL_MINUTES = 5
STALE_INTERVALS = 3


@dataclass(frozen=True)
class HeartbeatStatus:
    """How long ago the reminders last ran; ``stale`` after three missed intervals."""

    last_tick_at: dt.datetime | None
    age_minutes: int | None
    interval_minutes: int
    stale: bool
    last_result: dict[str, int]

    @property
    def never_ran(self) -> bool:
        return self.last_tick_at is None


def record_heartbeat(
    session: Session, *, at: dt.datetime, result: dict[str, int], name: str = JOB_NAME
) -> None:
    """Upsert the job's heartbeat row; the caller commits."""
    table = SchedulerHeartbeat.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)
    summary = json.dumps(result, sort_keys=True)[:500]
    statement = insert(table).values(name=name, last_tick_at=at, last_result=summary, ticks=1)
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "last_tick_at": statement.excluded.last_tick_at,
            "last_result": statement.excluded.last_result,
            "ticks": table.c.ticks + 1,
        },
    )
    session.execute(statement)


def scheduler_heartbeat(
    session: Session,
    *,
    now: dt.datetime | None = None,
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    name: str = JOB_NAME,
) -> HeartbeatStatus:
    """The reminders scheduler's last sign of life, for the summary and admin pages.

    A page passes the app's interval (``configured_interval(current_app.config)``):
    this module reads no app of its own, so the scheduler process and tests can use it.
    """
    now = now or utcnow()
    row = session.get(SchedulerHeartbeat, name)
    if row is None:
        return HeartbeatStatus(None, None, interval_minutes, True, {})
    age = max(0, int((now - row.last_tick_at).total_seconds() // 60))
    try:
        result = {k: int(v) for k, v in json.loads(row.last_result or "{}").items()}
    except (ValueError, AttributeError, TypeError):
        result = {}
    return HeartbeatStatus(
        last_tick_at=row.last_tick_at,
        age_minutes=age,
        interval_minutes=interval_minutes,
        stale=now - row.last_tick_at > dt.timedelta(minutes=STALE_INTERVALS * interval_minutes),
        last_result=result,
    )


def configured_interval(config: Mapping[str, Any]) -> int:
    """Minutes between ticks as configured (``SCHEDULER_INTERVAL_MINUTES``), 5 if unset."""
    return int(config.get("SCHEDULER_INTERVAL_MINUTES") or DEFAULT_INTERVAL_MINUTES)
