"""Delivery: send the outbox at least once, never lose a message.

A worker claims ``BATCH`` messages at a time with a conditional update (``pending`` or
``failed`` -> ``sending`` with a lease and a claim token), which changes each row for
exactly one worker on both databases. On PostgreSQL the candidates are read with
``FOR UPDATE SKIP LOCKED`` so workers do not queue behind each other; SQLite has no
such clause (SQLAlchemy drops it silently) and relies on the conditional update
alone, inside ``BEGIN IMMEDIATE`` transactions. The claim is committed before
anything is sent. The lines of the whole batch are re-checked in one query
(``recheck.recheck_batch``: one query per mail was most of PostgreSQL's cost, as it
planned the nested rule every time) and each mail composed from the rows that stand,
with what a run reads once for all its mails (``run_reads``); it is built once as
bytes and sent over one connection kept for the whole run, then the batch's outcomes
are written in one transaction. A failed
send is retried after 1 min, 5 min, 30 min, 2 h and 12 h, then the message is dead.
A message left ``sending`` past its lease (a crash mid-send) returns to pending: a
rare second delivery carries the same Message-ID. A run stops at its time budget
(``MAIL_DELIVERY_SECONDS``) and keeps to ``MAIL_MAX_PER_MINUTE`` if set; what is left
waits for the next tick.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from .. import mail
from ..db import new_session
from ..models import (
    LineState,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Programme,
    ReminderLine,
)
from . import compose, recheck

BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
LEASE = dt.timedelta(minutes=10)
RETRYABLE = (MessageStatus.pending, MessageStatus.failed)


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)
    # Where the run's time went (bench/run.py): re-check and compose, hand over, the rest.
    compose_seconds: float = 0.0
    send_seconds: float = 0.0


def release_expired_leases(session: Session, now: dt.datetime) -> int:
    """Messages stuck in ``sending`` past their lease go back to pending; returns how many."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == MessageStatus.sending,
            col(OutboxMessage.lease_until) < now,
        )
        .values(status=MessageStatus.pending, claim_token=None, lease_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


BATCH = 50


def _candidates(session: Session, now: dt.datetime, skip: set[int], limit: int) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.status).in_(RETRYABLE),
            col(OutboxMessage.next_attempt_at) <= now,
            col(OutboxMessage.id).not_in(skip) if skip else sa.true(),
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [i for i in session.exec(query) if i is not None]


def _claim(session: Session, ids: list[int], now: dt.datetime, token: str) -> list[OutboxMessage]:
    """The conditional update: each row changes for the one worker whose update hit it."""
    session.execute(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            col(OutboxMessage.status).in_(RETRYABLE),
            col(OutboxMessage.next_attempt_at) <= now,
        )
        .values(status=MessageStatus.sending, claim_token=token, lease_until=now + LEASE)
    )
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.claim_token == token)
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .execution_options(populate_existing=True)
        )
    )


@dataclass
class _Prepared:
    """A claimed message after its re-check: the mail to send (None: cancelled)."""

    message: OutboxMessage
    email: mail.OutgoingMail | None
    subject: str
    cancelled: dict[str, list[int]]


@dataclass
class _Run:
    """What every batch of one delivery run shares: the settings, the programmes and
    what composing read once for all mails (``compose.RunReads``)."""

    now: dt.datetime
    settings: mail.MailSettings
    programmes: dict[int, Programme]
    reads: compose.RunReads = field(default_factory=compose.RunReads)


