"""The preview page's reading of ``upcoming``: one programme at a time, counted per day
and kind, its reminders a page at a time.

A coordinator of a hundred programmes (and an admin) used to get every reminder of
every programme on one page: 224,242 rows at 100,000 actions, 17-44 s to build and
far more than anyone reads. One programme's month is a few thousand reminders at most;
the counts per day say what the month holds, and the rows come 100 to a page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import LineKind, Programme
from ..services.policy import Access
from . import policy
from .recipients import programme_people
from .upcoming import UpcomingReminder, programme_reminders, sort_key

PER_PAGE = 100
# The kinds the preview counts, in the order of the table's columns.
KINDS = (LineKind.own, LineKind.unassigned, LineKind.escalation, LineKind.countdown)


@dataclass(frozen=True)
class DayCount:
    """How many reminders one local day holds, per kind, and the page its first is on."""

    day: dt.date
    counts: dict[LineKind, int]
    total: int
    page: int


@dataclass(frozen=True)
class PreviewPage:
    """One page of a programme's preview: the month's counts and this page's rows by day."""

    programme: Programme
    total: int
    days: list[DayCount]
    groups: list[tuple[dt.date, list[UpcomingReminder]]]
    page: int
    pages: int
    per_page: int


def managed_programmes(session: Session, access: Access) -> list[Programme]:
    """The programmes whose preview ``access`` may read (an admin's: all), by country:
    the same ones the whole-site preview showed them, one at a time now."""
    query = select(Programme).order_by(col(Programme.country), col(Programme.id))
    managed = access.managed_ids
    if managed is not None:
        query = query.where(col(Programme.id).in_(sorted(managed)))
    return list(session.exec(query))


def preview_page(
    session: Session,
    programme: Programme,
    now: dt.datetime,
    *,
    days: int,
    page: int = 1,
    per_page: int | None = None,
) -> PreviewPage:
    """Page ``page`` of the programme's next ``days`` (a page past the last shows the last:
    reminders go as actions close, and an older link still lands somewhere)."""
    per_page = per_page or PER_PAGE
    assert programme.id is not None
    people = programme_people(session, programme.id)
    until = now + dt.timedelta(days=days)
    reminders = sorted(
        programme_reminders(session, programme, people, now=now, until=until), key=sort_key
    )
    pages = max(1, -(-len(reminders) // per_page))
    page = min(max(page, 1), pages)
    tz = programme.timezone
    local = [policy.local_date(u.at, tz) for u in reminders]
    by_day: dict[dt.date, dict[LineKind, int]] = {}
    first: dict[dt.date, int] = {}
    for index, (day, reminder) in enumerate(zip(local, reminders, strict=True)):
        if day not in by_day:
            by_day[day], first[day] = dict.fromkeys(KINDS, 0), index
        by_day[day][reminder.kind] += 1
    counts = [
        DayCount(day, kinds, sum(kinds.values()), first[day] // per_page + 1)
        for day, kinds in by_day.items()
    ]
    start = (page - 1) * per_page
    groups: list[tuple[dt.date, list[UpcomingReminder]]] = []
    for day, reminder in zip(local[start : start + per_page], reminders[start : start + per_page],
                             strict=True):  # fmt: skip
        if not groups or groups[-1][0] != day:
            groups.append((day, []))
        groups[-1][1].append(reminder)
    return PreviewPage(programme, len(reminders), counts, groups, page, pages,
                       per_page)  # fmt: skip
