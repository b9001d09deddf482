"""Planning: turn reached thresholds into outbox lines, each exactly once.

Every tick computes, for every series, its latest reached threshold and the lines it
would add. The lines are then inserted under their unique ``key`` with
``INSERT ... ON CONFLICT DO NOTHING ... RETURNING`` (insert-if-absent, never
check-then-insert), so however many schedulers plan at once, each line is planned by
exactly one of them; the lines a run did insert are grouped into one message per
recipient. The caller commits once; on SQLite it uses a write (``BEGIN IMMEDIATE``)
session so that concurrent ticks queue instead of failing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from ..models import (
    OPEN_STATUSES,
    Action,
    LineKind,
    LineState,
    MessageKind,
    OutboxMessage,
    Programme,
    ReminderLine,
    User,
    UTCDateTime,
)
from ..services import programmes as programme_service
from . import policy
from .recipients import People, chunks, last_event_at, load_people


@dataclass(frozen=True)
class LineDraft:
    """A line as the policy wants it; becomes a ``ReminderLine`` row if its key is new."""

    key: str
    recipient_user_id: int
    kind: LineKind
    programme_id: int
    action_id: int | None
    due_on: dt.date | None
    offset_days: int
    reached_at: dt.datetime
    state: LineState
    reason: str | None = None

    def row(self, planned_at: dt.datetime) -> dict[str, Any]:
        return {
            "key": self.key,
            "recipient_user_id": self.recipient_user_id,
            "kind": self.kind,
            "programme_id": self.programme_id,
            "action_id": self.action_id,
            "due_on": self.due_on,
            "offset_days": self.offset_days,
            "reached_at": self.reached_at,
            "state": self.state,
            "reason": self.reason,
            "planned_at": planned_at,
        }


@dataclass
class PlanResult:
    message_ids: list[int] = field(default_factory=list)
    planned_lines: int = 0
    skipped_lines: int = 0


@dataclass(frozen=True)
class _Series:
    """One series' latest reached threshold, for its recipients, before the outbox is read.

    ``reached`` lists a short series (a countdown) in full; an action's older thresholds
    are computed from its due date when needed, never enumerated up front.
    """

    kind: LineKind
    prefix: str
    recipients: tuple[User, ...]
    programme: Programme
    latest: policy.Threshold
    stale: bool
    action_id: int | None
    due_on: dt.date
    reached: tuple[policy.Threshold, ...] | None = None

    def draft(
        self, user: User, threshold: policy.Threshold, state: LineState, reason: str | None
    ) -> LineDraft:
        assert user.id is not None and self.programme.id is not None
        return LineDraft(
            key=f"{self.prefix}:{threshold.offset_days:+d}:u{user.id}",
            recipient_user_id=user.id,
            kind=self.kind,
            programme_id=self.programme.id,
            action_id=self.action_id,
            due_on=self.due_on,
            offset_days=threshold.offset_days,
            reached_at=threshold.reached_at,
            state=state,
            reason=reason,
        )

    def latest_draft(self, user: User, today: dt.date) -> LineDraft:
        if self.stale:
            return self.draft(user, self.latest, LineState.skipped, "stale")
        if policy.is_paused(user.reminders_paused_until, today):
            return self.draft(user, self.latest, LineState.skipped, "paused")
        return self.draft(user, self.latest, LineState.planned, None)

    def superseded(self, user: User, recorded_offset: int | None) -> list[LineDraft]:
        """The thresholds between the recipient's last recorded line and the latest one."""
        programme = self.programme
        older = policy.skipped_between(
            self.reached,
            self.latest,
            recorded_offset,
            due_on=self.due_on,
            before_days=policy.parse_days(programme.remind_before_days),
            overdue_every_days=programme.remind_overdue_every_days,
            timezone=programme.timezone,
        )
        return [self.draft(user, t, LineState.skipped, "superseded") for t in older]


@dataclass
class _Work:
    """What one planning pass found: new lines, the actions' next instants, the weeks."""

    drafts: list[LineDraft] = field(default_factory=list)
    # {"i": action id, "v": version read, "n": next reminder instant}
    schedule: list[dict[str, Any]] = field(default_factory=list)
    escalated: list[tuple[int, str]] = field(default_factory=list)