def _prepare(
    session: Session, message: OutboxMessage, checked: recheck.Checked | None, run: _Run
) -> _Prepared:
    """Build the e-mail from the message's re-checked lines (``checked``, None for account
    mail, whose body is ready); no e-mail (cancelled) if nothing is left."""
    settings = run.settings
    if message.kind != MessageKind.reminder or checked is None:
        email = mail.build_message(
            settings,
            to=message.recipient_email,
            subject=message.subject,
            text=message.body_text or "",
            html=message.body_html,
            message_id=message.message_id,
        )
        return _Prepared(message, email, message.subject, {})
    assert message.id is not None
    recipient = checked.recipient
    if not checked.kept or recipient is None:
        return _Prepared(message, None, message.subject, checked.cancelled)
    # Composed in the recipient's language: two people get the same facts, each in theirs.
    with force_locale(settings.language_for(recipient.language)):
        built = compose.build_reminder_mail(
            session, recipient, checked.kept, now=run.now, settings=settings,
            programmes=run.programmes, message_id=message.id, issued_at=message.planned_at,
            reads=run.reads,
        )  # fmt: skip
        if built.is_empty:  # an escalation digest with nothing left to escalate
            checked.cancelled["nothing to escalate"] = [r.id for r in checked.kept]
            return _Prepared(message, None, message.subject, checked.cancelled)
        subject, text, html = compose.render_reminder(built, settings)
    email = mail.build_message(
        settings, to=recipient.email, subject=subject, text=text, html=html,
        message_id=message.message_id,
    )  # fmt: skip
    return _Prepared(message, email, subject[:300], checked.cancelled)


def _mark_sent(session: Session, message_ids: list[int], token: str, now: dt.datetime) -> None:
    """The batch's sent messages and their standing lines, in two statements."""
    if not message_ids:
        return
    session.execute(
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(message_ids), col(OutboxMessage.claim_token) == token)
        .values(
            status=MessageStatus.sent,
            sent_at=now,
            lease_until=None,
            attempts=OutboxMessage.attempts + 1,
            last_error=None,
            # Account mail carries a one-use link: do not keep it once delivered.
            body_text=None,
            body_html=None,
        )
    )
    session.execute(
        sa.update(ReminderLine)
        .where(
            col(ReminderLine.outbox_message_id).in_(message_ids),
            col(ReminderLine.state) == LineState.planned,
        )
        .values(state=LineState.sent)
    )


def _mark_failed(
    session: Session, message: OutboxMessage, token: str, now: dt.datetime, error: str
) -> MessageStatus:
    attempts = message.attempts + 1
    dead = attempts > len(BACKOFF)
    status = MessageStatus.dead if dead else MessageStatus.failed
    session.execute(
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id) == message.id, col(OutboxMessage.claim_token) == token)
        .values(
            status=status,
            attempts=attempts,
            next_attempt_at=now if dead else now + BACKOFF[attempts - 1],
            lease_until=None,
            claim_token=None,
            last_error=error[:2000],
        )
    )
    return status


def _mark_cancelled(session: Session, message_id: int, token: str) -> None:
    session.execute(
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claim_token) == token)
        .values(status=MessageStatus.cancelled, claim_token=None, lease_until=None)
    )


def _release(session: Session, message_ids: list[int], token: str) -> None:
    """Claimed but not sent before the budget ran out: pending again, for the next tick."""
    session.execute(
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(message_ids), col(OutboxMessage.claim_token) == token)
        .values(status=MessageStatus.pending, claim_token=None, lease_until=None)
    )


