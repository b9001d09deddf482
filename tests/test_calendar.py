"""The calendar feed: a secret, resettable address; deadlines and due dates with stable UIDs."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from icalendar import Calendar
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.summary_data import build_world
from tracker.models import User
from tracker.services import users as user_service


def _feed(client: FlaskClient, url: str) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def _make_feed(session: Session, client: FlaskClient, login: Any, user: User) -> str:
    user.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(user)
    session.commit()
    login(user)
    assert "Make my calendar address" in client.get("/profile/calendar").get_data(as_text=True)
    assert client.post("/profile/calendar").status_code == 302
    session.rollback()
    session.refresh(user)
    assert user.feed_token
    return f"/calendar/{user.feed_token}.ics"


def test_feed_lists_deadline_and_open_due_dates_with_stable_uids(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """All open actions with a due date and the treaty deadline, each with a stable UID."""
    world = build_world(session)
    url = _make_feed(session, client, login, world.owner_a)
    client.post("/auth/logout")
    calendar = _feed(client, url)  # calendar apps cannot sign in
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    pid = world.programme.id
    open_ids = [
        a.id for a in world.actions if a.id not in (world.actions[2].id, world.actions[3].id)
    ]
    assert set(events) == {f"deadline-{pid}@tracker.test"} | {
        f"action-{i}@tracker.test" for i in open_ids
    }
    a2 = events[f"action-{world.actions[1].id}@tracker.test"]
    assert a2.decoded("DTSTART").isoformat() == "2025-07-01"
    assert str(a2["SUMMARY"]) == "Due: Train more deminers"
    again = {str(e["UID"]) for e in _feed(client, url).walk("VEVENT")}
    assert again == set(events)


def test_only_mine_and_reset(session: Session, client: FlaskClient, login: Any) -> None:
    """?mine=1 keeps the user's own actions; a reset ends the old address."""
    world = build_world(session)
    url = _make_feed(session, client, login, world.owner_a)
    mine = {str(e["UID"]) for e in _feed(client, url + "?mine=1").walk("VEVENT")}
    a1, a2 = world.actions[0].id, world.actions[1].id
    assert mine == {
        f"deadline-{world.programme.id}@tracker.test",
        f"action-{a1}@tracker.test",
        f"action-{a2}@tracker.test",
    }
    assert client.post("/profile/calendar").status_code == 302
    client.post("/auth/logout")
    assert client.get(url).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_profile_page_links_the_calendar_feed(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """The profile page links the calendar feed page, which a new user can then open."""
    login(make_user(role="owner"))
    profile = client.get("/profile").get_data(as_text=True)
    assert 'href="/profile/calendar"' in profile
    assert client.get("/profile/calendar").status_code == 200
