"""Lines from the planning pass, made in SQL: ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.

Each statement joins ``reminder_due`` (one row per action with a reached threshold) to
the people who get it (the owner, else the owning organisation's members, else the
programme's coordinators) and inserts one line per (series, threshold, recipient)
under its unique ``key``, insert-if-absent: however many schedulers plan at once,
each line is planned by exactly one of them, and no line passes through Python. Keys
are those the row-by-row planner used (``own:a12:2025-12-31:-7:u5``), so a database
planned by either continues without repeating a line.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..db import dialect_insert
from ..models import (
    Action,
    LineKind,
    LineState,
    Membership,
    Programme,
    ReminderLine,
    Role,
    User,
    UTCDateTime,
)
from ..services import escalation as escalation_rule
from ..services import programmes as programme_service
from . import policy
from .due import DUE
from .recipients import (
    is_personal_owner,
    member_acts,
    organisation_acts,
    personal_owner_acts,
)

LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
ACTION: sa.Table = Action.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]
MEMBER: sa.Table = Membership.__table__  # type: ignore[attr-defined]
COLUMNS = [
    "key", "recipient_user_id", "kind", "programme_id", "action_id", "due_on",
    "offset_days", "reached_at", "state", "reason", "planned_at",
]  # fmt: skip


def _insert(session: Session, select: sa.Select[Any]) -> int:
    """``INSERT INTO reminder_line SELECT ... ON CONFLICT (key) DO NOTHING``; rows inserted."""
    statement = (
        dialect_insert(session)(LINE)
        .from_select(COLUMNS, select)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    # SQLAlchemy keeps an INSERT's row count only when asked (2.0.28+).
    done = session.connection().execute(statement, execution_options={"preserve_rowcount": True})
    return max(0, int(done.rowcount or 0))


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    """A few lines computed in Python (countdowns, superseded thresholds), if absent."""
    if not rows:
        return 0
    statement = dialect_insert(session)(LINE).on_conflict_do_nothing(index_elements=["key"])
    done = session.connection().execute(
        statement, rows, execution_options={"preserve_rowcount": True}
    )
    return max(0, int(done.rowcount or 0))


def _series_select(kind: LineKind, user: Any, now: dt.datetime) -> sa.Select[Any]:
    """The columns of a due action's line for ``user``: stale or paused lines are skipped."""
    paused = user.c.reminders_paused_until >= DUE.c.today
    return sa.select(
        sa.literal(f"{kind.value}:") + DUE.c.tail + sa.cast(user.c.id, sa.String),
        user.c.id,
        sa.literal(kind.value),
        ACTION.c.programme_id,
        ACTION.c.id,
        DUE.c.due_on,
        DUE.c.offset_days,
        DUE.c.reached_at,
        sa.case(
            (DUE.c.stale, LineState.skipped.value),
            (paused, LineState.skipped.value),
            else_=LineState.planned.value,
        ),
        sa.case((DUE.c.stale, "stale"), (paused, "paused"), else_=sa.null()),
        sa.literal(now, UTCDateTime()),
    ).select_from(DUE.join(ACTION, ACTION.c.id == DUE.c.action_id))


def insert_action_lines(session: Session, now: dt.datetime) -> int:
    """Owners', organisations' and unassigned lines of every due action; rows inserted."""
    reached = DUE.c.offset_days.is_not(None)
    owner = _series_select(LineKind.own, USER, now).join(USER, USER.c.id == ACTION.c.owner_user_id)
    inserted = _insert(session, owner.where(reached, is_personal_owner(USER, ACTION)))
    members = _series_select(LineKind.own, USER, now).join(
        USER, USER.c.organisation_id == ACTION.c.owner_organisation_id
    )
    inserted += _insert(
        session, members.where(reached, ~personal_owner_acts(ACTION), member_acts(USER, ACTION))
    )
    coordinators = (
        _series_select(LineKind.unassigned, USER, now)
        .join(
            MEMBER,
            sa.and_(
                MEMBER.c.programme_id == ACTION.c.programme_id,
                MEMBER.c.role == Role.coordinator.value,
            ),
        )
        .join(USER, USER.c.id == MEMBER.c.user_id)
    )
    inserted += _insert(
        session,
        coordinators.where(
            reached, USER.c.active, ~personal_owner_acts(ACTION), ~organisation_acts(ACTION)
        ),
    )
    return inserted


