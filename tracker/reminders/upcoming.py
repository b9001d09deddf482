"""The 30-day preview (``/reminders/preview``): what the coming days will send if nothing
changes, simulated with the policy the scheduler uses, reading only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import OPEN_STATUSES, Action, LineKind, Programme, User
from ..services import programmes as programme_service
from . import policy
from .recipients import People, last_event_at, load_people


@dataclass(frozen=True)
class OpenAction:
    """What the preview reads of an open action: who is reminded, when, and what the page
    names. Five columns rather than the whole row as an ORM object (its text, dates and
    settings, with identity-map bookkeeping) for every open action of every programme."""

    id: int
    title: str
    due_on: dt.date | None
    owner_user_id: int | None
    owner_organisation_id: int | None


_OPEN_ACTIONS = sa.select(
    col(Action.id),
    col(Action.title),
    col(Action.due_on),
    col(Action.owner_user_id),
    col(Action.owner_organisation_id),
).where(col(Action.status).in_(OPEN_STATUSES))


def _open_actions(session: Session, programme_id: int) -> list[OpenAction]:
    return [
        OpenAction(*row)
        for row in session.execute(_OPEN_ACTIONS.where(col(Action.programme_id) == programme_id))
    ]


@dataclass(frozen=True)
class UpcomingReminder:
    """One reminder the coming days will send if nothing changes: who, what, when."""

    at: dt.datetime
    recipient: User
    kind: LineKind
    programme: Programme
    action: OpenAction | None
    offset_days: int
    detail: str
    paused: bool


def upcoming_reminders(
    session: Session,
    now: dt.datetime,
    *,
    days: int = 30,
    programme_ids: frozenset[int] | None = None,
) -> list[UpcomingReminder]:
    """Simulate the policy over the next ``days``: every threshold reached in that window,
    for every programme (or those of ``programme_ids``).

    The escalation lists assume today's state; a threshold already reached is not
    listed (the next tick handles it), and paused recipients are marked, not hidden.
    """
    until = now + dt.timedelta(days=days)
    people = load_people(session)
    upcoming: list[UpcomingReminder] = []
    for programme in session.exec(select(Programme).order_by(col(Programme.id))):
        assert programme.id is not None
        if programme_ids is not None and programme.id not in programme_ids:
            continue  # the preview shows a coordinator their own programmes only
        upcoming.extend(programme_reminders(session, programme, people, now=now, until=until))
    return sorted(upcoming, key=sort_key)


def sort_key(u: UpcomingReminder) -> tuple[dt.datetime, str, str]:
    """The preview's order: by instant, then recipient, then kind."""
    return (u.at, u.recipient.email, u.kind.value)


def programme_reminders(
    session: Session, programme: Programme, people: People, *, now: dt.datetime,
    until: dt.datetime,
) -> list[UpcomingReminder]:  # fmt: skip
    """One programme's reminders reached after ``now`` and by ``until``, in no order.

    An action's thresholds depend on its due date and the programme's policy only, so
    the series (``policy.due_series``, the rule the scheduler's ticks follow) is worked
    out once per due date, not once per action: at 1,000 open actions a programme has
    a few hundred distinct dates.
    """
    assert programme.id is not None
    upcoming: list[UpcomingReminder] = []
    tz = programme.timezone

    def add(at: dt.datetime, users: Iterable[User], kind: LineKind,
            action: OpenAction | None, offset: int, detail: str) -> None:  # fmt: skip
        day = policy.local_date(at, tz)
        for user in users:
            paused = policy.is_paused(user.reminders_paused_until, day)
            upcoming.append(
                UpcomingReminder(at, user, kind, programme, action, offset, detail, paused)
            )

    coordinators = people.coordinators(programme.id)
    before_days = policy.parse_days(programme.remind_before_days)
    series: dict[dt.date, list[policy.Threshold]] = {}
    actions = _open_actions(session, programme.id)
    for action in actions:
        if action.due_on is None:
            continue
        if action.due_on not in series:
            series[action.due_on] = [
                t
                for t in policy.due_series(
                    action.due_on,
                    before_days=before_days,
                    overdue_every_days=programme.remind_overdue_every_days,
                    timezone=tz,
                    until=until,
                    since=now,
                )
                if t.reached_at > now
            ]
        if not series[action.due_on]:
            continue
        owners = people.responsible(
            programme.id, action.owner_user_id, action.owner_organisation_id
        )
        kind = LineKind.own if owners else LineKind.unassigned
        for threshold in series[action.due_on]:
            add(threshold.reached_at, owners or coordinators, kind, action,
                threshold.offset_days, action.title)  # fmt: skip
    last_events = last_event_at(session, [a.id for a in actions])
    day = policy.local_date(now, tz)
    while (at := policy.reached_at(day, tz)) <= until:
        if day.weekday() == 0 and at > now:
            listed = [
                a
                for a in actions
                if policy.escalation_reason(
                    due_on=a.due_on,
                    today=day,
                    last_event_at=last_events.get(a.id),
                    now=at,
                    overdue_days=programme.escalate_overdue_days,
                    idle_days=programme.escalate_idle_days,
                )
            ]
            if listed:
                add(at, coordinators, LineKind.escalation, None, 0, f"{len(listed)}")
        day += dt.timedelta(days=1)
    deadline = programme_service.current_deadline(session, programme.id)
    if deadline is not None:
        for threshold in policy.countdown_series(
            deadline,
            countdown_days=policy.parse_days(programme.countdown_days),
            timezone=tz,
            until=until,
        ):
            if threshold.reached_at > now:
                add(threshold.reached_at, coordinators, LineKind.countdown, None,
                    threshold.offset_days, deadline.isoformat())  # fmt: skip
    return upcoming
