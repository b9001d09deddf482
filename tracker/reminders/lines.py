"""Lines from the planning pass, made in SQL: ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.

Each statement joins ``reminder_due`` (one row per action with a reached threshold) to
the people who get it (the owner, else the owning organisation's members, else the
programme's coordinators) and inserts one line per (series, threshold, recipient)
under its unique ``key`` into the pass's new lines (``newlines``), which ``grouping``
records insert-if-absent: however many schedulers plan at once, each line is planned
by exactly one of them, and no line passes through Python. Keys
are those the row-by-row planner used (``own:a12:2025-12-31:-7:u5``), so a database
planned by either continues without repeating a line.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

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
    dialect_insert,
)
from ..services import escalation as escalation_rule
from . import newlines, policy
from .due import DUE, drop, reset
from .newlines import NEW, insert_ignoring
from .recipients import (
    chunks,
    is_personal_owner,
    organisation_recipients,
    personal_owner_acts,
)

LINE: sa.Table = ReminderLine.__table__  # type: ignore[attr-defined]
ACTION: sa.Table = Action.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]
MEMBER: sa.Table = Membership.__table__  # type: ignore[attr-defined]
# An organisation's recipients per programme, for one planning pass (``insert_action_lines``).
ORG = sa.Table(
    "reminder_org_recipient",
    sa.MetaData(),
    sa.Column("programme_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("organisation_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
ORG_COLUMNS = ["programme_id", "organisation_id", "user_id"]


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
    """Owners', organisations' and unassigned lines of every due action; rows inserted.

    Who gets an organisation's reminders in a programme is worked out first, once per
    (programme, organisation), into the temporary ``reminder_org_recipient`` table.
    """
    reached = DUE.c.offset_days.is_not(None)
    owner = _series_select(LineKind.own, USER, now).join(USER, USER.c.id == ACTION.c.owner_user_id)
    inserted = newlines.insert_select(
        session, owner.where(reached, is_personal_owner(USER, ACTION))
    )
    reset(session, ORG)
    session.execute(sa.insert(ORG).from_select(ORG_COLUMNS, organisation_recipients()))
    session.execute(sa.text("ANALYZE reminder_org_recipient"))  # none without (PostgreSQL)
    of_organisation = sa.and_(
        ORG.c.programme_id == ACTION.c.programme_id,
        ORG.c.organisation_id == ACTION.c.owner_organisation_id,
    )
    members = (
        _series_select(LineKind.own, USER, now)
        .join(ORG, of_organisation)
        .join(USER, USER.c.id == ORG.c.user_id)
    )
    inserted += newlines.insert_select(
        session, members.where(reached, ~personal_owner_acts(ACTION))
    )
    organisation_acts = sa.exists(sa.select(ORG.c.user_id).where(of_organisation))
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
    inserted += newlines.insert_select(
        session,
        coordinators.where(
            reached, USER.c.active, ~personal_owner_acts(ACTION), ~organisation_acts
        ),
    )
    drop(session, ORG)
    return inserted


def insert_superseded(session: Session, now: dt.datetime, rules: dict[int, Programme]) -> int:
    """Thresholds a recipient's new latest line passes over since their last recorded one.

    Only for series with a line recorded before (a series seen for the first time
    supersedes nothing: its older thresholds predate its tracking); a handful of rows
    after a scheduler's break, none on a regular tick. Run after ``newlines.prune``: a
    recipient "got the latest now" when its line is among this pass's new lines.
    """
    earlier = sa.alias(LINE, name="earlier")
    latest = NEW
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
            DUE.c.prev_offset.is_not(None),
            sa.exists().where(
                latest.c.key
                == earlier.c.kind
                + ":"
                + DUE.c.tail
                + sa.cast(earlier.c.recipient_user_id, sa.String),
            ),
        )
        .group_by(*series, DUE.c.prev_offset)
        # A gap only: the recipient's last recorded threshold is older than the one just
        # before the latest (else, as on every regular tick, nothing is passed over).
        .having(sa.func.max(earlier.c.offset_days) < DUE.c.prev_offset)
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
            drafts.append(superseded_row(key, user_id, kind, programme_id, action_id, due_on,
                                          threshold, now))  # fmt: skip
    return newlines.insert_rows(session, drafts)


@functools.cache
def _coordinator_statement(stale: bool, insert: Any) -> Any:
    """``_coordinator_lines``' INSERT, built once per process (a tick runs it for every
    programme with a countdown, so building it each time cost more than running it)."""
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
    return insert_ignoring(insert, NEW, select)


def coordinator_values(
    programme: Programme, now: dt.datetime, *, key: str, kind: LineKind,
    due_on: dt.date, offset: int, at: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    """The parameters of ``_coordinator_statement`` for one programme's line."""
    return {
        "key": key, "kind": kind.value, "programme_id": programme.id, "due_on": due_on,
        "offset": offset, "at": at, "now": now,
        "today": policy.local_date(now, programme.timezone),
    }  # fmt: skip


