"""Delivery: send the outbox at least once, never lose a message.

A worker claims one message at a time with a conditional update (``pending`` or
``failed`` -> ``sending`` with a lease and a claim token), which changes one row for
exactly one worker on both databases. On PostgreSQL the candidates are read with
``FOR UPDATE SKIP LOCKED`` so workers do not queue behind each other; SQLite has no
such clause (SQLAlchemy drops it silently) and relies on the conditional update
alone, inside ``BEGIN IMMEDIATE`` transactions. Each line is re-checked at send time;
the message is sent only after the claim is committed, then marked sent. A failed
send is retried after 1 min, 5 min, 30 min, 2 h and 12 h, then the message is dead.
A message left ``sending`` past its lease (a crash mid-send) returns to pending: a
rare second delivery carries the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from .. import mail
from ..db import new_session
from ..models import LineState, MessageKind, MessageStatus, OutboxMessage, ReminderLine, User
from . import compose

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


def _claim(session: Session, message_id: int, now: dt.datetime, token: str) -> bool:
    """The conditional update: true only for the one worker whose update changed the row."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.status).in_(RETRYABLE),
            col(OutboxMessage.next_attempt_at) <= now,
        )
        .values(status=MessageStatus.sending, claim_token=token, lease_until=now + LEASE)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _prepare(
    session: Session, message: OutboxMessage, now: dt.datetime, settings: mail.MailSettings
) -> EmailMessage | None:
    """Re-check the lines and build the e-mail; None (message cancelled) if nothing is left."""
    if message.kind != MessageKind.reminder:
        return mail.build_message(
            settings,
            to=message.recipient_email,
            subject=message.subject,
            text=message.body_text or "",
            html=message.body_html,
            message_id=message.message_id,
        )
    recipient = session.get(User, message.recipient_user_id) if message.recipient_user_id else None
    lines = list(
        session.exec(
            select(ReminderLine).where(
                ReminderLine.outbox_message_id == message.id,
                ReminderLine.state == LineState.planned,
            )
        )
    )
    keep: list[ReminderLine] = []
    for line in lines:
        reason = compose.still_due(session, line, recipient, now)
        if reason is None:
            keep.append(line)
        else:
            line.state, line.reason = LineState.cancelled, reason
            session.add(line)
    if not keep or recipient is None:
        message.status, message.claim_token, message.lease_until = (
            MessageStatus.cancelled,
            None,
            None,
        )
        session.add(message)
        return None
    # Composed in the recipient's language: two people get the same facts, each in theirs.
    with force_locale(settings.language_for(recipient.language)):
        built = compose.build_reminder_mail(session, recipient, keep, now=now, settings=settings)
        subject, text, html = compose.render_reminder(built, settings)
    message.subject = subject[:300]
    session.add(message)
    return mail.build_message(
        settings,
        to=recipient.email,
        subject=subject,
        text=text,
        html=html,
        message_id=message.message_id,
    )


def _mark_sent(session: Session, message_id: int, token: str, now: dt.datetime) -> None:
    session.execute(
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claim_token) == token)
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
            col(ReminderLine.outbox_message_id) == message_id,
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


def deliver_pending(
    engine: Engine,
    now: dt.datetime,
    settings: mail.MailSettings,
    *,
    send: Callable[[EmailMessage, mail.MailSettings], None] = mail.send,
    limit: int = 500,
) -> DeliveryResult:
    """Send every message due at ``now``, one claim per transaction; safe to run in parallel."""
    result = DeliveryResult()
    seen: set[int] = set()
    first = True
    while len(seen) < limit:
        token = secrets.token_hex(16)
        with new_session(engine, write=True) as session:
            with session.begin():
                if first:
                    release_expired_leases(session, now)
                    first = False
                candidates = _candidates(session, now, seen, 10)
                if not candidates:
                    break
                claimed: OutboxMessage | None = None
                for message_id in candidates:
                    seen.add(message_id)
                    if _claim(session, message_id, now, token):
                        claimed = session.get(OutboxMessage, message_id, populate_existing=True)
                        break
                if claimed is None:
                    continue
                email = _prepare(session, claimed, now, settings)
                message_pk = claimed.id
            if email is None:
                result.cancelled += 1
                continue
            try:
                send(email, settings)
            except mail.MailError as exc:
                with session.begin():
                    status = _mark_failed(session, claimed, token, now, str(exc))
                result.failed += 1
                result.dead += status == MessageStatus.dead
                result.errors.append(str(exc))
                continue
            with session.begin():
                assert message_pk is not None
                _mark_sent(session, message_pk, token, now)
            result.sent += 1
    return result


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