def _actions_to_look_at(session: Session, now: dt.datetime) -> list[Any]:
    """Only the actions whose next threshold has come or that changed since (NULL).

    Two index lookups rather than one ``OR`` (which SQLite answers with a full scan). On
    SQLite the index is named (``INDEXED BY``, which SQLAlchemy cannot express): statistics
    gathered while the column was all NULL, right after the migration or a bulk load,
    would otherwise steer every later tick to a full scan.
    """
    action_table: sa.Table = Action.__table__  # type: ignore[attr-defined]
    columns = [
        action_table.c[name]
        for name in (
            "id",
            "programme_id",
            "status",
            "due_on",
            "owner_user_id",
            "owner_organisation_id",
            "version",
        )
    ]
    names = ", ".join(c.name for c in columns)
    sqlite_hint = session.get_bind().dialect.name == "sqlite"
    table = "action INDEXED BY ix_action_next_reminder_at" if sqlite_hint else "action"
    rows: list[Any] = list(
        session.execute(
            sa.text(f"SELECT {names} FROM {table} WHERE next_reminder_at IS NULL").columns(*columns)  # noqa: S608
        )
    )
    rows.extend(
        session.execute(
            sa.text(f"SELECT {names} FROM {table} WHERE next_reminder_at <= :now")  # noqa: S608
            .bindparams(sa.bindparam("now", now, type_=UTCDateTime()))
            .columns(*columns)
        )
    )
    return sorted(rows, key=lambda r: (r.programme_id, r.due_on or dt.date.min, r.id))


def _action_series(
    rows: Sequence[Any], programmes: dict[int, Programme], people: People, now: dt.datetime
) -> tuple[list[_Series], list[dict[str, Any]]]:
    series: list[_Series] = []
    schedule: list[dict[str, Any]] = []
    for row in rows:
        programme = programmes[row.programme_id]
        if row.status not in OPEN_STATUSES or row.due_on is None:
            schedule.append({"i": row.id, "v": row.version, "n": policy.NEVER})
            continue
        rules: dict[str, Any] = {
            "before_days": policy.parse_days(programme.remind_before_days),
            "overdue_every_days": programme.remind_overdue_every_days,
            "timezone": programme.timezone,
            "now": now,
        }
        next_at = policy.next_threshold_at(row.due_on, **rules)
        schedule.append({"i": row.id, "v": row.version, "n": next_at})
        latest = policy.latest_reached(row.due_on, **rules)
        if latest is None:
            continue
        owners = people.responsible(row.programme_id, row.owner_user_id, row.owner_organisation_id)
        kind = LineKind.own if owners else LineKind.unassigned
        recipients = tuple(owners or people.coordinators(row.programme_id))
        if recipients:
            series.append(
                _Series(
                    kind,
                    f"{kind.value}:a{row.id}:{row.due_on.isoformat()}",
                    recipients,
                    programme,
                    latest,
                    now - latest.reached_at > policy.STALE_AFTER,
                    row.id,
                    row.due_on,
                )
            )
    return series, schedule


def _countdown_series(
    session: Session, programme: Programme, people: People, now: dt.datetime
) -> _Series | None:
    assert programme.id is not None
    coordinators = people.coordinators(programme.id)
    if not coordinators:
        return None
    deadline = programme_service.current_deadline(session, programme.id)
    if deadline is None:
        return None
    reached = policy.countdown_series(
        deadline,
        countdown_days=policy.parse_days(programme.countdown_days),
        timezone=programme.timezone,
        until=now,
    )
    if not reached:
        return None
    latest = reached[-1]
    return _Series(
        LineKind.countdown,
        f"countdown:p{programme.id}:{deadline.isoformat()}",
        tuple(coordinators),
        programme,
        latest,
        now - latest.reached_at > policy.STALE_AFTER,
        None,
        deadline,
        tuple(reached),
    )


