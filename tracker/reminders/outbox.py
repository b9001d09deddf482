"""The outbox's statements: claim a batch of messages, record what became of them.

A worker claims messages with a conditional update (``pending`` or ``failed`` ->
``sending`` with a lease and a claim token), which changes each row for exactly one
worker on both databases. On PostgreSQL the candidates are read with ``FOR UPDATE SKIP
LOCKED`` so workers do not queue behind each other; SQLite has no such clause
(SQLAlchemy drops it silently) and relies on the conditional update alone, inside
``BEGIN IMMEDIATE`` transactions. Every outcome is written under the claim token, so a
worker whose lease expired changes nothing another worker has claimed since.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import LineState, MessageStatus, OutboxMessage, ReminderLine

BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
LEASE = dt.timedelta(minutes=10)
RETRYABLE = (MessageStatus.pending, MessageStatus.failed)
LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
MESSAGE: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]


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


# Where a run's reading of the outbox has got to: (next_attempt_at, id) of the last found.
Position = tuple[dt.datetime, int]


def candidates(
    session: Session, now: dt.datetime, after: Position | None, limit: int
) -> list[tuple[dt.datetime, int]]:
    """Up to ``limit`` messages due at ``now``, oldest first, each after ``after``.

    A run reads on from where it got to rather than excluding every message it has
    seen: a list of 2,000 ids, converted again for every batch, was a fifth of the
    reading stage's time at 100,000 actions. A message that becomes due behind that
    point meanwhile (another worker's, released) waits for the next tick.
    """
    key = sa.tuple_(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
    query = (
        select(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .where(
            col(OutboxMessage.status).in_(RETRYABLE),
            col(OutboxMessage.next_attempt_at) <= now,
            key > _position(after) if after else sa.true(),
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [(at, i) for at, i in session.exec(query) if i is not None]


def due_count(session: Session, now: dt.datetime) -> int:
    """How many messages are due at ``now`` (how many processes are worth starting)."""
    query = select(sa.func.count()).where(
        col(OutboxMessage.status).in_(RETRYABLE), col(OutboxMessage.next_attempt_at) <= now
    )
    return int(session.exec(query).one())


def _position(after: Position) -> sa.Tuple:
    """``after`` as SQL, the instant bound as the column stores it (text on SQLite)."""
    stored_as = MESSAGE.c.next_attempt_at.type
    return sa.tuple_(sa.literal(after[0], type_=stored_as), sa.literal(after[1]))


def claim(session: Session, ids: list[int], now: dt.datetime, token: str) -> list[OutboxMessage]:
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


def mark_sent(session: Session, message_ids: list[int], token: str, now: dt.datetime) -> None:
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
        sa.update(LINE)
        .where(
            LINE.c.outbox_message_id.in_(message_ids),
            LINE.c.state == LineState.planned.value,
        )
        .values(state=LineState.sent.value)
    )


def mark_failed(
    session: Session, message: OutboxMessage, token: str, now: dt.datetime, error: str
) -> MessageStatus:
    """Retry later (``BACKOFF``), or dead after the last retry; returns which."""
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


def mark_cancelled(session: Session, message_ids: list[int], token: str) -> None:
    """Nothing left to say in these messages: cancelled, never sent."""
    _unclaim(session, message_ids, token, MessageStatus.cancelled)


def release(session: Session, message_ids: list[int], token: str) -> None:
    """Claimed but not sent before the budget ran out: pending again, for the next tick."""
    _unclaim(session, message_ids, token, MessageStatus.pending)


def _unclaim(session: Session, message_ids: list[int], token: str, status: MessageStatus) -> None:
    """The claim ``token`` holds on these messages ends, leaving them ``status``."""
    if message_ids:
        session.execute(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(message_ids), col(OutboxMessage.claim_token) == token)
            .values(status=status, claim_token=None, lease_until=None)
        )


def record_subjects(session: Session, subjects: list[dict[str, Any]]) -> None:
    """Each composed reminder's subject (``message``, ``subject``), in one statement."""
    if subjects:
        session.connection().execute(
            sa.update(MESSAGE)
            .where(MESSAGE.c.id == sa.bindparam("message"))
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
