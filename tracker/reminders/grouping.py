"""A tick's new lines, grouped into one message per recipient, in SQL.

The planned lines this transaction inserted are the reminder lines with no message yet
(every committed planned line has one: grouping happens in the transaction that plans
them). ``GROUP BY recipient`` gives each recipient's first line and count; one
``INSERT ... SELECT`` makes the messages, with a Message-ID derived from that first
line (``<reminder.<first line id>@domain>``: a line belongs to one message, so the same
lines keep the same identity, and a rare second delivery after a crash carries it);
one ``UPDATE`` ties the lines to them. No line passes through Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import (
    LineKind,
    LineState,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    ReminderLine,
    User,
    UTCDateTime,
)
from .due import drop, reset

LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
MESSAGE: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]
# Token warnings get a message each, with its own identity (``token_expiry``).
DIGEST_KINDS = [k.value for k in LineKind if k is not LineKind.token_expiry]
MAILS = sa.Table(
    "reminder_mail",
    sa.MetaData(),
    sa.Column("recipient_user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("first_line_id", sa.Integer, nullable=False),
    sa.Column("lines", sa.Integer, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def ungrouped() -> sa.ColumnElement[bool]:
    """SQL: a planned line of this transaction, not yet in a message."""
    return sa.and_(
        LINE.c.outbox_message_id.is_(None),
        LINE.c.state == LineState.planned.value,
        LINE.c.kind.in_(DIGEST_KINDS),
    )


def _message_id(first_line_id: Any, domain: str) -> sa.ColumnElement[str]:
    return sa.literal("<reminder.") + sa.cast(first_line_id, sa.String) + f"@{domain}>"


def group_into_messages(session: Session, now: dt.datetime, domain: str) -> tuple[list[int], int]:
    """Make one pending message per recipient of the new lines: (message ids, lines)."""
    reset(session, MAILS)
    session.execute(
        sa.insert(MAILS).from_select(
            ["recipient_user_id", "first_line_id", "lines"],
            sa.select(LINE.c.recipient_user_id, sa.func.min(LINE.c.id), sa.func.count())
            .where(ungrouped())
            .group_by(LINE.c.recipient_user_id),
        )
    )
    message_id = _message_id(MAILS.c.first_line_id, domain)
    session.execute(
        sa.insert(MESSAGE).from_select(
            [
                "message_id",
                "kind",
                "recipient_user_id",
                "recipient_email",
                "subject",
                "status",
                "attempts",
                "next_attempt_at",
                "planned_at",
            ],
            sa.select(
                message_id,
                sa.literal(MessageKind.reminder.value),
                USER.c.id,
                USER.c.email,
                sa.literal(""),
                sa.literal(MessageStatus.pending.value),
                sa.literal(0),
                sa.literal(now, UTCDateTime()),
                sa.literal(now, UTCDateTime()),
            )
            .select_from(MAILS.join(USER, USER.c.id == MAILS.c.recipient_user_id))
            .where(sa.true()),
        )
    )
    mine = (
        sa.select(MESSAGE.c.id)
        .select_from(MESSAGE.join(MAILS, MESSAGE.c.message_id == message_id))
        .where(MAILS.c.recipient_user_id == LINE.c.recipient_user_id)
        .scalar_subquery()
    )
    session.execute(sa.update(LINE).where(ungrouped()).values(outbox_message_id=mine))
    ids = list(
        session.execute(
            sa.select(MESSAGE.c.id)
            .select_from(MESSAGE.join(MAILS, MESSAGE.c.message_id == message_id))
            .order_by(MAILS.c.recipient_user_id)
        ).scalars()
    )
    lines = int(
        session.execute(sa.select(sa.func.coalesce(sa.func.sum(MAILS.c.lines), 0))).scalar() or 0
    )
    drop(session, MAILS)
    return ids, lines


def would_send(session: Session) -> list[tuple[str, list[str]]]:
    """For a dry run, before its rollback: each recipient's new planned line keys."""
    rows = session.execute(
        sa.select(USER.c.email, LINE.c.key)
        .select_from(LINE.join(USER, USER.c.id == LINE.c.recipient_user_id))
        .where(ungrouped())
        .order_by(LINE.c.recipient_user_id, LINE.c.id)
    )
    out: dict[str, list[str]] = {}
    for email, key in rows:
        out.setdefault(email, []).append(key)
    return list(out.items())