def _escalation_drafts(
    session: Session, programme: Programme, people: People, now: dt.datetime
) -> tuple[list[LineDraft], str | None]:
    """This ISO week's escalation lines, computed once per programme and week."""
    assert programme.id is not None
    tz = programme.timezone
    week = policy.escalation_week(now, tz)
    coordinators = people.coordinators(programme.id)
    if week is None or not coordinators:
        return [], None
    label, at = week
    if programme.escalation_planned_week == label:
        return [], None
    today = policy.local_date(now, tz)
    actions = session.execute(
        sa.select(col(Action.id), col(Action.due_on))
        .where(col(Action.programme_id) == programme.id, col(Action.status).in_(OPEN_STATUSES))
        .order_by(col(Action.due_on), col(Action.id))
    ).all()
    last_events = last_event_at(session, [a.id for a in actions])
    drafts: list[LineDraft] = []
    for action_id, due_on in actions:
        reason = policy.escalation_reason(
            due_on=due_on,
            today=today,
            last_event_at=last_events.get(action_id),
            now=now,
            overdue_days=programme.escalate_overdue_days,
            idle_days=programme.escalate_idle_days,
        )
        if reason is None:
            continue
        series = _Series(
            LineKind.escalation,
            f"escalation:a{action_id}:{label}",
            tuple(coordinators),
            programme,
            policy.Threshold(at, 0),
            False,
            action_id,
            due_on,
        )
        for user in coordinators:
            paused = policy.is_paused(user.reminders_paused_until, today)
            draft = series.draft(
                user,
                series.latest,
                LineState.skipped if paused else LineState.planned,
                "paused" if paused else reason,
            )
            # Escalation keys carry no offset: one line per action, week and coordinator.
            drafts.append(replace(draft, key=f"{series.prefix}:u{user.id}"))
    return drafts, label


def _recorded_offsets(
    session: Session, series: Sequence[_Series]
) -> dict[tuple[str, int, int | None, dt.date | None, int], int]:
    """The latest recorded offset per (kind, programme, action, due date, recipient)."""
    recorded: dict[tuple[str, int, int | None, dt.date | None, int], int] = {}
    group = (
        col(ReminderLine.kind),
        col(ReminderLine.programme_id),
        col(ReminderLine.action_id),
        col(ReminderLine.due_on),
        col(ReminderLine.recipient_user_id),
    )
    statement = sa.select(*group, sa.func.max(ReminderLine.offset_days)).group_by(*group)
    action_ids = sorted({s.action_id for s in series if s.action_id is not None})
    programme_ids = sorted({s.programme.id or 0 for s in series if s.action_id is None})
    wheres = [
        col(ReminderLine.action_id).in_(chunk)
        & col(ReminderLine.kind).in_([LineKind.own, LineKind.unassigned])
        for chunk in chunks(action_ids)
    ]
    if programme_ids:
        wheres.append(
            (col(ReminderLine.kind) == LineKind.countdown)
            & col(ReminderLine.programme_id).in_(programme_ids)
        )
    for where in wheres:
        for kind, programme_id, action_id, due_on, recipient, offset in session.execute(
            statement.where(where)
        ):
            recorded[(LineKind(kind).value, programme_id, action_id, due_on, recipient)] = offset
    return recorded


def _new_drafts(session: Session, series: Sequence[_Series], now: dt.datetime) -> list[LineDraft]:
    """The latest line of each series and recipient that is not recorded yet, with the
    thresholds it supersedes since that recipient's last recorded line."""
    latest: list[tuple[_Series, User, LineDraft]] = []
    for one in series:
        today = policy.local_date(now, one.programme.timezone)
        latest.extend((one, user, one.latest_draft(user, today)) for user in one.recipients)
    existing: set[str] = set()
    for chunk in chunks([draft.key for _s, _u, draft in latest]):
        existing.update(
            session.exec(select(ReminderLine.key).where(col(ReminderLine.key).in_(chunk)))
        )
    fresh = [item for item in latest if item[2].key not in existing]
    recorded = _recorded_offsets(session, list({id(s): s for s, _u, _d in fresh}.values()))
    drafts: list[LineDraft] = []
    for one, user, draft in fresh:
        assert one.programme.id is not None and user.id is not None
        offset = recorded.get(
            (one.kind.value, one.programme.id, one.action_id, one.due_on, user.id)
        )
        drafts.append(draft)
        drafts.extend(one.superseded(user, offset))
    return drafts


def _plan_work(session: Session, now: dt.datetime) -> _Work:
    """Everything a tick at ``now`` would add, reading only what can have become due."""
    people = load_people(session)
    programmes = {
        p.id: p for p in session.exec(select(Programme).order_by(col(Programme.id))) if p.id
    }
    work = _Work()
    rows = _actions_to_look_at(session, now)
    series: list[_Series] = []
    for chunk in chunks(rows, 2000):
        found, schedule = _action_series(chunk, programmes, people, now)
        series.extend(found)
        work.schedule.extend(schedule)
    for programme in programmes.values():
        drafts, week = _escalation_drafts(session, programme, people, now)
        work.drafts.extend(drafts)
        if week is not None:
            assert programme.id is not None
            work.escalated.append((programme.id, week))
        countdown = _countdown_series(session, programme, people, now)
        if countdown is not None:
            series.append(countdown)
    work.drafts.extend(_new_drafts(session, series, now))
    return work


