"""Awaiting verification (issue 14): the verifiers' weekly digest lines.

Each action that awaits verification gets, once per ISO week (due from Monday 08:00 in
the programme's time zone, as the escalation digest), one line for each person who may
verify it: the programme's named verifiers (an active member who acts there with
``Membership.verifies``, never for an action they or their organisation own), or, in a
programme that names none, its coordinators. The key
``verification:a<action>:<week>:u<user>`` makes it at most one line per action, week
and person, however many ticks or schedulers plan. The send-time re-check cancels a
line whose action no longer awaits (``verification_reason``).

Owners get no reminder while their action awaits verification: it is implemented,
a closed status, and the owner rules plan open actions only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import LineKind, LineState, Role, Status, UTCDateTime, Verification
from ..models import Programme as ProgrammeModel
from ..services.policy import ACTING_ROLES
from . import policy
from .lines import ACTION, MEMBER, USER, _insert


def insert_verification_lines(
    session: Session, programmes: list[ProgrammeModel], now: dt.datetime
) -> int:
    """This week's "awaiting verification" lines of every programme; rows inserted."""
    inserted = 0
    for programme in programmes:
        week = policy.escalation_week(now, programme.timezone)
        if week is None or programme.id is None:
            continue
        inserted += _insert(session, _lines(session, programme, week, now))
    return inserted


def _lines(
    session: Session, programme: ProgrammeModel, week: tuple[str, dt.datetime], now: dt.datetime
) -> sa.Select[Any]:
    label, at = week
    named = session.execute(
        sa.select(MEMBER.c.id)
        .where(MEMBER.c.programme_id == programme.id, MEMBER.c.verifies.is_(True))
        .limit(1)
    ).first()
    if named is not None:
        who = sa.and_(
            MEMBER.c.verifies.is_(True),
            MEMBER.c.role.in_(sorted(r.value for r in ACTING_ROLES)),
            ACTION.c.owner_user_id.is_distinct_from(USER.c.id),
            sa.or_(
                USER.c.organisation_id.is_(None),
                ACTION.c.owner_organisation_id.is_distinct_from(USER.c.organisation_id),
            ),
        )
    else:
        who = MEMBER.c.role == Role.coordinator.value
    today = policy.local_date(now, programme.timezone)
    paused = USER.c.reminders_paused_until >= today
    return (
        sa.select(
            sa.literal("verification:a")
            + sa.cast(ACTION.c.id, sa.String)
            + sa.literal(f":{label}:u")
            + sa.cast(USER.c.id, sa.String),
            USER.c.id,
            sa.literal(LineKind.verification.value),
            ACTION.c.programme_id,
            ACTION.c.id,
            ACTION.c.due_on,
            sa.literal(0),
            sa.literal(at, UTCDateTime()),
            sa.case((paused, LineState.skipped.value), else_=LineState.planned.value),
            sa.case((paused, "paused"), else_=sa.null()),
            sa.literal(now, UTCDateTime()),
        )
        .select_from(
            ACTION.join(MEMBER, MEMBER.c.programme_id == ACTION.c.programme_id).join(
                USER, USER.c.id == MEMBER.c.user_id
            )
        )
        .where(
            ACTION.c.programme_id == programme.id,
            ACTION.c.status == Status.implemented.value,
            ACTION.c.verification == Verification.awaiting.value,
            USER.c.active,
            who,
        )
    )


def verification_reason(row: Any) -> str | None:
    """None while the line's action still awaits verification, else why it is cancelled."""
    if row.a_id is None:
        return "action gone"
    if row.verification != Verification.awaiting.value:
        return "no longer awaiting verification"
    return None
