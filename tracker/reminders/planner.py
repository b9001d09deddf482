"""Planning: turn reached thresholds into outbox lines, each exactly once, set-based.

One tick's planning is one transaction of a few statements whatever the size:
``due`` reads the actions whose next threshold has come into a temporary table and
stores their next instants; ``lines``, ``countdown`` and ``verification`` gather every
line the tick makes into another (``newlines``); ``grouping`` makes one message per
recipient and records the lines with ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``
under their unique ``key`` (insert-if-absent, never check-then-insert), so however many
schedulers plan at once each line is planned by exactly one of them. No line is held
in Python, and a tick with nothing due makes no temporary table. The caller commits
once; on SQLite it uses a write (``BEGIN IMMEDIATE``) session so that concurrent ticks
queue instead of failing. The 30-day preview is ``upcoming``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ..db import new_session
from ..models import Programme
from . import countdown, due, grouping, lines, newlines
from .upcoming import UpcomingReminder, upcoming_reminders
from .verification import insert_verification_lines

__all__ = [
    "DryRun",
    "PlanResult",
    "UpcomingReminder",
    "dry_run",
    "plan_reminders",
    "upcoming_reminders",
]


OnScan = Callable[[int], None]


@dataclass
class PlanResult:
    message_ids: list[int] = field(default_factory=list)
    planned_lines: int = 0
    skipped_lines: int = 0


def _plan_lines(
    session: Session, now: dt.datetime, domain: str, on_scan: OnScan | None = None
) -> tuple[list[int], int, int]:
    """Every line a tick at ``now`` adds, recorded and grouped: (message ids, planned
    lines in them, lines recorded)."""
    programmes = list(session.exec(select(Programme).order_by(col(Programme.id))))
    newlines.begin(session)
    scanned = due.has_due(session, now)  # else, when nothing is due, no temporary table
    reached = due.plan_due(session, now, on_scan) if scanned else 0
    if reached:
        lines.insert_action_lines(session, now)
    weeks = lines.insert_escalation_lines(session, programmes, now)
    passed_over = countdown.insert_countdown_lines(session, programmes, now)
    insert_verification_lines(session, programmes, now)  # issue 14
    if newlines.prune(session):
        if reached:
            lines.insert_superseded(session, now, {p.id or 0: p for p in programmes})
        countdown.insert_superseded(session, passed_over, now)
    if scanned:
        due.drop(session, due.DUE)
    by_week: dict[str, list[int]] = {}
    for programme_id, week in weeks:
        by_week.setdefault(week, []).append(programme_id)
    for week, ids in sorted(by_week.items()):  # one statement per ISO week, not per programme
        session.execute(
            sa.update(Programme)
            .where(col(Programme.id).in_(ids))
            .values(escalation_planned_week=week)
        )
    return grouping.record_new_lines(session, now, domain)


def plan_reminders(
    session: Session, now: dt.datetime, *, domain: str, on_scan: OnScan | None = None
) -> PlanResult:
    """Plan this tick's lines and group each recipient's new lines into one pending
    message. ``on_scan`` hears how many actions the tick looks at, early in planning
    (a large tick starts its delivery helpers then: ``processes.Crew.warm_up``)."""
    # On an error the caller rolls back, and the temporary tables go with it.
    ids, planned, recorded = _plan_lines(session, now, domain, on_scan)
    newlines.finish(session)
    return PlanResult(message_ids=ids, planned_lines=planned, skipped_lines=recorded - planned)


@dataclass
class DryRun:
    """What a tick at ``now`` would plan: each recipient's new line keys, skipped lines."""

    would_send: list[tuple[str, list[str]]]
    skipped_lines: int


def dry_run(engine: Engine, now: dt.datetime) -> DryRun:
    """Plan as a tick would, read the result, and roll everything back (``--dry-run``).

    The same statements as the tick, so the dry run shows what a tick does; nothing is
    kept (PostgreSQL's id sequences do advance). A concurrent tick may still plan some
    of these lines first: planning relies on the unique key, not on this read.
    """
    with new_session(engine, write=True) as session:
        try:
            _ids, planned, recorded = _plan_lines(session, now, "dry-run.invalid")
            would = grouping.would_send(session)
        finally:
            session.rollback()
            session.info.clear()
    return DryRun(would_send=would, skipped_lines=recorded - planned)
