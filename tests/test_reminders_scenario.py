"""The Cambodia season, day by day from 1 Sep 2025 to 31 Jan 2026, through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from flask import Flask
from sqlmodel import Session

from tests.reminder_scenario import (
    dangling_references,
    load_cambodia,
    record_2030_extension,
    rows_named,
    set_status,
)
from tracker.db import get_engine
from tracker.mail import MailSettings
from tracker.models import Status, User
from tracker.reminders.tick import run_tick

UTC = dt.UTC
FIRST, LAST = dt.date(2025, 9, 1), dt.date(2026, 1, 31)
TICK_AT = dt.time(2, 0)  # 09:00 in Phnom Penh


def days(first: dt.date, last: dt.date, weekday: int | None = None) -> list[dt.date]:
    out = []
    day = first
    while day <= last:
        if weekday is None or day.weekday() == weekday:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def expected_mails() -> dict[dt.date, list[tuple[str, tuple[str, ...]]]]:
    """What the story says each person receives, written out from the calendar."""
    coordinator, qa, im, liaison = (
        "coordinator@cmaa.example", "qa@cmaa.example", "im@cmaa.example", "liaison@mfaic.example",
    )  # fmt: skip
    mails: dict[dt.date, dict[str, set[str]]] = {day: {} for day in days(FIRST, LAST)}

    def add(day: dt.date, who: str, *items: str) -> None:
        mails[day].setdefault(who, set()).update(items)

    # Action 1 (coordinator's own, due Tue 31 Dec 2024): overdue every Tuesday, and on the
    # first tick the threshold of Tue 26 Aug (six days earlier) is still fresh enough.
    add(FIRST, coordinator, "own:1")
    for tuesday in days(FIRST, LAST, weekday=1):
        add(tuesday, coordinator, "own:1")
    # Action 4 (QA, due Mon 30 Sep 2024): overdue every Monday until it is implemented
    # on Thu 20 Nov 2025.
    for monday in days(FIRST, dt.date(2025, 11, 20), weekday=0):
        add(monday, qa, "own:4")
    # Escalation digest every Monday: 1 and 4 overdue 14+ days, 2 idle since Oct 2023,
    # 5 idle from 27 Oct (last update 27 Aug); 2 and 5 leave it when the extension moves
    # them (an event), 4 when implemented.
    for monday in days(FIRST, LAST, weekday=0):
        listed = {"esc:1"}
        if monday < dt.date(2025, 11, 20):
            listed.add("esc:4")
        if monday < dt.date(2025, 12, 5):
            listed.add("esc:2")
            if monday >= dt.date(2025, 10, 27):
                listed.add("esc:5")
        add(monday, coordinator, *listed)
    # 90 days before 31 Dec 2025 (Thu 2 Oct): the countdown and action 2; IM is paused
    # until 5 Oct, so action 5's reminder is skipped.
    add(dt.date(2025, 10, 2), coordinator, "countdown:90")
    add(dt.date(2025, 10, 2), liaison, "own:2")
    # 30 days before (Mon 1 Dec): countdown, actions 2 and 5.
    add(dt.date(2025, 12, 1), coordinator, "countdown:30")
    add(dt.date(2025, 12, 1), liaison, "own:2")
    add(dt.date(2025, 12, 1), im, "own:5")
    # From 5 Dec the deadline is 31 Dec 2030: no 14/7/1-day reminders, no 7-day countdown.
    # An action is listed once per mail: the coordinator's own action 1, due for escalation
    # on the same day (Mon 1 Sep), stays under "Your actions" only.
    for per_day in mails.values():
        if "own:1" in per_day.get(coordinator, set()):
            per_day[coordinator].discard("esc:1")
    return {
        day: sorted((who, tuple(sorted(items))) for who, items in per_day.items())
        for day, per_day in mails.items()
    }


SECTION = re.compile(r"^(Your actions|Unassigned actions|Escalation|Treaty deadline countdown)")


def describe(message: Any, numbers: dict[int, int]) -> tuple[str, tuple[str, ...]]:
    """A received mail as (recipient, sorted items such as 'own:1', 'esc:2', 'countdown:90')."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    items: list[str] = []
    section = ""
    for line in text.splitlines():
        if match := SECTION.match(line):
            section = {"Your actions": "own", "Unassigned actions": "unassigned",
                       "Escalation": "esc"}.get(match.group(1), "countdown")  # fmt: skip
        elif link := re.search(r"/actions/(\d+)$", line.strip()):
            items.append(f"{section}:{numbers[int(link.group(1))]}")
        elif section == "countdown" and (left := re.search(r"\((\d+) days left\)", line)):
            items.append(f"countdown:{left.group(1)}")
    return str(message["To"]), tuple(sorted(items))


