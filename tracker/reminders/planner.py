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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    LineKind,
    LineState,
    MessageKind,
    OutboxMessage,
    Programme,
    ReminderLine,
    Role,
    User,
)
from ..services import programmes as programme_service
from . import policy

CHUNK = 400


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


@dataclass(frozen=True)
class Candidate:
    """The latest line of one series for one recipient, and the older lines it supersedes."""

    latest: LineDraft
    superseded: tuple[LineDraft, ...] = ()


@dataclass
class PlanResult:
    message_ids: list[int] = field(default_factory=list)
    planned_lines: int = 0
    skipped_lines: int = 0


@dataclass
class _People:
    """Who can receive what: active users, organisation members, coordinators."""

    users: dict[int, User]
    members: dict[int, list[User]]
    coordinators: list[User]

    def responsible(self, action: Action) -> list[User]:
        """The owner if active, else the owning organisation's active members, else nobody."""
        if action.owner_user_id is not None:
            owner = self.users.get(action.owner_user_id)
            if owner is not None:
                return [owner]
        if action.owner_organisation_id is not None:
            return list(self.members.get(action.owner_organisation_id, []))
        return []


def _load_people(session: Session) -> _People:
    users = {u.id: u for u in session.exec(select(User).where(col(User.active).is_(True)))}
    members: dict[int, list[User]] = defaultdict(list)
    for user in users.values():
        if user.organisation_id is not None:
            members[user.organisation_id].append(user)
    coordinators = sorted(
        (u for u in users.values() if u.role == Role.coordinator), key=lambda u: u.id or 0
    )
    return _People(users, members, coordinators)  # type: ignore[arg-type]


def last_event_at(session: Session, action_ids: Sequence[int]) -> dict[int, dt.datetime]:
    result: dict[int, dt.datetime] = {}
    for chunk in _chunks(action_ids):
        rows = session.exec(
            select(ActionEvent.action_id, sa.func.max(ActionEvent.at))
            .where(col(ActionEvent.action_id).in_(chunk))
            .group_by(col(ActionEvent.action_id))
        ).all()
        for action_id, at in rows:
            if at is not None:
                # func.max loses the column type on some backends: normalise to aware UTC.
                at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
                result[action_id] = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return result


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _draft(
    kind: LineKind,
    key: str,
    user: User,
    programme: Programme,
    threshold: policy.Threshold,
    *,
    action: Action | None,
    due_on: dt.date | None,
    state: LineState,
    reason: str | None = None,
) -> LineDraft:
    assert user.id is not None and programme.id is not None
    return LineDraft(
        key=f"{key}:u{user.id}",
        recipient_user_id=user.id,
        kind=kind,
        programme_id=programme.id,
        action_id=action.id if action else None,
        due_on=due_on,
        offset_days=threshold.offset_days,
        reached_at=threshold.reached_at,
        state=state,
        reason=reason,
    )


def _series_candidates(
    kind: LineKind,
    key: str,
    recipients: Iterable[User],
    programme: Programme,
    decision: policy.Decision,
    today: dt.date,
    *,
    action: Action | None,
    due_on: dt.date,
) -> Iterator[Candidate]:
    latest = decision.latest
    if latest is None:
        return
    for user in recipients:
        if decision.stale is not None:
            state, reason = LineState.skipped, "stale"
        elif policy.is_paused(user.reminders_paused_until, today):
            state, reason = LineState.skipped, "paused"
        else:
            state, reason = LineState.planned, None
        older = tuple(
            _draft(
                kind,
                f"{key}:{t.offset_days:+d}",
                user,
                programme,
                t,
                action=action,
                due_on=due_on,
                state=LineState.skipped,
                reason="superseded",
            )
            for t in decision.superseded
        )
        yield Candidate(
            _draft(
                kind,
                f"{key}:{latest.offset_days:+d}",
                user,
                programme,
                latest,
                action=action,
                due_on=due_on,
                state=state,
                reason=reason,
            ),
            older,
        )


