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
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

REMIND_AT = dt.time(8, 0)
STALE_AFTER = dt.timedelta(days=7)
# Overdue thresholds are generated up to this many periods, a guard against a bad date.
MAX_OVERDUE_PERIODS = 1000
# The "next reminder" instant of a series with no threshold left (or of a closed action):
# far enough that no tick selects it, and not NULL, which means "compute again".
NEVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


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


@functools.lru_cache(maxsize=512)
def _zone(timezone: str) -> ZoneInfo:
    """The zone, kept: ``ZoneInfo``'s own cache holds the 8 last used, and a planning pass
    over programmes in 15 zones read the zone files again for most of them."""
    return ZoneInfo(timezone)


def reached_at(day: dt.date, timezone: str) -> dt.datetime:
    """08:00 on ``day`` in the programme's time zone, as a UTC instant."""
    local = dt.datetime.combine(day, REMIND_AT, tzinfo=_zone(timezone))
    return local.astimezone(dt.UTC)


def threshold(reference: dt.date, offset_days: int, timezone: str) -> Threshold:
    """The threshold ``offset_days`` after ``reference`` (before it when negative), reached
    at 08:00 local on its day: every series' points are made here."""
    return Threshold(reached_at(reference + dt.timedelta(days=offset_days), timezone), offset_days)


def local_date(now: dt.datetime, timezone: str) -> dt.date:
    return now.astimezone(_zone(timezone)).date()


def _overdue_period(due_on: dt.date, every: int, timezone: str, now: dt.datetime) -> int:
    """The last overdue period reached at ``now`` (0 when none), by arithmetic, not by
    enumerating years of weekly thresholds."""
    if every <= 0:
        return 0
    period = (local_date(now, timezone) - due_on).days // every
    if period >= 1 and reached_at(due_on + dt.timedelta(days=period * every), timezone) > now:
        period -= 1  # today's threshold, not reached before 08:00
    return max(0, min(period, MAX_OVERDUE_PERIODS))


def due_series(
    due_on: dt.date,
    *,
    before_days: Sequence[int],
    overdue_every_days: int,
    timezone: str,
    until: dt.datetime,
    since: dt.datetime | None = None,
) -> list[Threshold]:
    """The thresholds of an action's series reached by ``until`` (and after ``since``),
    oldest first."""
    thresholds = [threshold(due_on, -days, timezone) for days in before_days]
    first = 1 if since is None else _overdue_period(due_on, overdue_every_days, timezone, since) + 1
    last = _overdue_period(due_on, overdue_every_days, timezone, until)
    for period in range(first, last + 1):
        thresholds.append(threshold(due_on, period * overdue_every_days, timezone))
    return sorted(
        t for t in thresholds if t.reached_at <= until and (since is None or t.reached_at > since)
    )


def latest_reached(
    due_on: dt.date,
    *,
    before_days: Sequence[int],
    overdue_every_days: int,
    timezone: str,
    now: dt.datetime,
) -> Threshold | None:
    """The most recent threshold of the series reached at ``now``, in constant time."""
    period = _overdue_period(due_on, overdue_every_days, timezone, now)
    if period:
        return threshold(due_on, period * overdue_every_days, timezone)
    reached = [threshold(due_on, -days, timezone) for days in before_days]
    return max((t for t in reached if t.reached_at <= now), default=None)


def next_threshold_at(
    due_on: dt.date,
    *,
    before_days: Sequence[int],
    overdue_every_days: int,
    timezone: str,
    now: dt.datetime,
) -> dt.datetime:
    """When the series next reaches a threshold after ``now``; ``NEVER`` when it will not."""
    found = next_threshold(
        due_on,
        before_days=before_days,
        overdue_every_days=overdue_every_days,
        timezone=timezone,
        now=now,
    )
    return found.reached_at if found is not None else NEVER


def next_threshold(
    due_on: dt.date,
    *,
    before_days: Sequence[int],
    overdue_every_days: int,
    timezone: str,
    now: dt.datetime,
) -> Threshold | None:
    """The series' next threshold after ``now``, with its offset; None when none is left."""
    upcoming = [threshold(due_on, -days, timezone) for days in before_days]
    period = _overdue_period(due_on, overdue_every_days, timezone, now) + 1
    if overdue_every_days > 0 and period <= MAX_OVERDUE_PERIODS:
        upcoming.append(threshold(due_on, period * overdue_every_days, timezone))
    return min((t for t in upcoming if t.reached_at > now), default=None)


