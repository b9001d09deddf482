"""The treaty-deadline countdown (coordinators' lines), planned for all programmes at once.

Each programme's latest reached countdown threshold is worked out in Python (a handful
of thresholds per programme); two small reads tell which of them some active
coordinator has no line of yet (on most ticks: none), and one ``INSERT ... SELECT``
is executed for the list of those programmes (two when some thresholds are stale),
instead of one statement per programme on every tick. The older thresholds a
coordinator's new line passes over are recorded as superseded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import LineKind, Programme, Role
from ..services import programmes as programme_service
from . import newlines, policy
from .lines import LINE, MEMBER, USER, coordinator_lines, coordinator_values, superseded_row
from .newlines import NEW
from .recipients import chunks


@dataclass(frozen=True)
class _Countdown:
    programme: Programme
    deadline: dt.date
    latest: policy.Threshold
    older: tuple[policy.Threshold, ...]

    @property
    def prefix(self) -> str:
        return f"countdown:p{self.programme.id}:{self.deadline.isoformat()}"


def insert_countdown_lines(
    session: Session, programmes: list[Programme], now: dt.datetime
) -> list[_Countdown]:
    """The treaty-deadline countdown of each programme: its latest reached threshold for
    each coordinator (stale when first seen late), into this pass's new lines. Returns
    the countdowns whose older thresholds ``insert_superseded`` records afterwards."""
    deadlines = programme_service.current_deadlines(session, [p.id for p in programmes if p.id])
    reached: list[_Countdown] = []
    for programme in programmes:
        deadline = deadlines.get(programme.id or 0)
        if deadline is None:
            continue
        series = policy.countdown_series(
            deadline,
            countdown_days=policy.parse_days(programme.countdown_days),
            timezone=programme.timezone,
            until=now,
        )
        if series:
            *older, latest = series
            reached.append(_Countdown(programme, deadline, latest, tuple(older)))
    reached = _missing(session, reached)
    for stale in (False, True):
        values = [
            coordinator_values(
                c.programme,
                now,
                key=_key(c),
                kind=LineKind.countdown,
                due_on=c.deadline,
                offset=c.latest.offset_days,
                at=c.latest.reached_at,
            )
            for c in reached
            if (now - c.latest.reached_at > policy.STALE_AFTER) == stale
        ]
        coordinator_lines(session, values, stale=stale)
    return [c for c in reached if c.older]


def _key(countdown: _Countdown) -> str:
    """The key of its latest threshold's line, before the coordinator's id."""
    return f"{countdown.prefix}:{countdown.latest.offset_days:+d}:u"


def _missing(session: Session, reached: list[_Countdown]) -> list[_Countdown]:
    """The countdowns some active coordinator has no line of yet: two small reads, so
    that the usual tick (every one recorded) inserts nothing and makes no table."""
    if not reached:
        return []
    by_id = {c.programme.id: c for c in reached}
    expected: dict[str, int] = {}
    for ids in chunks(list(by_id)):
        rows = session.execute(
            sa.select(MEMBER.c.programme_id, USER.c.id)
            .select_from(MEMBER.join(USER, USER.c.id == MEMBER.c.user_id))
            .where(
                MEMBER.c.programme_id.in_(ids),
                MEMBER.c.role == Role.coordinator.value,
                USER.c.active,
            )
        )
        for programme_id, user_id in rows:
            expected[f"{_key(by_id[programme_id])}{user_id}"] = programme_id
    recorded: set[str] = set()
    for keys in chunks(list(expected)):
        recorded.update(
            session.execute(sa.select(LINE.c.key).where(LINE.c.key.in_(keys))).scalars()
        )
    wanting = {programme_id for key, programme_id in expected.items() if key not in recorded}
    return [c for c in reached if c.programme.id in wanting]


def insert_superseded(session: Session, countdowns: list[_Countdown], now: dt.datetime) -> int:
    """For the coordinators who get a programme's latest threshold now (this pass's new
    lines, after ``newlines.prune``): the older thresholds not recorded for them."""
    if not countdowns or not newlines.made(session):
        return 0
    by_id = {c.programme.id: c for c in countdowns}
    got: set[tuple[int, int]] = set()  # (programme, user) who get the latest now
    for programme_id, user_id, offset in session.execute(
        sa.select(NEW.c.programme_id, NEW.c.recipient_user_id, NEW.c.offset_days).where(
            NEW.c.kind == LineKind.countdown.value
        )
    ):
        countdown = by_id.get(programme_id)
        if countdown is not None and offset == countdown.latest.offset_days:
            got.add((programme_id, user_id))
    if not got:
        return 0
    recorded: dict[tuple[int, int], int] = {}  # (programme, user) -> latest older offset
    for ids in chunks(sorted({programme_id for programme_id, _user in got})):
        rows = session.execute(
            sa.select(
                LINE.c.programme_id, LINE.c.recipient_user_id, LINE.c.due_on, LINE.c.offset_days
            ).where(LINE.c.kind == LineKind.countdown.value, LINE.c.programme_id.in_(ids))
        )
        for programme_id, user_id, due_on, offset in rows:
            countdown = by_id[programme_id]
            pair = (programme_id, user_id)
            if due_on == countdown.deadline and offset < countdown.latest.offset_days:
                recorded[pair] = max(offset, recorded.get(pair, offset))
    drafts: list[dict[str, Any]] = []
    for programme_id, user_id in sorted(got):
        c = by_id[programme_id]
        before = recorded.get((programme_id, user_id))
        for threshold in policy.skipped_between((*c.older, c.latest), c.latest, before):
            drafts.append(superseded_row(f"{c.prefix}:{threshold.offset_days:+d}", user_id,
                                         LineKind.countdown, programme_id, None, c.deadline,
                                         threshold, now))  # fmt: skip
    return newlines.insert_rows(session, drafts)
