"""Programmes and their treaty deadline history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    OPEN_STATUSES,
    Action,
    DeadlineChange,
    DeadlineKind,
    EventKind,
    Programme,
    Treaty,
    User,
    utcnow,
)
from .audit import AuditActor, record_audit
from .journal import record_event, reschedule_reminders


class DeadlineError(ValueError):
    """A deadline change that cannot be recorded; the message says why."""


TREATY_ARTICLE = {Treaty.APMBC: "5", Treaty.CCM: "4"}
_EPOCH = dt.date(1, 1, 1)


def guess_timezone(country: str) -> str | None:
    """The country's first listed IANA zone, or None; coordinators can change it later."""
    try:
        base = resources.files("tzdata").joinpath("zoneinfo")
        codes = base.joinpath("iso3166.tab").read_text()
        zones = base.joinpath("zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    wanted = country.strip().casefold()
    code = next(
        (
            line.split("\t")[0]
            for line in codes.splitlines()
            if not line.startswith("#") and line.split("\t")[-1].strip().casefold() == wanted
        ),
        None,
    )
    if code is None:
        return None
    for line in zones.splitlines():
        parts = line.split("\t")
        if not line.startswith("#") and len(parts) >= 3 and parts[0] == code:
            return parts[2].strip()
    return None


def _in_force() -> sa.ColumnElement[bool]:
    """A record moves the deadline once decided and not refused; the original always counts."""
    return sa.or_(
        col(DeadlineChange.kind) == DeadlineKind.original,
        sa.and_(col(DeadlineChange.decided_on).is_not(None), sa.not_(col(DeadlineChange.refused))),
    )


def current_deadline_change(session: Session, programme_id: int) -> DeadlineChange | None:
    return session.exec(
        select(DeadlineChange)
        .where(DeadlineChange.programme_id == programme_id, _in_force())
        .order_by(
            sa.func.coalesce(DeadlineChange.decided_on, _EPOCH).desc(),
            col(DeadlineChange.id).desc(),
        )
        .limit(1)
    ).first()


def current_deadline(session: Session, programme_id: int) -> dt.date | None:
    change = current_deadline_change(session, programme_id)
    return change.new_on if change else None


def current_deadlines(session: Session, programme_ids: list[int]) -> dict[int, dt.date]:
    """``current_deadline`` of many programmes in one query (a few records per programme)."""
    rows = session.execute(
        sa.select(col(DeadlineChange.programme_id), col(DeadlineChange.new_on))
        .where(col(DeadlineChange.programme_id).in_(programme_ids), _in_force())
        .order_by(
            col(DeadlineChange.programme_id),
            sa.func.coalesce(DeadlineChange.decided_on, _EPOCH).desc(),
            col(DeadlineChange.id).desc(),
        )
    ).all()
    found: dict[int, dt.date] = {}
    for programme_id, new_on in rows:
        found.setdefault(programme_id, new_on)
    return found


def deadline_history(session: Session, programme_id: int) -> list[DeadlineChange]:
    """Every record, oldest decision first; pending requests last."""
    return list(
        session.exec(
            select(DeadlineChange)
            .where(DeadlineChange.programme_id == programme_id)
            .order_by(
                col(DeadlineChange.decided_on).is_(None),
                sa.func.coalesce(DeadlineChange.decided_on, DeadlineChange.requested_on, _EPOCH),
                col(DeadlineChange.id),
            )
        ).all()
    )


def count_following_actions(session: Session, programme_id: int) -> int:
    """Open actions whose due date will move with the next deadline change."""
    return session.exec(
        select(sa.func.count())
        .select_from(Action)
        .where(
            Action.programme_id == programme_id,
            col(Action.follows_deadline).is_(True),
            col(Action.status).in_(OPEN_STATUSES),
        )
    ).one()


def get_or_create_programme(
    session: Session, country: str, treaty: Treaty, article: str | None = None
) -> tuple[Programme, bool]:
    programme = session.exec(
        select(Programme).where(
            sa.func.lower(Programme.country) == country.strip().lower(),
            Programme.treaty == treaty,
        )
    ).first()
    if programme is not None:
        return programme, False
    programme = Programme(
        country=country.strip(),
        treaty=treaty,
        article=article or TREATY_ARTICLE[treaty],
        timezone=guess_timezone(country) or "UTC",
    )
    session.add(programme)
    session.flush()
    return programme, True


@dataclass(frozen=True)
class DeadlineRecorded:
    change: DeadlineChange
    moved_actions: int


def record_deadline_change(
    session: Session,
    programme: Programme,
    *,
    kind: DeadlineKind,
    new_on: dt.date,
    requested_on: dt.date | None = None,
    decided_on: dt.date | None = None,
    decided_by: str | None = None,
    source: str | None = None,
    note: str | None = None,
    actor: User | None = None,
    audit: AuditActor | None = None,
) -> DeadlineRecorded:
    """Append a deadline record; when it is decided, move every open action that follows.

    An original deadline is recorded once, as the first record. An extension or a
    correction without a decision date is a pending request and moves nothing.
    """
    assert programme.id is not None
    history = deadline_history(session, programme.id)
    if kind == DeadlineKind.original and history:
        raise DeadlineError("this programme already has its original deadline")
    if kind != DeadlineKind.original and not history:
        raise DeadlineError("record the original deadline first")
    if decided_on and requested_on and decided_on < requested_on:
        raise DeadlineError("the decision cannot come before the request")
    previous = current_deadline(session, programme.id)
    change = DeadlineChange(
        programme_id=programme.id,
        kind=kind,
        previous_on=previous,
        new_on=new_on,
        requested_on=requested_on,
        decided_on=decided_on,
        decided_by=decided_by,
        source=source,
        note=note,
        recorded_by_id=actor.id if actor else None,
    )
    _save_and_audit(
        session, change, "deadline.recorded", {"deadline": previous}, actor=actor, audit=audit
    )
    moved = 0
    if kind == DeadlineKind.original or decided_on is not None:
        moved = _move_following_actions(session, programme.id, change, actor)
    return DeadlineRecorded(change, moved)


def record_deadline_decision(
    session: Session,
    change: DeadlineChange,
    *,
    decided_on: dt.date,
    decided_by: str | None,
    refused: bool = False,
    note: str | None = None,
    actor: User | None = None,
    audit: AuditActor | None = None,
) -> DeadlineRecorded:
    """Decide a pending request once: granted moves the deadline, refused leaves it."""
    if change.decided_on is not None:
        raise DeadlineError("this request has already been decided")
    if change.requested_on and decided_on < change.requested_on:
        raise DeadlineError("the decision cannot come before the request")
    change.previous_on = current_deadline(session, change.programme_id)
    change.decided_on = decided_on
    change.decided_by = decided_by
    change.refused = refused
    if note:
        change.note = f"{change.note}\n{note}" if change.note else note
    _save_and_audit(
        session, change, "deadline.decided",
        {"decided_on": None, "deadline": change.previous_on}, actor=actor, audit=audit,
    )  # fmt: skip
    moved = 0 if refused else _move_following_actions(session, change.programme_id, change, actor)
    return DeadlineRecorded(change, moved)


def _save_and_audit(
    session: Session,
    change: DeadlineChange,
    kind: str,
    old: dict[str, object],
    *,
    actor: User | None,
    audit: AuditActor | None,
) -> None:
    """Store the deadline record and put it in the programme's audit trail with its details.

    The entry's label is the programme's name alone (the audit page words "treaty
    deadline" in the reader's language); entries before 2 Dec 2026 labelled a decision
    "deadline record <id>" in English, and the page no longer reads that."""
    session.add(change)
    session.flush()
    programme = session.get(Programme, change.programme_id)
    record_audit(
        session, audit or AuditActor.of(actor, None), kind,
        subject_type="programme", subject_id=change.programme_id,
        subject_label=programme.short_name if programme is not None else "",
        old=old, new=_deadline_details(change),
    )  # fmt: skip


def _deadline_details(change: DeadlineChange) -> dict[str, object]:
    return {
        "record_id": change.id,
        "kind": change.kind.value,
        "new_on": change.new_on,
        "requested_on": change.requested_on,
        "decided_on": change.decided_on,
        "decided_by": change.decided_by,
        "refused": change.refused,
    }


def _move_following_actions(
    session: Session, programme_id: int, change: DeadlineChange, actor: User | None
) -> int:
    """Re-date open following actions to the now-current deadline, journalling each move."""
    new_due = current_deadline(session, programme_id)
    actions = session.exec(
        select(Action).where(
            Action.programme_id == programme_id,
            col(Action.follows_deadline).is_(True),
            col(Action.status).in_(OPEN_STATUSES),
            sa.or_(col(Action.due_on).is_(None), col(Action.due_on) != new_due),
        )
    ).all()
    now = utcnow()
    comment = f"Treaty deadline {change.kind.value}"
    if change.decided_by:
        comment += f" ({change.decided_by})"
    for action in actions:
        assert action.id is not None
        record_event(
            session,
            action.id,
            EventKind.due_date_changed,
            at=now,
            actor=actor,
            due_from=action.due_on,
            due_to=new_due,
            follows_deadline_to=True,
            comment=comment,
            deadline_change_id=change.id,
        )
    if actions:
        # One statement, with the version bumped in SQL, so a concurrent edit of the
        # same action sees its version change and cannot silently overwrite this.
        session.execute(
            sa.update(Action)
            .where(col(Action.id).in_([a.id for a in actions]))
            .values(due_on=new_due, version=Action.version + 1, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
        reschedule_reminders(session, [a.id for a in actions if a.id is not None])
    session.flush()
    return len(actions)
