"""The 30-day preview on the Cambodia story: which action reminders the coming weeks hold,
for whom, how late, and the page's link to each action (pinned from the preview as it
was before it read five columns of each open action instead of whole rows)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD
from tests.reminder_scenario import load_cambodia
from tracker.models import LineKind, LineState, Programme, ReminderLine
from tracker.reminders import planner
from tracker.services.journal import reschedule_reminders
from tracker.services.passwords import hash_password

NOW = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)


def test_the_preview_lists_each_weekly_overdue_reminder(session: Session) -> None:
    """From 1 Nov 2025: action 4 (QA, due 30 Jun 2024) and action 1 (the coordinator's, due
    31 Dec 2024) are reminded weekly at 08:00 in Phnom Penh, four times each in 30 days;
    the others are not due a reminder in the window."""
    story = load_cambodia(session)
    session.commit()
    upcoming = planner.upcoming_reminders(session, NOW, days=30)
    own = [
        (u.at.date().isoformat(), u.recipient.email, story.number_of(u.action.id), u.offset_days)
        for u in upcoming
        if u.kind == LineKind.own and u.action is not None
    ]
    assert own == [
        ("2025-11-03", "qa@cmaa.example", 4, 399),
        ("2025-11-04", "coordinator@cmaa.example", 1, 308),
        ("2025-11-10", "qa@cmaa.example", 4, 406),
        ("2025-11-11", "coordinator@cmaa.example", 1, 315),
        ("2025-11-17", "qa@cmaa.example", 4, 413),
        ("2025-11-18", "coordinator@cmaa.example", 1, 322),
        ("2025-11-24", "qa@cmaa.example", 4, 420),
        ("2025-11-25", "coordinator@cmaa.example", 1, 329),
    ]
    assert all(u.at.hour == 1 and not u.paused for u in upcoming)
    first = next(u for u in upcoming if u.action is not None)
    assert first.action is not None and first.detail == first.action.title
    assert first.action.title == story.actions[4].title


def test_the_preview_page_links_each_action(session: Session, client_for: Any) -> None:
    """The coordinator's preview page names each reminded action with a link to its page."""
    story = load_cambodia(session)
    coordinator = story.users["coordinator@cmaa.example"]
    coordinator.password_hash = hash_password(DEFAULT_PASSWORD)
    session.add(coordinator)
    session.commit()
    with time_machine.travel(NOW, tick=False):
        html = client_for(coordinator).get("/reminders/preview").get_data(as_text=True)
    for number in (1, 4):
        action = story.actions[number]
        assert f'<a href="/actions/{action.id}">{action.title}</a>' in html
    assert f'href="/actions/{story.actions[3].id}"' not in html


def _story_with_a_month_of_thresholds(session: Session) -> Any:
    """The story with action 2 due on 20 Nov 2025 (its 14-, 7- and 1-day reminders and its
    first two weekly ones fall in the 35 days) and its owner's reminders paused until
    10 Nov (the 14-day one is skipped)."""
    story = load_cambodia(session)
    action = story.actions[2]
    action.due_on, action.follows_deadline = dt.date(2025, 11, 20), False
    liaison = story.users["liaison@mfaic.example"]
    liaison.reminders_paused_until = dt.date(2025, 11, 10)
    session.add_all([action, liaison])
    reschedule_reminders(session, [action.id or 0])
    session.commit()
    return story


PREVIEWED = (LineKind.own, LineKind.unassigned, LineKind.escalation, LineKind.countdown)