def coordinator_lines(session: Session, values: list[dict[str, Any]], *, stale: bool) -> int:
    """One line per active coordinator of each programme in ``values`` (``key`` followed
    by their id); one statement executed for the whole list; rows inserted."""
    if not values:
        return 0
    statement = _coordinator_statement(stale, dialect_insert(session))
    return newlines.execute(session, statement, values)  # both drivers sum executemany counts


PROGRAMME: sa.Table = Programme.__table__  # type: ignore[attr-defined]


@functools.cache
def _escalating() -> sa.Select[Any]:
    """Which of the programmes ``ids`` (sharing a zone and escalation rules, so the same
    bound dates) have an action to escalate: one statement for them all, each stopping
    at its first action (``EXISTS``), built once."""
    _programme, overdue_on, idle_since = escalation_rule.bound()
    return sa.select(PROGRAMME.c.id).where(
        PROGRAMME.c.id.in_(sa.bindparam("ids", expanding=True)),
        sa.exists(
            sa.select(ACTION.c.id).where(
                escalation_rule.escalated_where(PROGRAMME.c.id, overdue_on, idle_since)
            )
        ),
    )


def _coordinated(session: Session, ids: list[int]) -> set[int]:
    """The programmes among ``ids`` with an active coordinator."""
    found: set[int] = set()
    for chunk in chunks(ids):
        found.update(
            session.execute(
                sa.select(MEMBER.c.programme_id)
                .select_from(MEMBER.join(USER, USER.c.id == MEMBER.c.user_id))
                .where(
                    MEMBER.c.programme_id.in_(chunk),
                    MEMBER.c.role == Role.coordinator.value,
                    USER.c.active,
                )
                .distinct()
            ).scalars()
        )
    return found


def insert_escalation_lines(
    session: Session, programmes: list[Programme], now: dt.datetime
) -> list[tuple[int, str]]:
    """This ISO week's escalation digest: one line per coordinator and programme.

    Planned once per programme and week (``escalation_planned_week``), and only when
    the programme has an action to escalate; what the digest lists is read when it is
    sent. Returns the (programme, week) pairs done: a programme with nothing to
    escalate is done, one with no active coordinator yet is asked again next tick. A
    few statements for all programmes (one probe per zone and rules, one insert).
    """
    pending: list[tuple[Programme, str, dt.datetime]] = []
    for programme in programmes:
        week = policy.escalation_week(now, programme.timezone)
        if programme.id is not None and week and programme.escalation_planned_week != week[0]:
            pending.append((programme, *week))
    if not pending:
        return []
    groups: dict[tuple[str, int, int], list[Programme]] = {}
    for programme, _label, _at in pending:
        rules = (programme.timezone, programme.escalate_overdue_days, programme.escalate_idle_days)
        groups.setdefault(rules, []).append(programme)
    escalating: set[int] = set()
    for members in groups.values():
        values = escalation_rule.parameters(members[0], now)
        del values["programme_id"]  # the column, in this statement
        for ids in chunks([p.id for p in members]):
            values["ids"] = list(ids)
            escalating.update(session.execute(_escalating(), values).scalars())
    coordinated = _coordinated(session, sorted(escalating))
    lines = [
        coordinator_values(
            programme,
            now,
            key=f"escalation:p{programme.id}:{label}:u",
            kind=LineKind.escalation,
            due_on=policy.local_date(at, programme.timezone),
            offset=0,
            at=at,
        )
        for programme, label, at in pending
        if programme.id in coordinated
    ]
    coordinator_lines(session, lines, stale=False)
    return [
        (programme.id, label)
        for programme, label, _at in pending
        if programme.id is not None
        and (programme.id not in escalating or programme.id in coordinated)
    ]


def superseded_row(
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
