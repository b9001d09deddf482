"""The send-time re-check: one query over a batch of mails' lines, not a few per line.

A line planned earlier is cancelled when its reason is gone: the recipient inactive
or paused, no longer a coordinator (digests), the action gone, closed, re-dated or
re-assigned, the deadline of a countdown changed. The query returns each planned line
with what the mail shows of its action (title, status, due date, owner's name) and
whether the recipient is still responsible for it, so the same rows compose the mail.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    CLOSED_STATUSES,
    Action,
    LineKind,
    LineState,
    Membership,
    Organisation,
    Programme,
    ReminderLine,
    Role,
    User,
)
from ..services import programmes as programme_service
from . import policy
from .recipients import chunks, is_responsible, organisation_acts, personal_owner_acts
from .run_reads import local_today
from .verification import verification_reason

LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
ACTION: sa.Table = Action.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]
MEMBERSHIP: sa.Table = Membership.__table__  # type: ignore[attr-defined]
COUNTDOWN = LineKind.countdown.value


@dataclass
class Checked:
    """A mail's planned lines after the re-check: the rows kept, the ids cancelled by reason."""

    recipient: User | None
    kept: list[Any] = field(default_factory=list)
    cancelled: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def read_lines(
    session: Session, message_id: int, recipient_id: int, states: tuple[LineState, ...]
) -> list[Any]:
    """Each line of the message in ``states``, with its action's fields, ordered most
    overdue first (then by action id), and whether the recipient still answers for it."""
    return [
        row
        for row in read_lines_of(session, [message_id], states)
        if row.recipient_user_id == recipient_id
    ]


def read_lines_of(
    session: Session, message_ids: Sequence[int], states: tuple[LineState, ...]
) -> list[Any]:
    """``read_lines`` for many messages in one query, message by message: a batch's
    re-check is one statement, not one per mail (PostgreSQL plans the nested rule on
    every execution)."""
    rows: list[Any] = []
    for chunk in chunks(list(message_ids)):
        rows.extend(session.execute(_lines_statement(states), {"message_ids": list(chunk)}))
    return rows


@functools.cache
def _lines_statement(states: tuple[LineState, ...]) -> Any:
    """``read_lines_of``'s statement, built once per process: building the nested rule
    costs more than running it. Whether the recipient still answers for an action is
    asked of the line's recipient (a mail's lines all have its recipient)."""
    owner = sa.alias(USER, name="owner_person")
    organisation = sa.alias(Organisation.__table__, name="owner_body")  # type: ignore[attr-defined]
    me = sa.alias(USER, name="me")
    mine = is_responsible(me, ACTION)
    assigned = sa.or_(personal_owner_acts(ACTION), organisation_acts(ACTION))
    return (
        sa.select(
            LINE.c.id,
            LINE.c.outbox_message_id,
            LINE.c.recipient_user_id,
            LINE.c.kind,
            LINE.c.programme_id,
            LINE.c.action_id,
            LINE.c.due_on,
            LINE.c.offset_days,
            LINE.c.reason,
            LINE.c.state,
            ACTION.c.id.label("a_id"),
            ACTION.c.title,
            ACTION.c.status,
            ACTION.c.verification,
            ACTION.c.due_on.label("a_due_on"),
            ACTION.c.version.label("a_version"),  # issue 18: one-tap links say what changed
            sa.func.coalesce(owner.c.name, organisation.c.short_name).label("owner"),
            sa.case((LINE.c.kind == LineKind.own.value, mine), else_=sa.false()).label("mine"),
            sa.case((LINE.c.kind == LineKind.unassigned.value, assigned), else_=sa.false()).label(
                "assigned"
            ),
        )
        .select_from(
            LINE.outerjoin(ACTION, ACTION.c.id == LINE.c.action_id)
            .outerjoin(owner, owner.c.id == ACTION.c.owner_user_id)
            .outerjoin(organisation, organisation.c.id == ACTION.c.owner_organisation_id)
            .outerjoin(me, me.c.id == LINE.c.recipient_user_id)
        )
        .where(
            LINE.c.outbox_message_id.in_(sa.bindparam("message_ids", expanding=True)),
            LINE.c.state.in_([s.value for s in states]),
        )
        .order_by(
            LINE.c.outbox_message_id,
            ACTION.c.due_on.is_(None),
            ACTION.c.due_on,
            LINE.c.action_id,
            LINE.c.id,
        )
    )


def coordinated(session: Session, user: User) -> set[int]:
    """The programmes ``user`` coordinates (digests go to their coordinators only)."""
    return coordinated_by(session, [user.id or 0]).get(user.id or 0, set())