def test_cambodia_season_day_by_day(app: Flask, session: Session, smtp_server: Any) -> None:
    """Each day of the season brings exactly the mails the story expects, and no other."""
    story = load_cambodia(session)
    im = story.users["im@cmaa.example"]
    im.reminders_paused_until = dt.date(2025, 10, 5)
    im.reminders_pause_reason = "Field mission"
    session.add(im)
    session.commit()
    numbers = {a.id: n for n, a in story.actions.items()}
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)

    received: dict[dt.date, list[tuple[str, tuple[str, ...]]]] = {}
    timings: list[float] = []
    skipped = 0
    for day in days(FIRST, LAST):
        if day == dt.date(2025, 12, 5):
            moved = record_2030_extension(
                session, story.programme, dt.datetime(2025, 12, 5, 1, 30, tzinfo=UTC)
            )
            assert moved == 2  # actions 2 and 5 follow the deadline
        before = len(smtp_server.messages)
        started = time.perf_counter()
        result = run_tick(engine, dt.datetime.combine(day, TICK_AT, UTC), settings)
        timings.append(time.perf_counter() - started)
        assert result.failed == 0 and result.sent == result.planned
        skipped += result.skipped
        received[day] = sorted(describe(m, numbers) for m in smtp_server.messages[before:])
        if day == dt.date(2025, 11, 20):
            session.rollback()
            set_status(session, story.actions[4], Status.implemented,
                       dt.datetime(2025, 11, 20, 3, tzinfo=UTC))  # fmt: skip
            session.commit()

    expected = expected_mails()
    wrong = {
        day: (received[day], expected[day]) for day in expected if received[day] != expected[day]
    }
    assert wrong == {}
    total = sum(len(v) for v in received.values())
    assert total == sum(len(v) for v in expected.values())
    # At most one mail per person per day, never an empty one.
    for mails in received.values():
        recipients = [who for who, _items in mails]
        assert len(recipients) == len(set(recipients))
        assert all(items for _who, items in mails)
    assert skipped > 0  # superseded, stale (the 180-day countdown) and paused lines
    # The rows lines and schedules name exist (no foreign key checks them: 0021, 0022).
    session.rollback()
    assert all(rows_named(session).values())
    assert set(dangling_references(session).values()) == {0}
    slowest = max(timings) * 1000
    print(f"\n{len(timings)} ticks, {total} mails, {sum(timings):.2f}s, max {slowest:.0f}ms")


def test_paused_reminder_is_recorded_not_sent(
    app: Flask, session: Session, smtp_server: Any
) -> None:
    """A paused person gets nothing; the line is recorded as skipped (paused) and counted."""
    from sqlmodel import select

    from tracker.models import LineState, ReminderLine

    story = load_cambodia(session)
    im = session.get(User, story.users["im@cmaa.example"].id)
    assert im is not None
    im.reminders_paused_until = dt.date(2025, 10, 5)
    session.add(im)
    session.commit()
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    result = run_tick(get_engine(app), dt.datetime(2025, 10, 2, 2, tzinfo=UTC), settings)
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "coordinator@cmaa.example", "liaison@mfaic.example", "qa@cmaa.example",
    ]  # fmt: skip
    session.rollback()
    line = session.exec(select(ReminderLine).where(ReminderLine.recipient_user_id == im.id)).one()
    assert (line.state, line.reason, line.offset_days) == (LineState.skipped, "paused", -90)
    assert result.skipped >= 1
