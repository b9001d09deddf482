"""The pure reminder policy: thresholds, series, superseded and stale, escalation weeks."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.reminders import policy

PP = "Asia/Phnom_Penh"  # UTC+7, no daylight saving
BEFORE = (90, 30, 14, 7, 1)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def series(due: dt.date, until: dt.datetime) -> list[policy.Threshold]:
    return policy.due_series(
        due, before_days=BEFORE, overdue_every_days=7, timezone=PP, until=until
    )


def test_threshold_is_reached_at_eight_local_time() -> None:
    """A threshold is reached at 08:00 in Phnom Penh, 01:00 UTC, not before."""
    due = dt.date(2025, 12, 31)
    assert [t.offset_days for t in series(due, utc(2025, 12, 24, 0, 59))] == [-90, -30, -14]
    assert [t.offset_days for t in series(due, utc(2025, 12, 24, 1, 0))] == [-90, -30, -14, -7]


def test_overdue_thresholds_every_seven_days_after_due() -> None:
    """After the due date the series continues at D+7, D+14, ... ."""
    due = dt.date(2025, 1, 1)
    offsets = [t.offset_days for t in series(due, utc(2025, 1, 22, 2))]
    assert offsets == [-90, -30, -14, -7, -1, 7, 14, 21]


def test_latest_reached_threshold_is_due_and_older_superseded() -> None:
    """A scheduler back after two days sends the latest threshold, supersedes the others."""
    due = dt.date(2025, 12, 31)
    now = utc(2025, 12, 26, 2)
    decision = policy.decide(series(due, now), now)
    assert decision.due is not None and decision.due.offset_days == -7
    assert [t.offset_days for t in decision.superseded] == [-90, -30, -14]
    assert decision.stale is None


def test_threshold_first_seen_after_seven_days_is_stale() -> None:
    """More than seven days after a threshold was reached it is recorded stale, not sent."""
    due = dt.date(2025, 12, 31)
    on_time = policy.decide(series(due, utc(2025, 12, 8, 1)), utc(2025, 12, 8, 1))
    late = policy.decide(series(due, utc(2025, 12, 8, 1, 1)), utc(2025, 12, 8, 1, 1))
    assert on_time.due is not None and on_time.due.offset_days == -30
    assert late.due is None and late.stale is not None and late.stale.offset_days == -30


def test_no_threshold_reached_means_nothing() -> None:
    """Far from the due date nothing is due."""
    assert (
        policy.decide(series(dt.date(2030, 12, 31), utc(2025, 9, 1)), utc(2025, 9, 1)).latest
        is None
    )


def test_countdown_counts_back_from_the_deadline() -> None:
    """Countdown thresholds are 365..7 days before the deadline at 08:00 local."""
    reached = policy.countdown_series(
        dt.date(2025, 12, 31), countdown_days=(365, 180, 90, 30, 7), timezone=PP,
        until=utc(2025, 10, 2, 1),
    )  # fmt: skip
    assert [(t.offset_days, t.reached_at) for t in reached][-1] == (-90, utc(2025, 10, 2, 1))
    assert [t.offset_days for t in reached] == [-365, -180, -90]


def test_escalation_week_starts_monday_eight_local() -> None:
    """The escalation digest of an ISO week is due from Monday 08:00 local time."""
    assert policy.escalation_week(utc(2025, 9, 1, 0, 30), PP) is None
    assert policy.escalation_week(utc(2025, 9, 1, 1), PP) == ("2025-W36", utc(2025, 9, 1, 1))
    assert policy.escalation_week(utc(2025, 9, 5, 12), PP) == ("2025-W36", utc(2025, 9, 1, 1))
    assert policy.escalation_week(utc(2025, 12, 29, 3), PP) == ("2026-W01", utc(2025, 12, 29, 1))


def test_escalation_reasons() -> None:
    """Overdue 14 days or more, or no event for 60 days, escalates an action."""
    now = utc(2025, 9, 1, 2)
    today = dt.date(2025, 9, 1)
    recent = utc(2025, 8, 20)

    def reason(due: dt.date | None, last: dt.datetime | None) -> str | None:
        return policy.escalation_reason(
            due_on=due, today=today, last_event_at=last, now=now, overdue_days=14, idle_days=60
        )

    assert reason(dt.date(2025, 8, 18), recent) == "overdue"
    assert reason(dt.date(2025, 8, 19), recent) is None
    assert reason(dt.date(2026, 1, 1), utc(2025, 7, 3, 2)) == "idle"
    assert reason(dt.date(2026, 1, 1), utc(2025, 7, 3, 3)) is None


def test_parse_days_orders_and_refuses_bad_values() -> None:
    """Day lists are read largest first; a non-number is refused with its value."""
    assert policy.parse_days("7, 90,30,,7") == (90, 30, 7)
    with pytest.raises(policy.PolicyError, match="'-3'"):
        policy.parse_days("30,-3")


def test_pause_includes_its_last_day() -> None:
    """Reminders paused until a date stay paused on that date and resume the day after."""
    until = dt.date(2025, 10, 10)
    assert policy.is_paused(until, dt.date(2025, 10, 10))
    assert not policy.is_paused(until, dt.date(2025, 10, 11))
    assert not policy.is_paused(None, dt.date(2025, 10, 11))


@pytest.mark.parametrize("zone", [PP, "Europe/London", "America/Bogota", "Pacific/Chatham"])
def test_series_clock_answers_as_the_threshold_functions(zone: str) -> None:
    """The planner's day arithmetic gives the same latest and next thresholds, DST included."""
    import random

    rng = random.Random(zone)
    for _ in range(400):
        now = utc(2025, 3, 1) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 300))
        due = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
        rules = {"before_days": BEFORE, "overdue_every_days": rng.choice([0, 7, 10]),
                 "timezone": zone}  # fmt: skip
        clock = policy.SeriesClock.at(now, **rules)  # type: ignore[arg-type]
        latest = policy.latest_reached(due, now=now, **rules)  # type: ignore[arg-type]
        assert clock.latest(due) == (latest.offset_days if latest else None), (now, due)
        assert clock.next_at(due) == policy.next_threshold_at(due, now=now, **rules)  # type: ignore[arg-type]