def collect_candidates(session: Session, now: dt.datetime) -> list[Candidate]:
    """Every series' latest reached line at ``now``, whether or not it exists already."""
    people = _load_people(session)
    candidates: list[Candidate] = []
    for programme in session.exec(select(Programme).order_by(col(Programme.id))):
        candidates.extend(_programme_candidates(session, programme, people, now))
    return candidates


def _programme_candidates(
    session: Session, programme: Programme, people: _People, now: dt.datetime
) -> Iterator[Candidate]:
    assert programme.id is not None
    tz = programme.timezone
    today = policy.local_date(now, tz)
    before = policy.parse_days(programme.remind_before_days)
    actions = session.exec(
        select(Action)
        .where(Action.programme_id == programme.id, col(Action.status).in_(OPEN_STATUSES))
        .order_by(col(Action.due_on), col(Action.id))
    ).all()
    for action in actions:
        if action.due_on is None:
            continue
        reached = policy.due_series(
            action.due_on,
            before_days=before,
            overdue_every_days=programme.remind_overdue_every_days,
            timezone=tz,
            until=now,
        )
        decision = policy.decide(reached, now)
        owners = people.responsible(action)
        kind = LineKind.own if owners else LineKind.unassigned
        yield from _series_candidates(
            kind,
            f"{kind.value}:a{action.id}:{action.due_on.isoformat()}",
            owners or people.coordinators,
            programme,
            decision,
            today,
            action=action,
            due_on=action.due_on,
        )

    week = policy.escalation_week(now, tz)
    if week is not None and people.coordinators and actions:
        label, at = week
        last_events = last_event_at(session, [a.id for a in actions if a.id is not None])
        for action in actions:
            reason = policy.escalation_reason(
                due_on=action.due_on,
                today=today,
                last_event_at=last_events.get(action.id or 0),
                now=now,
                overdue_days=programme.escalate_overdue_days,
                idle_days=programme.escalate_idle_days,
            )
            if reason is None:
                continue
            for user in people.coordinators:
                paused = policy.is_paused(user.reminders_paused_until, today)
                yield Candidate(
                    _draft(
                        LineKind.escalation,
                        f"escalation:a{action.id}:{label}",
                        user,
                        programme,
                        policy.Threshold(at, 0),
                        action=action,
                        due_on=action.due_on,
                        state=LineState.skipped if paused else LineState.planned,
                        reason="paused" if paused else reason,
                    )
                )

    deadline = programme_service.current_deadline(session, programme.id)
    if deadline is not None and people.coordinators:
        reached = policy.countdown_series(
            deadline,
            countdown_days=policy.parse_days(programme.countdown_days),
            timezone=tz,
            until=now,
        )
        yield from _series_candidates(
            LineKind.countdown,
            f"countdown:p{programme.id}:{deadline.isoformat()}",
            people.coordinators,
            programme,
            policy.decide(reached, now),
            today,
            action=None,
            due_on=deadline,
        )


def new_line_drafts(session: Session, now: dt.datetime) -> list[LineDraft]:
    """The lines a tick at ``now`` would add: candidates whose latest line does not exist yet.

    Reading only, so ``--dry-run`` and tests can use it; planning itself still relies on
    the unique key, not on this check, when several ticks run at once.
    """
    candidates = collect_candidates(session, now)
    existing: set[str] = set()
    keys = [c.latest.key for c in candidates]
    for chunk in _chunks(keys):
        existing.update(
            session.exec(select(ReminderLine.key).where(col(ReminderLine.key).in_(chunk)))
        )
    drafts: list[LineDraft] = []
    for candidate in candidates:
        if candidate.latest.key not in existing:
            drafts.append(candidate.latest)
            drafts.extend(candidate.superseded)
    return drafts