def insert_superseded(session: Session, now: dt.datetime, rules: dict[int, Programme]) -> int:
    """Thresholds a recipient's new latest line passes over since their last recorded one.

    Only for series with a line recorded before (a series seen for the first time
    supersedes nothing: its older thresholds predate its tracking); a handful of rows
    after a scheduler's break, none on a regular tick.
    """
    earlier = sa.alias(LINE, name="earlier")
    latest = sa.alias(LINE, name="latest")
    series = (
        *(DUE.c[name] for name in ("action_id", "due_on", "offset_days", "reached_at", "tail")),
        *(earlier.c[name] for name in ("kind", "recipient_user_id", "programme_id")),
    )
    rows = session.execute(
        sa.select(*series, sa.func.max(earlier.c.offset_days))
        .select_from(
            DUE.join(
                earlier,
                sa.and_(
                    earlier.c.action_id == DUE.c.action_id,
                    earlier.c.due_on == DUE.c.due_on,
                    earlier.c.kind.in_([LineKind.own.value, LineKind.unassigned.value]),
                    earlier.c.offset_days < DUE.c.offset_days,
                ),
            )
        )
        .where(
            DUE.c.offset_days.is_not(None),
            sa.exists().where(
                latest.c.key
                == earlier.c.kind
                + ":"
                + DUE.c.tail
                + sa.cast(earlier.c.recipient_user_id, sa.String),
                latest.c.planned_at == sa.literal(now, UTCDateTime()),
            ),
        )
        .group_by(*series)
    ).all()
    drafts: list[dict[str, Any]] = []
    for action_id, due_on, offset, at, _tail, kind, user_id, programme_id, recorded in rows:
        programme = rules[programme_id]
        for threshold in policy.skipped_between(
            None,
            policy.Threshold(at, offset),
            recorded,
            due_on=due_on,
            before_days=policy.parse_days(programme.remind_before_days),
            overdue_every_days=programme.remind_overdue_every_days,
            timezone=programme.timezone,
        ):
            key = f"{kind}:a{action_id}:{due_on.isoformat()}:{threshold.offset_days:+d}"
            drafts.append(_superseded_row(key, user_id, kind, programme_id, action_id, due_on,
                                          threshold, now))  # fmt: skip
    return insert_rows(session, drafts)


@functools.cache
def _coordinator_statement(stale: bool, insert: Any) -> Any:
    """``_coordinator_lines``' INSERT for the dialect's ``insert``, built once per process
    (a tick runs it for every programme with a countdown, so building it each time cost
    more than running it)."""
    paused = USER.c.reminders_paused_until >= sa.bindparam("today", type_=sa.Date())
    skipped, planned = LineState.skipped.value, LineState.planned.value
    select = (
        sa.select(
            sa.bindparam("key", type_=sa.String()) + sa.cast(USER.c.id, sa.String),
            USER.c.id,
            sa.bindparam("kind", type_=sa.String()),
            sa.bindparam("programme_id", type_=sa.Integer()),
            sa.null(),
            sa.bindparam("due_on", type_=sa.Date()),
            sa.bindparam("offset", type_=sa.Integer()),
            sa.bindparam("at", type_=UTCDateTime()),
            sa.literal(skipped) if stale else sa.case((paused, skipped), else_=planned),
            sa.literal("stale") if stale else sa.case((paused, "paused"), else_=sa.null()),
            sa.bindparam("now", type_=UTCDateTime()),
        )
        .select_from(USER.join(MEMBER, MEMBER.c.user_id == USER.c.id))
        .where(
            MEMBER.c.programme_id == sa.bindparam("programme_id", type_=sa.Integer()),
            MEMBER.c.role == Role.coordinator.value,
            USER.c.active,
        )
    )
    return insert(LINE).from_select(COLUMNS, select).on_conflict_do_nothing(index_elements=["key"])


def _coordinator_lines(
    session: Session, programme: Programme, now: dt.datetime, *, key: str, kind: LineKind,
    due_on: dt.date, offset: int, at: dt.datetime, stale: bool = False,
) -> int:  # fmt: skip
    """One line per active coordinator of the programme, ``key`` followed by their id."""
    statement = _coordinator_statement(stale, dialect_insert(session))
    values = {
        "key": key, "kind": kind.value, "programme_id": programme.id, "due_on": due_on,
        "offset": offset, "at": at, "now": now,
        "today": policy.local_date(now, programme.timezone),
    }  # fmt: skip
    done = session.connection().execute(
        statement, values, execution_options={"preserve_rowcount": True}
    )
    return max(0, int(done.rowcount or 0))


