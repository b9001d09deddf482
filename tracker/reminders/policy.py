"""The reminder policy as pure functions: which thresholds are reached, which one is due.

A threshold ``T`` days before a date ``D`` is reached at 08:00 local time on ``D - T``;
overdue thresholds at 08:00 on ``D + k * every``. The thresholds of one (action, due
date) form a series; on each tick the most recent reached one is due unless it was
already handled, older ones are superseded, and one first seen more than
``STALE_AFTER`` after it was reached is stale, so a scheduler back from a long break
does not flood anyone. Nothing here touches the database, so the preview page can
simulate the coming weeks with the same rules the scheduler uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

REMIND_AT = dt.time(8, 0)
STALE_AFTER = dt.timedelta(days=7)
# Overdue thresholds are generated up to this many periods, a guard against a bad date.
MAX_OVERDUE_PERIODS = 1000


class PolicyError(ValueError):
    """A reminder setting that cannot be used; the message says why."""


@dataclass(frozen=True, order=True)
class Threshold:
    """One point of a series: ``offset_days`` after the reference date, reached at an instant."""

    reached_at: dt.datetime
    offset_days: int


@dataclass(frozen=True)
class Decision:
    """What one tick does with a series: send ``due``, or record it as ``stale``."""

    due: Threshold | None = None
    stale: Threshold | None = None
    superseded: tuple[Threshold, ...] = field(default_factory=tuple)

    @property
    def latest(self) -> Threshold | None:
        return self.due or self.stale


def parse_days(text: str) -> tuple[int, ...]:
    """'90, 30,14' -> (90, 30, 14): positive whole days, largest first, no repeats."""
    values: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) <= 0:
            raise PolicyError(f"{part!r} is not a positive whole number of days")
        values.add(int(part))
    return tuple(sorted(values, reverse=True))


def reached_at(day: dt.date, timezone: str) -> dt.datetime:
    """08:00 on ``day`` in the programme's time zone, as a UTC instant."""
    local = dt.datetime.combine(day, REMIND_AT, tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)


def local_date(now: dt.datetime, timezone: str) -> dt.date:
    return now.astimezone(ZoneInfo(timezone)).date()


def due_series(
    due_on: dt.date,
    *,
    before_days: Sequence[int],
    overdue_every_days: int,
    timezone: str,
    until: dt.datetime,
) -> list[Threshold]:
    """Every threshold of an action's series reached by ``until``, oldest first."""
    thresholds = [
        Threshold(reached_at(due_on - dt.timedelta(days=days), timezone), -days)
        for days in before_days
    ]
    if overdue_every_days > 0:
        for period in range(1, MAX_OVERDUE_PERIODS + 1):
            offset = period * overdue_every_days
            at = reached_at(due_on + dt.timedelta(days=offset), timezone)
            if at > until:
                break
            thresholds.append(Threshold(at, offset))
    return sorted(t for t in thresholds if t.reached_at <= until)


def countdown_series(
    deadline: dt.date, *, countdown_days: Sequence[int], timezone: str, until: dt.datetime
) -> list[Threshold]:
    """The treaty-deadline countdown thresholds reached by ``until``, oldest first."""
    return sorted(
        t
        for t in (
            Threshold(reached_at(deadline - dt.timedelta(days=days), timezone), -days)
            for days in countdown_days
        )
        if t.reached_at <= until
    )


def decide(reached: Sequence[Threshold], now: dt.datetime) -> Decision:
    """The latest reached threshold is due (or stale when too old); older ones are superseded."""
    if not reached:
        return Decision()
    *older, latest = sorted(reached)
    if now - latest.reached_at > STALE_AFTER:
        return Decision(stale=latest, superseded=tuple(older))
    return Decision(due=latest, superseded=tuple(older))


def escalation_week(now: dt.datetime, timezone: str) -> tuple[str, dt.datetime] | None:
    """The ISO week whose escalation digest is due at ``now``, and when it became due.

    The digest is due from Monday 08:00 local time, once per ISO week; a scheduler
    that was down on Monday sends it later that week.
    """
    today = local_date(now, timezone)
    monday = today - dt.timedelta(days=today.weekday())
    at = reached_at(monday, timezone)
    if now < at:
        return None
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}", at


def escalation_reason(
    *,
    due_on: dt.date | None,
    today: dt.date,
    last_event_at: dt.datetime | None,
    now: dt.datetime,
    overdue_days: int,
    idle_days: int,
) -> str | None:
    """'overdue' when at least ``overdue_days`` late, 'idle' when nothing happened for
    ``idle_days``; None when the action need not be escalated."""
    if due_on is not None and (today - due_on).days >= overdue_days:
        return "overdue"
    if last_event_at is None or now - last_event_at >= dt.timedelta(days=idle_days):
        return "idle"
    return None


def is_paused(paused_until: dt.date | None, today: dt.date) -> bool:
    """Reminders are paused up to and including ``paused_until``."""
    return paused_until is not None and today <= paused_until
