"""Planning: turn reached thresholds into outbox lines, each exactly once, set-based.

One tick's planning is one transaction of a few statements whatever the size:
``due`` reads the actions whose next threshold has come into a temporary table and
stores their next instants; ``lines`` inserts every line with ``INSERT ... SELECT ...
ON CONFLICT DO NOTHING`` under its unique ``key`` (insert-if-absent, never
check-then-insert), so however many schedulers plan at once each line is planned by
exactly one of them; ``grouping`` makes one message per recipient of the lines this
transaction inserted. No line is held in Python. The caller commits once; on SQLite
it uses a write (``BEGIN IMMEDIATE``) session so that concurrent ticks queue instead
of failing. The 30-day preview is ``upcoming``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ..db import new_session
from ..models import Programme
from . import due, grouping, lines
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


@dataclass
class PlanResult:
    message_ids: list[int] = field(default_factory=list)
    planned_lines: int = 0
    skipped_lines: int = 0


def _plan_lines(session: Session, now: dt.datetime) -> int:
    """Every line a tick at ``now`` adds (inserted, not yet grouped); how many."""
    programmes = list(session.exec(select(Programme).order_by(col(Programme.id))))
    inserted = 0
    if due.plan_due(session, now):
        inserted += lines.insert_action_lines(session, now)
        inserted += lines.insert_superseded(session, now, {p.id or 0: p for p in programmes})
    due.drop(session, due.DUE)
    escalations, weeks = lines.insert_escalation_lines(session, programmes, now)
    inserted += escalations + lines.insert_countdown_lines(session, programmes, now)
    inserted += insert_verification_lines(session, programmes, now)  # issue 14
    for programme_id, week in weeks:
        session.execute(
            sa.update(Programme)
            .where(col(Programme.id) == programme_id)
            .values(escalation_planned_week=week)
        )
    return inserted


def plan_reminders(session: Session, now: dt.datetime, *, domain: str) -> PlanResult:
    """Plan this tick's lines and group each recipient's new lines into one pending message."""
    inserted = _plan_lines(session, now)
    ids, planned = grouping.group_into_messages(session, now, domain)
    return PlanResult(message_ids=ids, planned_lines=planned, skipped_lines=inserted - planned)


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
            inserted = _plan_lines(session, now)
            would = grouping.would_send(session)
        finally:
            session.rollback()
    planned = sum(len(keys) for _email, keys in would)
    return DryRun(would_send=would, skipped_lines=inserted - planned)
