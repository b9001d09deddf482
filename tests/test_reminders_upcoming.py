"""The 30-day preview on the Cambodia story: which action reminders the coming weeks hold,
for whom, how late, and the page's link to each action (pinned from the preview as it
was before it read five columns of each open action instead of whole rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.reminder_scenario import load_cambodia
from tracker.models import LineKind
from tracker.reminders import planner
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
