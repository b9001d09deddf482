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
import functools
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import LineKind, LineState, Role, Status, UTCDateTime, Verification, dialect_insert
from ..models import Programme as ProgrammeModel
from ..services.policy import ACTING_ROLES
from . import newlines, policy
from .lines import ACTION, MEMBER, USER
from .newlines import NEW, insert_ignoring
from .recipients import chunks


def insert_verification_lines(
    session: Session, programmes: list[ProgrammeModel], now: dt.datetime
) -> int:
    """This week's "awaiting verification" lines of every programme; rows inserted.

    A tick runs this whatever is due, so it is a few statements for all programmes,
    not a few per programme: the week and the local date depend only on the time zone,
    so programmes are grouped by zone, and by whether they name verifiers (one read).
    """
    # The programmes where something awaits: an index probe per programme
    # (``ix_action_figures`` begins with programme, status, verification).
    awaiting: set[int] = set()
    for ids in chunks([p.id for p in programmes if p.id is not None]):
        awaiting.update(
            session.execute(
                sa.select(ACTION.c.programme_id)
                .where(
                    ACTION.c.programme_id.in_(ids),
                    ACTION.c.status == Status.implemented.value,
                    ACTION.c.verification == Verification.awaiting.value,
                )
                .distinct()
            ).scalars()
        )
    if not awaiting:
        return 0  # the usual tick: nothing awaits verification anywhere
    named = set(
        session.execute(
            sa.select(MEMBER.c.programme_id).where(MEMBER.c.verifies.is_(True)).distinct()
        ).scalars()
    )
    groups: dict[tuple[str, bool], list[int]] = {}
    for programme in programmes:
        if programme.id in awaiting:
            groups.setdefault((programme.timezone, programme.id in named), []).append(programme.id)
    inserted = 0
    for (timezone, names_verifiers), ids in sorted(groups.items()):
        week = policy.escalation_week(now, timezone)
        if week is None:
            continue
        label, at = week
        values = {
            "ids": ids, "label": f":{label}:u", "at": at, "now": now,
            "today": policy.local_date(now, timezone),
        }  # fmt: skip
        statement = _statement(names_verifiers, dialect_insert(session))
        inserted += newlines.execute(session, statement, values)
    return inserted


@functools.cache
def _statement(names_verifiers: bool, insert: Any) -> Any:
    """The INSERT for a group of programmes (``ids``), built once per process."""
    if names_verifiers:
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
    paused = USER.c.reminders_paused_until >= sa.bindparam("today", type_=sa.Date())
    select = (
        sa.select(
            sa.literal("verification:a")
            + sa.cast(ACTION.c.id, sa.String)
            + sa.bindparam("label", type_=sa.String())
            + sa.cast(USER.c.id, sa.String),
            USER.c.id,
            sa.literal(LineKind.verification.value),
            ACTION.c.programme_id,
            ACTION.c.id,
            ACTION.c.due_on,
            sa.literal(0),
            sa.bindparam("at", type_=UTCDateTime()),
            sa.case((paused, LineState.skipped.value), else_=LineState.planned.value),
            sa.case((paused, "paused"), else_=sa.null()),
            sa.bindparam("now", type_=UTCDateTime()),
        )
        .select_from(
            ACTION.join(MEMBER, MEMBER.c.programme_id == ACTION.c.programme_id).join(
                USER, USER.c.id == MEMBER.c.user_id
            )
        )
        .where(
            ACTION.c.programme_id.in_(sa.bindparam("ids", expanding=True)),
            ACTION.c.status == Status.implemented.value,
            ACTION.c.verification == Verification.awaiting.value,
            USER.c.active,
            who,
        )
    )
    return insert_ignoring(insert, NEW, select)


def verification_reason(row: Any) -> str | None:
    """None while the line's action still awaits verification, else why it is cancelled."""
    if row.a_id is None:
        return "action gone"
    if row.verification != Verification.awaiting.value:
        return "no longer awaiting verification"
    return None