def _insert_if_absent(
    session: Session, drafts: Sequence[LineDraft], now: dt.datetime
) -> list[tuple[int, str, int, LineState]]:
    """Insert the drafts whose key is new; return (id, key, recipient, state) of those inserted."""
    table = ReminderLine.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted: list[tuple[int, str, int, LineState]] = []
    # De-duplicate within the run too (two series cannot share a key, but be safe).
    unique = list({d.key: d for d in drafts}.values())
    # One statement executed with many parameter sets ("insertmanyvalues"): compiled
    # once and cached, whatever the number of rows.
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id, table.c.key, table.c.recipient_user_id, table.c.state)
    )
    rows = session.execute(statement, [d.row(now) for d in unique])
    inserted.extend((row.id, row.key, row.recipient_user_id, LineState(row.state)) for row in rows)
    return inserted


def reminder_message_id(line_keys: Iterable[str], domain: str) -> str:
    """The Message-ID of the mail carrying these lines: the same lines, the same identity."""
    digest = hashlib.sha256("\n".join(sorted(line_keys)).encode()).hexdigest()[:32]
    return f"<reminder.{digest}@{domain}>"


def plan_reminders(session: Session, now: dt.datetime, *, domain: str) -> PlanResult:
    """Plan this tick's lines and group each recipient's new lines into one pending message."""
    result = PlanResult()
    drafts = new_line_drafts(session, now)
    if not drafts:
        return result
    inserted = _insert_if_absent(session, drafts, now)
    by_recipient: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for line_id, key, recipient_id, state in inserted:
        if state == LineState.planned:
            by_recipient[recipient_id].append((line_id, key))
            result.planned_lines += 1
        else:
            result.skipped_lines += 1
    for recipient_id, lines in sorted(by_recipient.items()):
        user = session.get(User, recipient_id)
        assert user is not None
        message = OutboxMessage(
            message_id=reminder_message_id((key for _id, key in lines), domain),
            kind=MessageKind.reminder,
            recipient_user_id=recipient_id,
            recipient_email=user.email,
            subject="",
            next_attempt_at=now,
            planned_at=now,
        )
        session.add(message)
        session.flush()
        assert message.id is not None
        session.execute(
            sa.update(ReminderLine)
            .where(col(ReminderLine.id).in_([line_id for line_id, _key in lines]))
            .values(outbox_message_id=message.id)
        )
        result.message_ids.append(message.id)
    return result


def responsible_users(session: Session, action: Action) -> list[User]:
    """Who gets ``action``'s own reminders now (same rule as planning), for send-time checks."""
    if action.owner_user_id is not None:
        owner = session.get(User, action.owner_user_id)
        if owner is not None and owner.active:
            return [owner]
    if action.owner_organisation_id is not None:
        return list(
            session.exec(
                select(User).where(
                    User.organisation_id == action.owner_organisation_id,
                    col(User.active).is_(True),
                )
            )
        )
    return []


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
    session: Session, now: dt.datetime, *, days: int = 30
) -> list[UpcomingReminder]:
    """Simulate the policy over the next ``days``: every threshold reached in that window.

    The escalation lists assume today's state; a threshold already reached is not
    listed (the next tick handles it), and paused recipients are marked, not hidden.
    """
    until = now + dt.timedelta(days=days)
    people = _load_people(session)
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
        tz = programme.timezone
        actions = session.exec(
            select(Action).where(
                Action.programme_id == programme.id, col(Action.status).in_(OPEN_STATUSES)
            )
        ).all()
        for action in actions:
            if action.due_on is None:
                continue
            owners = people.responsible(action)
            kind = LineKind.own if owners else LineKind.unassigned
            for threshold in policy.due_series(
                action.due_on,
                before_days=policy.parse_days(programme.remind_before_days),
                overdue_every_days=programme.remind_overdue_every_days,
                timezone=tz,
                until=until,
            ):
                if threshold.reached_at > now:
                    add(threshold.reached_at, owners or people.coordinators, kind, programme,
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
                    add(at, people.coordinators, LineKind.escalation, programme, None, 0,
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
                    add(threshold.reached_at, people.coordinators, LineKind.countdown, programme,
                        None, threshold.offset_days, deadline.isoformat())  # fmt: skip
    return sorted(upcoming, key=lambda u: (u.at, u.recipient.email, u.kind.value))