@dataclass(frozen=True)
class PlannedLine:
    """A line of this tick: inserted (``id`` set), or what a dry run would insert."""

    id: int | None
    key: str
    recipient_user_id: int
    state: LineState


@dataclass(frozen=True)
class RecipientMail:
    """One recipient's new planned lines: what becomes one reminder message."""

    recipient: User
    lines: list[PlannedLine]

    @property
    def keys(self) -> list[str]:
        return [line.key for line in self.lines]


@dataclass
class MailPlan:
    """A tick's new lines grouped into one mail per recipient; skipped lines counted."""

    mails: list[RecipientMail] = field(default_factory=list)
    planned_lines: int = 0
    skipped_lines: int = 0


def _mails_by_recipient(session: Session, lines: Iterable[PlannedLine]) -> MailPlan:
    """Planned lines grouped per recipient (in recipient order), skipped ones counted.

    The one grouping both the real tick (over the lines it inserted) and the dry run
    (over the lines it would insert) use, so ``--dry-run`` shows what a tick does.
    """
    plan = MailPlan()
    by_recipient: dict[int, list[PlannedLine]] = defaultdict(list)
    for line in lines:
        if line.state == LineState.planned:
            by_recipient[line.recipient_user_id].append(line)
            plan.planned_lines += 1
        else:
            plan.skipped_lines += 1
    for recipient_id, grouped in sorted(by_recipient.items()):
        user = session.get(User, recipient_id)
        assert user is not None  # recipients are loaded from this session's users
        plan.mails.append(RecipientMail(user, grouped))
    return plan


def _unique(drafts: Sequence[LineDraft]) -> list[LineDraft]:
    """One draft per key (two series cannot share a key, but be safe)."""
    return list({d.key: d for d in drafts}.values())


def preview_reminders(session: Session, now: dt.datetime) -> MailPlan:
    """The mails a tick at ``now`` would plan, reading only (``send-reminders --dry-run``).

    Planning itself still relies on the unique key, not on this read, when several
    ticks run at once: a concurrent tick may plan some of these lines first.
    """
    drafts = _unique(_plan_work(session, now).drafts)
    lines = (PlannedLine(None, d.key, d.recipient_user_id, d.state) for d in drafts)
    return _mails_by_recipient(session, lines)


def _insert_if_absent(
    session: Session, drafts: Sequence[LineDraft], now: dt.datetime
) -> list[PlannedLine]:
    """Insert the drafts whose key is new; return the lines inserted."""
    table = ReminderLine.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement executed with many parameter sets ("insertmanyvalues"): compiled
    # once and cached, whatever the number of rows.
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id, table.c.key, table.c.recipient_user_id, table.c.state)
    )
    rows = session.execute(statement, [d.row(now) for d in _unique(drafts)])
    return [
        PlannedLine(row.id, row.key, row.recipient_user_id, LineState(row.state)) for row in rows
    ]


def _record_schedule(session: Session, work: _Work) -> None:
    """Store each action's next instant, unless the action changed meanwhile.

    The version condition keeps a concurrent change's NULL ("compute again"); the
    update touches neither ``version`` nor ``updated_at``, so it never conflicts with
    someone editing the action.
    """
    table = Action.__table__  # type: ignore[attr-defined]
    if work.schedule:
        session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("i"), table.c.version == sa.bindparam("v"))
            .values(next_reminder_at=sa.bindparam("n", type_=UTCDateTime())),
            work.schedule,
        )
    for programme_id, week in work.escalated:
        session.execute(
            sa.update(Programme)
            .where(col(Programme.id) == programme_id)
            .values(escalation_planned_week=week)
        )


def reminder_message_id(line_keys: Iterable[str], domain: str) -> str:
    """The Message-ID of the mail carrying these lines: the same lines, the same identity."""
    digest = hashlib.sha256("\n".join(sorted(line_keys)).encode()).hexdigest()[:32]
    return f"<reminder.{digest}@{domain}>"


