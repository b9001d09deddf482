"""The calendar feed: treaty deadlines and action due dates as iCalendar all-day events.

Calendar apps cannot sign in, so each user has a secret feed address (a random
token in ``User.feed_token``) that they can reset, which ends the old address.
Every item has a stable UID (``action-<id>@<host>``, ``deadline-<programme>@<host>``)
so that a changed date updates the entry in the calendar app instead of adding one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import OPEN_STATUSES, Action, Programme, User, utcnow
from . import policy
from . import programmes as programme_service

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PAGE = 2000
TOKEN_BYTES = 32


def reset_feed_token(session: Session, user: User) -> str:
    """A new secret address for ``user``; the old one stops working at once."""
    user.feed_token = secrets.token_urlsafe(TOKEN_BYTES)[:43]
    session.add(user)
    session.flush()
    return user.feed_token


def user_for_feed_token(session: Session, token: str) -> User | None:
    """The active user whose feed this is, or None (unknown, reset or deactivated)."""
    if not token or len(token) > 64:
        return None
    user = session.exec(select(User).where(User.feed_token == token)).first()
    if user is None or not user.active or not secrets.compare_digest(user.feed_token or "", token):
        return None
    return user


def _stamp(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(microsecond=0)


def _sequence(updated_at: dt.datetime) -> int:
    """A revision number that grows with each change, so clients replace the entry."""
    return int(updated_at.timestamp()) // 60 % 2_000_000_000


def _day_event(uid: str, day: dt.date, summary: str, description: str, stamp: dt.datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", _stamp(stamp))
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event


def feed_calendar_header(name: str) -> Calendar:
    # icalendar is imported by the feed alone: every command and worker starts without it.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//tracker//Mine action recommendations//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def stream_feed(
    session: Session, user: User, *, host: str, base_url: str, only_mine: bool
) -> Iterator[bytes]:
    """The feed as bytes, written event by event (open actions read by pages of ids)."""
    header = feed_calendar_header("tracker: my actions" if only_mine else "tracker: actions")
    lines = header.to_ical().decode("utf-8").rstrip("\r\n").split("\r\n")
    yield ("\r\n".join(lines[:-1]) + "\r\n").encode("utf-8")  # all but END:VCALENDAR
    now = utcnow()
    reader = policy.access_for(session, user)  # only the programmes the user belongs to
    programmes = select(Programme).where(policy.readable(reader, Programme.id))
    for programme in session.exec(programmes.order_by(col(Programme.id))):
        assert programme.id is not None
        change = programme_service.current_deadline_change(session, programme.id)
        if change is None:
            continue
        name = f"{programme.country} ({programme.treaty.value} Article {programme.article})"
        yield _day_event(
            f"deadline-{programme.id}@{host}",
            change.new_on,
            f"Treaty deadline: {name}",
            f"{programme.treaty.value} Article {programme.article} deadline for "
            f"{programme.country}. {change.decided_by or ''}".strip(),
            change.recorded_at or now,
        ).to_ical()
    conditions: list[sa.ColumnElement[bool]] = [
        col(Action.status).in_(OPEN_STATUSES),
        col(Action.due_on).is_not(None),
        policy.readable(reader),
    ]
    if only_mine:
        conditions.append(policy.owned_by(user))
    last_id = 0
    while True:
        rows = session.execute(
            sa.select(
                col(Action.id),
                col(Action.title),
                col(Action.due_on),
                col(Action.status),
                col(Action.updated_at),
                col(Programme.country),
            )
            .join(Programme, col(Programme.id) == col(Action.programme_id))
            .where(*conditions, col(Action.id) > last_id)
            .order_by(col(Action.id))
            .limit(PAGE)
        ).all()
        if not rows:
            break
        chunk = []
        for action_id, title, due_on, status, updated_at, country in rows:
            event = _day_event(
                f"action-{action_id}@{host}",
                due_on,
                f"Due: {title}",
                f"{country}, action {action_id} ({status.label}). "
                f"{base_url.rstrip('/')}/actions/{action_id}",
                updated_at,
            )
            event.add("sequence", _sequence(updated_at))
            chunk.append(event.to_ical())
        yield b"".join(chunk)
        last_id = rows[-1][0]
    yield b"END:VCALENDAR\r\n"