def test_the_preview_and_the_planner_agree_on_every_day(session: Session) -> None:
    """A tick every morning for 35 days plans exactly the reminders the preview listed on
    the first day: the same instants, recipients, kinds, actions and offsets, and the
    same reminders skipped for a pause. The tick before the preview takes what was
    already due (the preview leaves that to it)."""
    story = _story_with_a_month_of_thresholds(session)
    planner.plan_reminders(session, NOW, domain="tracker.test")
    session.commit()
    days = 35
    upcoming = planner.upcoming_reminders(session, NOW, days=days)
    previewed = sorted(
        (
            u.at,
            u.recipient.id,
            u.kind,
            u.action.id if u.action else None,
            u.offset_days,
            u.paused,
        )
        for u in upcoming
    )
    for day in range(1, days + 1):
        # 02:00 UTC is 09:00 in Phnom Penh: the morning's 08:00 threshold has passed.
        tick = dt.datetime.combine(NOW.date() + dt.timedelta(days=day), dt.time(2), dt.UTC)
        planner.plan_reminders(session, min(tick, NOW + dt.timedelta(days=days)),
                               domain="tracker.test")  # fmt: skip
        session.commit()
    planned = sorted(
        (
            line.reached_at,
            line.recipient_user_id,
            line.kind,
            line.action_id,
            line.offset_days,
            line.state == LineState.skipped and line.reason == "paused",
        )
        for line in session.exec(select(ReminderLine).where(col(ReminderLine.reached_at) > NOW))
        if line.kind in PREVIEWED
    )
    assert planned == previewed
    kinds = {entry[2] for entry in previewed}
    assert {LineKind.own, LineKind.escalation, LineKind.countdown} <= kinds
    action_2 = [e for e in previewed if e[3] == story.actions[2].id]
    assert [(e[4], e[5]) for e in action_2] == [
        (-14, True), (-7, False), (-1, False), (7, False), (14, False),
    ]  # fmt: skip


def _signed_in(session: Session, client_for: Any, story: Any) -> Any:
    coordinator = story.users["coordinator@cmaa.example"]
    coordinator.password_hash = hash_password(DEFAULT_PASSWORD)
    session.add(coordinator)
    session.commit()
    with time_machine.travel(NOW, tick=False):  # a session begun later than NOW has ended
        return client_for(coordinator)


def test_the_page_counts_each_day_and_pages_the_rows(
    session: Session, client_for: Any, monkeypatch: Any
) -> None:
    """The page counts each day's reminders by kind and lists them under their day, a
    page at a time, with links to the other pages that keep the programme."""
    story = _story_with_a_month_of_thresholds(session)
    client = _signed_in(session, client_for, story)
    monkeypatch.setattr("tracker.reminders.preview.PER_PAGE", 3)
    pid = story.programme.id
    with time_machine.travel(NOW, tick=False):
        first = client.get("/reminders/preview").get_data(as_text=True)
        second = client.get(f"/reminders/preview?programme={pid}&page=2").get_data(as_text=True)
        past_the_end = client.get(f"/reminders/preview?programme={pid}&page=99")
    assert 'id="day-2025-11-03"' in first and 'id="day-2025-11-06"' in second
    assert f'href="/reminders/preview?programme={pid}&amp;page=2"' in first
    assert f'href="/reminders/preview?programme={pid}&amp;page=1"' in second
    # 3 Nov: QA's weekly reminder and the Monday escalation digest to the coordinator.
    row = first.split('href="/reminders/preview?programme=')[1].split("</tr>")[0]
    assert "#day-2025-11-03" in row
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["1", "0", "1", "0", "2"]
    assert past_the_end.status_code == 200
    assert "Next →" not in past_the_end.get_data(as_text=True)


def test_the_programme_and_page_in_the_address_are_checked(
    session: Session, client_for: Any, make_user: Any
) -> None:
    """Another programme's number answers as a missing one; a malformed number or page
    is refused with a message, never a guess or an error page of the server."""
    story = _story_with_a_month_of_thresholds(session)
    client = _signed_in(session, client_for, story)
    other = Programme(
        country="Laos", treaty=story.programme.treaty, article="5", timezone="Asia/Vientiane"
    )
    session.add(other)
    session.commit()
    with time_machine.travel(NOW, tick=False):
        hidden = client.get(f"/reminders/preview?programme={other.id}")
        assert hidden.status_code == 404
        assert "You coordinate no programme with this number." in hidden.get_data(as_text=True)
        for query, message in (
            ("programme=abc", "Choose a programme from the list."),
            ("programme=-1", "Choose a programme from the list."),
            ("programme=99999999999999999999", "Choose a programme from the list."),
            ("page=0", "The page number is a whole number from 1."),
            ("page=1.5", "The page number is a whole number from 1."),
            ("page=%00", ""),
        ):
            answer = client.get(f"/reminders/preview?{query}")
            assert answer.status_code == 400, query
            assert message in answer.get_data(as_text=True), query
        page = client.get("/reminders/preview").get_data(as_text=True)
    assert 'name="programme"' not in page  # one programme: nothing to choose
    admin = make_user(role="admin")
    with time_machine.travel(NOW, tick=False):
        chooser = client_for(admin).get("/reminders/preview").get_data(as_text=True)
    assert f'<option value="{other.id}">Laos' in chooser
    assert f'<option value="{story.programme.id}" selected>Cambodia' in chooser
