"""One reminder tick: plan (one transaction), then deliver (one claim per transaction).

Safe to run twice, and in any number of processes at once: planning inserts each line
once under its unique key, delivery claims each message for one worker.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field

from flask import current_app
from sqlalchemy.engine import Engine

from .. import mail
from ..db import new_session
from ..models import utcnow
from . import planner, processes, token_expiry
from .heartbeat import record_heartbeat


@dataclass
class TickResult:
    """The counts ``send-reminders --json`` prints: mails for the first four, lines for skipped."""

    planned: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0
    seconds: float = 0.0
    # Where the time went: planning (one transaction), then delivery, of which composing
    # (re-check, compose, build the message) and sending (the transport) are parts.
    plan_seconds: float = 0.0
    deliver_seconds: float = 0.0
    compose_seconds: float = 0.0
    send_seconds: float = 0.0
    processes: int = 1  # how many delivered (``reminders.processes``)
    would_send: list[tuple[str, list[str]]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        data = asdict(self)
        return {k: data[k] for k in ("planned", "sent", "failed", "cancelled", "skipped")}


def run_tick(
    engine: Engine,
    now: dt.datetime,
    settings: mail.MailSettings,
    *,
    dry_run: bool = False,
    heartbeat: bool = True,
) -> TickResult:
    """Plan and deliver everything due at ``now`` (an aware instant); needs an app context."""
    if now.tzinfo is None:
        raise ValueError("a tick needs an aware instant")
    started = time.perf_counter()
    result = TickResult()
    if dry_run:
        preview = planner.dry_run(engine, now)
        result.would_send = preview.would_send
        result.planned = len(preview.would_send)
        result.skipped = preview.skipped_lines
        result.seconds = time.perf_counter() - started
        return result

    with processes.standby(engine, now, settings, current_app.config) as crew:
        with new_session(engine, write=True) as session, session.begin():
            plan = planner.plan_reminders(
                session, now, domain=settings.domain, on_scan=crew.warm_up
            )
            tokens = token_expiry.plan_token_expiry(session, now, settings)
        result.planned = len(plan.message_ids) + tokens
        result.skipped = plan.skipped_lines
        planned_at = time.perf_counter()
        result.plan_seconds = planned_at - started
        delivered = crew.deliver()
        result.deliver_seconds = time.perf_counter() - planned_at
    result.compose_seconds, result.send_seconds = (
        delivered.compose_seconds,
        delivered.send_seconds,
    )
    result.processes = delivered.processes
    result.sent, result.failed, result.cancelled = (
        delivered.sent,
        delivered.failed,
        delivered.cancelled,
    )
    if heartbeat:
        with new_session(engine, write=True) as session, session.begin():
            record_heartbeat(session, at=utcnow(), result=result.counts())
    result.seconds = time.perf_counter() - started
    return result
