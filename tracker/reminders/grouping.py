"""A pass's new lines, grouped into one message per recipient and recorded, in SQL.

The new lines (``newlines``: every line this planning pass made, the keys recorded
before already dropped) are grouped with ``GROUP BY recipient``; one ``INSERT ...
SELECT`` makes the messages, each with a Message-ID of a token drawn for this pass and
the recipient (unique, and kept by the message: a rare second delivery after a crash
carries it); then one ``INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING`` records
the lines with their message already set. A concurrent scheduler that recorded some of
the same keys first keeps them: a message left with no line is deleted before the
commit. No line passes through Python.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import (
    LineState,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    ReminderLine,
    User,
    UTCDateTime,
    dialect_insert,
)
from . import newlines
from .due import drop, reset
from .newlines import COLUMNS, NEW, insert_ignoring

LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
MESSAGE: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]
MAILS = sa.Table(
    "reminder_mail",
    sa.MetaData(),
    sa.Column("recipient_user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("lines", sa.Integer, nullable=False),
    sa.Column("message_row", sa.Integer),  # outbox_message.id, once made
    prefixes=["TEMPORARY"],
)
PLANNED = LineState.planned.value
MESSAGE_COLUMNS = [
    "message_id", "kind", "recipient_user_id", "recipient_email", "subject", "status",
    "attempts", "next_attempt_at", "planned_at",
]  # fmt: skip


def _message_id(recipient_user_id: Any, token: str, domain: str) -> sa.ColumnElement[str]:
    return (
        sa.literal(f"<reminder.{token}.u") + sa.cast(recipient_user_id, sa.String) + f"@{domain}>"
    )


def record_new_lines(session: Session, now: dt.datetime, domain: str) -> tuple[list[int], int, int]:
    """Make one pending message per recipient of the pass's new planned lines and record
    every new line: (message ids, planned lines in them, lines recorded)."""
    if not newlines.made(session):
        return [], 0, 0
    reset(session, MAILS)
    session.execute(
        sa.insert(MAILS).from_select(
            ["recipient_user_id", "lines"],
            sa.select(NEW.c.recipient_user_id, sa.func.count())
            .where(NEW.c.state == PLANNED)
            .group_by(NEW.c.recipient_user_id),
        )
    )
    session.execute(sa.text("ANALYZE reminder_mail"))  # PostgreSQL never does it itself
    token = secrets.token_hex(8)
    message_id = _message_id(MAILS.c.recipient_user_id, token, domain)
    session.execute(
        sa.insert(MESSAGE).from_select(
            MESSAGE_COLUMNS,
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
    session.execute(
        sa.update(MAILS).values(
            message_row=sa.select(MESSAGE.c.id)
            .where(MESSAGE.c.message_id == message_id)
            .scalar_subquery()
        )
    )
    lines = (
        sa.select(
            *(NEW.c[name] for name in COLUMNS),
            sa.case((NEW.c.state == PLANNED, MAILS.c.message_row), else_=sa.null()),
        )
        .select_from(NEW.outerjoin(MAILS, MAILS.c.recipient_user_id == NEW.c.recipient_user_id))
        .where(sa.true())  # SQLite: an upsert's SELECT with a join needs a WHERE
        .order_by(NEW.c.n)
    )
    statement = insert_ignoring(dialect_insert(session), LINE).from_select(
        [*COLUMNS, "outbox_message_id"], lines
    )
    done = session.connection().execute(statement, execution_options={"preserve_rowcount": True})
    recorded = max(0, int(done.rowcount or 0))
    made = int(session.execute(sa.select(sa.func.count()).select_from(NEW)).scalar_one())
    mine = sa.select(MAILS.c.message_row)
    if recorded < made:  # a concurrent scheduler recorded some of these lines first
        session.execute(
            sa.delete(MESSAGE).where(
                MESSAGE.c.id.in_(mine),
                ~sa.exists().where(LINE.c.outbox_message_id == MESSAGE.c.id),
            )
        )
        session.execute(
            sa.update(MAILS)
            .where(~sa.exists().where(MESSAGE.c.id == MAILS.c.message_row))
            .values(message_row=None)
        )
        planned = session.execute(
            sa.select(sa.func.count()).where(LINE.c.outbox_message_id.in_(mine))
        ).scalar_one()
    else:
        planned = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(MAILS.c.lines), 0))
        ).scalar_one()
    ids = list(
        session.execute(
            mine.where(MAILS.c.message_row.is_not(None)).order_by(MAILS.c.recipient_user_id)
        ).scalars()
    )
    drop(session, MAILS)
    return ids, int(planned or 0), recorded


def would_send(session: Session) -> list[tuple[str, list[str]]]:
    """For a dry run, before its rollback: each recipient's new planned line keys."""
    if not newlines.made(session):
        return []
    rows = session.execute(
        sa.select(USER.c.email, NEW.c.key)
        .select_from(NEW.join(USER, USER.c.id == NEW.c.recipient_user_id))
        .where(NEW.c.state == PLANNED)
        .order_by(NEW.c.recipient_user_id, NEW.c.n)
    )
    out: dict[str, list[str]] = {}
    for email, key in rows:
        out.setdefault(email, []).append(key)
    return list(out.items())