class _Pace:
    """The run's time budget and the relay's rate: when to stop, how long to wait."""

    def __init__(self, settings: mail.MailSettings, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.stop_at = clock() + settings.delivery_seconds
        self.interval = 60.0 / settings.max_per_minute if settings.max_per_minute > 0 else 0.0
        self.next_at = clock()

    def over(self) -> bool:
        return self.clock() >= self.stop_at

    def wait_turn(self) -> bool:
        """Sleep until the next message may go; False if that is past the budget."""
        if self.interval:
            if self.next_at >= self.stop_at:
                return False
            delay = self.next_at - self.clock()
            if delay > 0:
                time.sleep(delay)
            self.next_at = max(self.next_at, self.clock()) + self.interval
        return not self.over()


def deliver_pending(
    engine: Engine,
    now: dt.datetime,
    settings: mail.MailSettings,
    *,
    transport: mail.Transport | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryResult:
    """Send every message due at ``now`` within the time budget; safe to run in parallel."""
    result = DeliveryResult()
    seen: set[int] = set()
    pace = _Pace(settings, clock)
    sender = transport or mail.transport_for(settings)
    with new_session(engine) as reader:
        programmes = {p.id: p for p in reader.exec(select(Programme)) if p.id is not None}
    run = _Run(now, settings, programmes)
    try:
        with new_session(engine, write=True) as session, session.begin():
            release_expired_leases(session, now)
        while not pace.over():
            token = secrets.token_hex(16)
            with new_session(engine, write=True) as session, session.begin():
                candidates = _candidates(session, now, seen, BATCH)
                claimed = _claim(session, candidates, now, token) if candidates else []
                seen.update(candidates)
            if not candidates:
                break
            if claimed:
                _deliver_batch(engine, claimed, token, run, sender, pace, result)
    finally:
        sender.close()
    return result


def _deliver_batch(
    engine: Engine, claimed: list[OutboxMessage], token: str, run: _Run,
    sender: mail.Transport, pace: _Pace, result: DeliveryResult,
) -> None:  # fmt: skip
    """Re-check the claimed messages' lines in one pass, compose and send each, then
    record every outcome at once."""
    prepared: list[_Prepared] = []
    sent: list[int] = []
    failed: list[tuple[OutboxMessage, str]] = []
    unsent: list[int] = []
    with new_session(engine) as reader:
        started = time.perf_counter()
        reminders = [
            (m.id, m.recipient_user_id)
            for m in claimed
            if m.kind == MessageKind.reminder and m.id is not None
        ]
        checked = recheck.recheck_batch(reader, reminders, run.now, run.programmes)
        result.compose_seconds += time.perf_counter() - started
        for message in claimed:
            assert message.id is not None
            if unsent or not pace.wait_turn():
                unsent.append(message.id)
                continue
            started = time.perf_counter()
            item = _prepare(reader, message, checked.get(message.id), run)
            prepared.append(item)
            composed = time.perf_counter()
            result.compose_seconds += composed - started
            if item.email is None:
                continue
            try:
                sender.send(item.email)
            except mail.MailError as exc:
                failed.append((message, str(exc)))
                result.errors.append(str(exc))
                continue
            finally:
                result.send_seconds += time.perf_counter() - composed
            sent.append(message.id)
    with new_session(engine, write=True) as session, session.begin():
        _record(session, prepared, token, result)
        _mark_sent(session, sent, token, run.now)
        result.sent += len(sent)
        for message, error in failed:
            status = _mark_failed(session, message, token, run.now, error)
            result.failed += 1
            result.dead += status == MessageStatus.dead
        if unsent:
            _release(session, unsent, token)


def _record(
    session: Session, prepared: list[_Prepared], token: str, result: DeliveryResult
) -> None:
    """The batch's cancelled lines and messages, and each composed reminder's subject
    (one statement for all of them)."""
    cancelled: dict[str, list[int]] = {}
    subjects: list[dict[str, Any]] = []
    for item in prepared:
        for reason, ids in item.cancelled.items():
            cancelled.setdefault(reason, []).extend(ids)
        assert item.message.id is not None
        if item.email is None:
            _mark_cancelled(session, item.message.id, token)
            result.cancelled += 1
        elif item.message.kind == MessageKind.reminder:
            subjects.append({"message": item.message.id, "subject": item.subject})
    recheck.apply_cancellations(session, cancelled)
    if subjects:
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("message"))
            .values(subject=sa.bindparam("subject")),
            subjects,
        )


def retry_message(session: Session, message: OutboxMessage, now: dt.datetime) -> bool:
    """An admin's retry: a failed or dead message goes back to pending with a fresh count."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message.id,
            col(OutboxMessage.status).in_((MessageStatus.failed, MessageStatus.dead)),
        )
        .values(status=MessageStatus.pending, attempts=0, next_attempt_at=now, claim_token=None)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