def plan_reminders(session: Session, now: dt.datetime, *, domain: str) -> PlanResult:
    """Plan this tick's lines and group each recipient's new lines into one pending message."""
    result = PlanResult()
    work = _plan_work(session, now)
    _record_schedule(session, work)
    if not work.drafts:
        return result
    mails = _mails_by_recipient(session, _insert_if_absent(session, work.drafts, now))
    result.planned_lines, result.skipped_lines = mails.planned_lines, mails.skipped_lines
    for mail in mails.mails:
        message = OutboxMessage(
            message_id=reminder_message_id(mail.keys, domain),
            kind=MessageKind.reminder,
            recipient_user_id=mail.recipient.id,
            recipient_email=mail.recipient.email,
            subject="",
            next_attempt_at=now,
            planned_at=now,
        )
        session.add(message)
        session.flush()
        assert message.id is not None
        session.execute(
            sa.update(ReminderLine)
            .where(col(ReminderLine.id).in_([line.id for line in mail.lines]))
            .values(outbox_message_id=message.id)
        )
        result.message_ids.append(message.id)
    return result


@dataclass(frozen=True)
class UpcomingReminder:
    """One reminder the coming days will send if nothing changes: who, what, when."""

    at: dt.datetime
    recipient: User
    kind: LineKind
    programme: Programme
    action: Action | None
    offset_days: int
    detail: str
    paused: bool


def upcoming_reminders(
    session: Session,
    now: dt.datetime,
    *,
    days: int = 30,
    programme_ids: frozenset[int] | None = None,
) -> list[UpcomingReminder]:
    """Simulate the policy over the next ``days``: every threshold reached in that window.

    The escalation lists assume today's state; a threshold already reached is not
    listed (the next tick handles it), and paused recipients are marked, not hidden.
    """
    until = now + dt.timedelta(days=days)
    people = load_people(session)
    upcoming: list[UpcomingReminder] = []

    def add(at: dt.datetime, users: Iterable[User], kind: LineKind, programme: Programme,
            action: Action | None, offset: int, detail: str) -> None:  # fmt: skip
        day = policy.local_date(at, programme.timezone)
        for user in users:
            paused = policy.is_paused(user.reminders_paused_until, day)
            upcoming.append(
                UpcomingReminder(at, user, kind, programme, action, offset, detail, paused)
            )

    for programme in session.exec(select(Programme).order_by(col(Programme.id))):
        assert programme.id is not None
        if programme_ids is not None and programme.id not in programme_ids:
            continue  # the preview shows a coordinator their own programmes only
        coordinators = people.coordinators(programme.id)
        tz = programme.timezone
        actions = session.exec(
            select(Action).where(
                Action.programme_id == programme.id, col(Action.status).in_(OPEN_STATUSES)
            )
        ).all()
        for action in actions:
            if action.due_on is None:
                continue
            owners = people.responsible(
                programme.id, action.owner_user_id, action.owner_organisation_id
            )
            kind = LineKind.own if owners else LineKind.unassigned
            for threshold in policy.due_series(
                action.due_on,
                before_days=policy.parse_days(programme.remind_before_days),
                overdue_every_days=programme.remind_overdue_every_days,
                timezone=tz,
                until=until,
                since=now,
            ):
                if threshold.reached_at > now:
                    add(threshold.reached_at, owners or coordinators, kind, programme,
                        action, threshold.offset_days, action.title)  # fmt: skip
        last_events = last_event_at(session, [a.id for a in actions if a.id is not None])
        day = policy.local_date(now, tz)
        while (at := policy.reached_at(day, tz)) <= until:
            if day.weekday() == 0 and at > now:
                listed = [
                    a
                    for a in actions
                    if policy.escalation_reason(
                        due_on=a.due_on,
                        today=day,
                        last_event_at=last_events.get(a.id or 0),
                        now=at,
                        overdue_days=programme.escalate_overdue_days,
                        idle_days=programme.escalate_idle_days,
                    )
                ]
                if listed:
                    add(at, coordinators, LineKind.escalation, programme, None, 0,
                        f"{len(listed)}")  # fmt: skip
            day += dt.timedelta(days=1)
        deadline = programme_service.current_deadline(session, programme.id)
        if deadline is not None:
            for threshold in policy.countdown_series(
                deadline,
                countdown_days=policy.parse_days(programme.countdown_days),
                timezone=tz,
                until=until,
            ):
                if threshold.reached_at > now:
                    add(threshold.reached_at, coordinators, LineKind.countdown, programme,
                        None, threshold.offset_days, deadline.isoformat())  # fmt: skip
    return sorted(upcoming, key=lambda u: (u.at, u.recipient.email, u.kind.value))