def skipped_between(
    reached: Sequence[Threshold] | None,
    latest: Threshold,
    recorded_offset: int | None,
    *,
    due_on: dt.date | None = None,
    before_days: Sequence[int] = (),
    overdue_every_days: int = 0,
    timezone: str = "UTC",
) -> tuple[Threshold, ...]:
    """The thresholds a new ``latest`` supersedes: those after the last recorded one.

    ``reached`` lists a short series (a programme's countdown, a handful of thresholds)
    in full, and all of its older thresholds count when nothing is recorded yet. An
    action's series is computed from its due date and the policy instead, and when
    nothing is recorded yet (``recorded_offset`` None) it supersedes nothing: its older
    thresholds predate the tracking of the series, and recording each of them would
    write years of weekly rows for every action that has been late a long time.
    """
    if recorded_offset is None and reached is not None:
        return tuple(t for t in reached if t.offset_days < latest.offset_days)
    if recorded_offset is None or recorded_offset >= latest.offset_days:
        return ()
    if reached is None:
        assert due_on is not None
        thresholds = [threshold(due_on, -days, timezone) for days in before_days]
        if overdue_every_days > 0:
            first = max(1, recorded_offset // overdue_every_days + 1)
            last = latest.offset_days // overdue_every_days
            for period in range(first, last + 1):
                thresholds.append(threshold(due_on, period * overdue_every_days, timezone))
        reached = thresholds
    return tuple(sorted(t for t in reached if recorded_offset < t.offset_days < latest.offset_days))


def countdown_series(
    deadline: dt.date, *, countdown_days: Sequence[int], timezone: str, until: dt.datetime
) -> list[Threshold]:
    """The treaty-deadline countdown thresholds reached by ``until``, oldest first."""
    return sorted(
        t
        for t in (threshold(deadline, -days, timezone) for days in countdown_days)
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


@dataclass(frozen=True)
class SeriesClock:
    """A programme's policy at one instant, answering ``latest_reached`` and
    ``next_threshold_at`` for many due dates with day arithmetic.

    A threshold is reached at 08:00 local time on its day, so whether it is reached
    depends only on its day against the programme's local today (and, on that very
    day, on whether 08:00 has passed); the UTC instant is computed for the thresholds
    a planning pass keeps, not for every one it considers. The same answers as the
    two functions above (``tests/test_reminders_policy.py`` compares them).
    """

    before_days: tuple[int, ...]
    overdue_every_days: int
    timezone: str
    now: dt.datetime
    today: dt.date
    passed_today: bool

    @classmethod
    def at(
        cls, now: dt.datetime, *, before_days: Sequence[int], overdue_every_days: int, timezone: str
    ) -> SeriesClock:
        today = local_date(now, timezone)
        return cls(
            tuple(sorted(before_days, reverse=True)), overdue_every_days, timezone, now,
            today, reached_at(today, timezone) <= now,
        )  # fmt: skip

    def _reached(self, day: dt.date) -> bool:
        return day < self.today or (day == self.today and self.passed_today)

    def _period(self, due_on: dt.date) -> int:
        every = self.overdue_every_days
        if every <= 0:
            return 0
        period = (self.today - due_on).days // every
        if period >= 1 and not self._reached(due_on + dt.timedelta(days=period * every)):
            period -= 1
        return max(0, min(period, MAX_OVERDUE_PERIODS))

    def latest(self, due_on: dt.date) -> int | None:
        """The offset (days after ``due_on``) of the latest reached threshold, or None."""
        period = self._period(due_on)
        if period:
            return period * self.overdue_every_days
        for days in reversed(self.before_days):  # the nearest first: 1, 7, 14...
            if self._reached(due_on - dt.timedelta(days=days)):
                return -days
        return None

    def next_at(self, due_on: dt.date) -> dt.datetime:
        """When the series next reaches a threshold; ``NEVER`` when it will not."""
        for days in self.before_days:  # the farthest first: 90, 30...
            day = due_on - dt.timedelta(days=days)
            if not self._reached(day):
                return reached_at(day, self.timezone)
        period = self._period(due_on) + 1
        if self.overdue_every_days > 0 and period <= MAX_OVERDUE_PERIODS:
            return reached_at(due_on + dt.timedelta(days=period * self.overdue_every_days),
                              self.timezone)  # fmt: skip
        return NEVER


def skipped_when_on_track(
    due_on: dt.date,
    *,
    before_days: Sequence[int],
    overdue_every_days: int,
    timezone: str,
    now: dt.datetime,
) -> Threshold | None:
    """The threshold an owner's "On track" from a reminder skips (issue 18): exactly the
    next one after ``now``, except the one-day reminder and the first overdue one, which
    are never skipped (None then, and when no threshold is left)."""
    following = next_threshold(
        due_on,
        before_days=before_days,
        overdue_every_days=overdue_every_days,
        timezone=timezone,
        now=now,
    )
    if following is None or following.offset_days == -1:
        return None
    if overdue_every_days > 0 and following.offset_days == overdue_every_days:
        return None
    return following