def coordinated_by(session: Session, user_ids: Sequence[int]) -> dict[int, set[int]]:
    """``coordinated`` for many people in one query: person -> programmes."""
    found: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(list(user_ids)):
        rows = session.execute(
            sa.select(MEMBERSHIP.c.user_id, MEMBERSHIP.c.programme_id).where(
                MEMBERSHIP.c.user_id.in_(chunk), MEMBERSHIP.c.role == Role.coordinator.value
            )
        )
        for user_id, programme_id in rows:
            found[user_id].add(programme_id)
    return found


def _reason(
    row: Any, paused_until: dt.date | None, coordinates: set[int],
    programmes: dict[int, Programme], deadlines: dict[int, dt.date], now: dt.datetime,
) -> str | None:  # fmt: skip
    """None if the line still stands, else why it is cancelled. Runs for every line of a
    batch (73,757 in a catch-up at 100,000 actions), so it takes the recipient's pause
    as read once per mail, asks the programme's date only of a paused recipient, and
    uses the row's values as the statement typed them (``LineKind``, ``Status``)."""
    programme = programmes.get(row.programme_id) if row.programme_id is not None else None
    if programme is None:
        return "programme gone"
    if paused_until is not None and policy.is_paused(
        paused_until, local_today(now, programme.timezone)
    ):
        return "paused"
    kind = row.kind
    if kind == LineKind.verification:  # to verifiers, who need not coordinate
        return verification_reason(row)
    if kind != LineKind.own and row.programme_id not in coordinates:
        return "no longer a coordinator"
    if kind == LineKind.countdown:
        return None if deadlines.get(row.programme_id) == row.due_on else "deadline changed"
    if kind == LineKind.escalation and row.action_id is None:
        return None  # the programme's digest, read when composed
    if row.a_id is None:
        return "action gone"
    if row.status in CLOSED_STATUSES:
        return "action closed"
    if kind == LineKind.escalation:
        return None
    if row.a_due_on != row.due_on:
        return "due date changed"
    if kind == LineKind.unassigned:
        return "action assigned" if row.assigned else None
    return None if row.mine else "owner changed"


def recheck(
    session: Session, message_id: int, recipient_id: int | None, now: dt.datetime,
    programmes: dict[int, Programme],
) -> Checked:  # fmt: skip
    """Re-check the planned lines of one message (``recheck_batch`` of one)."""
    return recheck_batch(session, [(message_id, recipient_id)], now, programmes)[message_id]


def recheck_batch(
    session: Session, messages: Sequence[tuple[int, int | None]], now: dt.datetime,
    programmes: dict[int, Programme],
) -> dict[int, Checked]:  # fmt: skip
    """Re-check the planned lines of a batch of (message, recipient) in a few queries
    whatever its size: the lines, the recipients, their coordinator memberships and, when
    a mail carries a countdown, the current deadlines. Each message's ``Checked``."""
    recipient_ids = sorted({r for _, r in messages if r is not None})
    recipients: dict[int, User] = {}
    for chunk in chunks(recipient_ids):
        found = session.exec(select(User).where(col(User.id).in_(chunk)))
        recipients |= {u.id: u for u in found if u.id is not None}
    by_message: dict[int, list[Any]] = defaultdict(list)
    for row in read_lines_of(session, [m for m, _ in messages], (LineState.planned,)):
        by_message[row.outbox_message_id].append(row)
    coordinates = coordinated_by(session, recipient_ids)
    countdown = sorted(
        {r.programme_id for rows in by_message.values() for r in rows if r.kind == COUNTDOWN}
    )
    deadlines = programme_service.current_deadlines(session, countdown) if countdown else {}
    checked: dict[int, Checked] = {}
    for message_id, recipient_id in messages:
        recipient = recipients.get(recipient_id) if recipient_id is not None else None
        rows = [r for r in by_message.get(message_id, []) if r.recipient_user_id == recipient_id]
        one = checked[message_id] = Checked(recipient)
        if recipient is None or not recipient.active:
            one.cancelled["recipient inactive"] = [row.id for row in rows]
            continue
        mine = coordinates.get(recipient_id or 0, set())
        paused_until = recipient.reminders_paused_until
        for row in rows:
            reason = _reason(row, paused_until, mine, programmes, deadlines, now)
            if reason is None:
                one.kept.append(row)
            else:
                one.cancelled[reason].append(row.id)
    return checked


def apply_cancellations(session: Session, cancelled: dict[str, list[int]]) -> None:
    """Record the cancelled lines with their reasons: one update per reason."""
    for reason, ids in cancelled.items():
        for start in range(0, len(ids), 500):
            session.execute(
                sa.update(LINE)
                .where(LINE.c.id.in_(ids[start : start + 500]))
                .values(state=LineState.cancelled.value, reason=reason)
            )
