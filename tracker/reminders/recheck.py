"""The send-time re-check: one query over a mail's lines, not a few per line.

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
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import (
    Action,
    LineKind,
    LineState,
    Membership,
    Organisation,
    Programme,
    ReminderLine,
    Role,
    Status,
    User,
)
from ..services import programmes as programme_service
from . import policy
from .recipients import is_responsible, organisation_acts, personal_owner_acts
from .verification import verification_reason

LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
ACTION: sa.Table = Action.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]


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
    values = {"message_id": message_id, "recipient_id": recipient_id}
    return list(session.execute(_lines_statement(states), values))


@functools.cache
def _lines_statement(states: tuple[LineState, ...]) -> Any:
    """``read_lines``'s statement, built once per process: building the nested rule
    costs more than running it."""
    message_id: Any = sa.bindparam("message_id")
    recipient_id: Any = sa.bindparam("recipient_id")
    owner = sa.alias(USER, name="owner_person")
    organisation = sa.alias(Organisation.__table__, name="owner_body")  # type: ignore[attr-defined]
    me = sa.alias(USER, name="me")
    mine = is_responsible(me, ACTION)
    assigned = sa.or_(personal_owner_acts(ACTION), organisation_acts(ACTION))
    return (
        sa.select(
            LINE.c.id,
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
            .outerjoin(me, me.c.id == recipient_id)
        )
        .where(LINE.c.outbox_message_id == message_id, LINE.c.state.in_([s.value for s in states]))
        .order_by(ACTION.c.due_on.is_(None), ACTION.c.due_on, LINE.c.action_id, LINE.c.id)
    )


def coordinated(session: Session, user: User) -> set[int]:
    """The programmes ``user`` coordinates (digests go to their coordinators only)."""
    return set(
        session.execute(
            sa.select(Membership.programme_id).where(  # type: ignore[call-overload]
                Membership.user_id == user.id, Membership.role == Role.coordinator
            )
        ).scalars()
    )


def _reason(
    row: Any, recipient: User, coordinates: set[int], programmes: dict[int, Programme],
    deadlines: dict[int, dt.date], now: dt.datetime,
) -> str | None:  # fmt: skip
    """None if the line still stands, else why it is cancelled."""
    programme = programmes.get(row.programme_id) if row.programme_id is not None else None
    if programme is None:
        return "programme gone"
    if policy.is_paused(
        recipient.reminders_paused_until, policy.local_date(now, programme.timezone)
    ):
        return "paused"
    kind = LineKind(row.kind)
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
    if Status(row.status).is_closed:
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
    """Re-check the planned lines of one message in one query (plus the recipient's row
    and memberships, and the current deadline when the mail carries a countdown)."""
    recipient = session.get(User, recipient_id) if recipient_id is not None else None
    checked = Checked(recipient)
    rows = read_lines(session, message_id, recipient_id or 0, (LineState.planned,))
    if recipient is None or not recipient.active:
        checked.cancelled["recipient inactive"] = [row.id for row in rows]
        return checked
    coordinates = coordinated(session, recipient)
    countdown = sorted({r.programme_id for r in rows if r.kind == LineKind.countdown.value})
    deadlines = programme_service.current_deadlines(session, countdown) if countdown else {}
    for row in rows:
        reason = _reason(row, recipient, coordinates, programmes, deadlines, now)
        if reason is None:
            checked.kept.append(row)
        else:
            checked.cancelled[reason].append(row.id)
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