def insert_escalation_lines(
    session: Session, programmes: list[Programme], now: dt.datetime
) -> tuple[int, list[tuple[int, str]]]:
    """This ISO week's escalation digest: one line per coordinator and programme.

    Planned once per programme and week (``escalation_planned_week``), and only when
    the programme has an action to escalate; what the digest lists is read when it is
    sent.
    """
    inserted, weeks = 0, []
    for programme in programmes:
        assert programme.id is not None
        week = policy.escalation_week(now, programme.timezone)
        if week is None or programme.escalation_planned_week == week[0]:
            continue
        label, at = week
        found = session.execute(
            sa.select(ACTION.c.id).where(escalation_rule.escalated(programme, now)).limit(1)
        ).first()
        lines = 0
        if found is not None:
            lines = _coordinator_lines(
                session, programme, now, key=f"escalation:p{programme.id}:{label}:u",
                kind=LineKind.escalation, due_on=policy.local_date(at, programme.timezone),
                offset=0, at=at,
            )  # fmt: skip
        if found is None or lines:
            # Done for the week; a programme with no coordinator yet is asked again.
            weeks.append((programme.id, label))
        inserted += lines
    return inserted, weeks


def insert_countdown_lines(session: Session, programmes: list[Programme], now: dt.datetime) -> int:
    """The treaty-deadline countdown of each programme: its latest reached threshold for
    each coordinator (stale when first seen late), the older ones recorded as superseded."""
    deadlines = programme_service.current_deadlines(session, [p.id for p in programmes if p.id])
    inserted = 0
    for programme in programmes:
        deadline = deadlines.get(programme.id or 0)
        if deadline is None:
            continue
        reached = policy.countdown_series(
            deadline,
            countdown_days=policy.parse_days(programme.countdown_days),
            timezone=programme.timezone,
            until=now,
        )
        if not reached:
            continue
        *older, latest = reached
        prefix = f"countdown:p{programme.id}:{deadline.isoformat()}"
        fresh = _insert_countdown(session, programme, now, prefix, deadline, latest)
        inserted += fresh
        if fresh and older:
            inserted += _countdown_superseded(session, programme, now, prefix, deadline,
                                              latest, older)  # fmt: skip
    return inserted


def _insert_countdown(
    session: Session, programme: Programme, now: dt.datetime, prefix: str,
    deadline: dt.date, latest: policy.Threshold,
) -> int:  # fmt: skip
    return _coordinator_lines(
        session, programme, now, key=f"{prefix}:{latest.offset_days:+d}:u",
        kind=LineKind.countdown, due_on=deadline, offset=latest.offset_days,
        at=latest.reached_at, stale=now - latest.reached_at > policy.STALE_AFTER,
    )  # fmt: skip


def _countdown_superseded(
    session: Session, programme: Programme, now: dt.datetime, prefix: str,
    deadline: dt.date, latest: policy.Threshold, older: list[policy.Threshold],
) -> int:  # fmt: skip
    """For the coordinators who got ``latest`` now: the older thresholds not recorded."""
    got = session.execute(
        sa.select(LINE.c.recipient_user_id).where(
            LINE.c.key.startswith(f"{prefix}:{latest.offset_days:+d}:u"),
            LINE.c.planned_at == sa.literal(now, UTCDateTime()),
        )
    ).scalars()
    rows: list[dict[str, Any]] = []
    for user_id in got:
        recorded = session.execute(
            sa.select(sa.func.max(LINE.c.offset_days)).where(
                LINE.c.kind == LineKind.countdown.value,
                LINE.c.programme_id == programme.id,
                LINE.c.due_on == deadline,
                LINE.c.recipient_user_id == user_id,
                LINE.c.offset_days < latest.offset_days,
            )
        ).scalar()
        for threshold in policy.skipped_between((*older, latest), latest, recorded):
            rows.append(_superseded_row(f"{prefix}:{threshold.offset_days:+d}", user_id,
                                        LineKind.countdown, programme.id, None, deadline,
                                        threshold, now))  # fmt: skip
    return insert_rows(session, rows)


def _superseded_row(
    key: str, user_id: int, kind: str, programme_id: int | None, action_id: int | None,
    due_on: dt.date, threshold: policy.Threshold, now: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    """A threshold passed over, recorded as skipped (``superseded``) under ``key:u<user>``."""
    return {
        "key": f"{key}:u{user_id}", "recipient_user_id": user_id, "kind": kind,
        "programme_id": programme_id, "action_id": action_id, "due_on": due_on,
        "offset_days": threshold.offset_days, "reached_at": threshold.reached_at,
        "state": LineState.skipped, "reason": "superseded", "planned_at": now,
    }  # fmt: skip
