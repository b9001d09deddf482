"""The audit trail: one append-only journal of administrative changes.

Accounts, roles, organisations, tokens, deadlines (and, as they arrive, programme
membership, settings, publishing, evidence made public) are journalled here the way
actions are journalled in ``action_event``: who, when, from which address, and the old
and new value of what changed. Every such change calls ``record_audit`` in the same
transaction as the change itself, so a change and its entry commit or roll back together.

Nothing in the application updates or deletes an entry; the migration adds database
triggers that refuse it, so not even a bug in a later view can rewrite history.

Kinds are dotted strings (``user.role_changed``); ``KINDS`` lists those with a label
for the filter, and a caller may add one by adding it there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ..models import AuditEntry, User, utcnow
from .audit_subjects import AuditSubject, name_subjects

MAX_ADDRESS = 64
MAX_LABEL = 300

# kind -> what it means, for the filter and the page.
KINDS: dict[str, Any] = {
    "user.created": _l("Account created"),
    "user.details_changed": _l("Name or e-mail changed"),
    "user.role_changed": _l("Role changed"),
    "user.organisation_changed": _l("Organisation changed"),
    "user.deactivated": _l("Account deactivated"),
    "user.reactivated": _l("Account reactivated"),
    "user.password_reset": _l("Password reset by an admin"),
    "programme.membership_changed": _l("Programme membership changed"),
    "programme.organisation_changed": _l("Organisation taking part changed"),
    "programme.verifier_changed": _l("Verifier named or removed"),
    "programme.verification_changed": _l("Verification required or not"),
    "token.created": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "organisation.created": _l("Organisation added"),
    "organisation.changed": _l("Organisation changed"),
    "programme.settings_changed": _l("Programme settings changed"),
    "programme.reminder_policy_changed": _l("Reminder policy changed"),
    "programme.published": _l("Programme published"),
    "programme.unpublished": _l("Programme unpublished"),
    "comment.made_public": _l("Comment marked public"),
    "evidence.made_public": _l("Evidence marked public"),
    "deadline.recorded": _l("Deadline record added"),
    "deadline.decided": _l("Deadline request decided"),
}


@dataclass(frozen=True)
class AuditActor:
    """Who makes a change and from where; ``user_id`` None for a command or the system.

    Built by the views from the signed-in user and the request's address (the services
    never read the request), and by commands as ``AuditActor(None, "command line")``.
    """

    user_id: int | None
    address: str | None

    @classmethod
    def of(cls, user: User | None, address: str | None) -> AuditActor:
        return cls(user.id if user is not None else None, address)


SYSTEM = AuditActor(None, None)


def _json(values: Mapping[str, Any] | None) -> str | None:
    if not values:
        return None
    return json.dumps(dict(values), sort_keys=True, default=str, ensure_ascii=False)


def record_audit(
    session: Session,
    actor: AuditActor | None,
    kind: str,
    *,
    subject_type: str,
    subject_id: int | None,
    subject_label: str = "",
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Journal one administrative change; the caller commits it with the change.

    ``old`` and ``new`` hold only what changed (``{"role": "owner"}`` ->
    ``{"role": "coordinator"}``); values are stored as JSON, dates as ISO text.
    """
    actor = actor or SYSTEM
    entry = AuditEntry(
        at=at or utcnow(),
        actor_id=actor.user_id,
        address=actor.address[:MAX_ADDRESS] if actor.address else None,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=(subject_label or "")[:MAX_LABEL],
        old=_json(old),
        new=_json(new),
    )
    session.add(entry)
    session.flush()
    return entry


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The old and new values of the keys whose value differs."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page shows: any of kind, actor, subject type, and a day range (UTC)."""

    kind: str | None = None
    actor_id: int | None = None
    subject_type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        if self.kind:
            found.append(col(AuditEntry.kind) == self.kind)
        if self.actor_id is not None:
            found.append(col(AuditEntry.actor_id) == self.actor_id)
        if self.subject_type:
            found.append(col(AuditEntry.subject_type) == self.subject_type)
        if self.since:
            start = dt.datetime.combine(self.since, dt.time(), dt.UTC)
            found.append(col(AuditEntry.at) >= start)
        if self.until:
            end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(), dt.UTC)
            found.append(col(AuditEntry.at) < end)
        return found


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor_name: str | None
    actor_email: str | None
    # Named for the page (list_audit); the CSV writes the stored type, id and label.
    subject: AuditSubject | None = None

    @property
    def old(self) -> dict[str, Any]:
        return dict(json.loads(self.entry.old)) if self.entry.old else {}

    @property
    def new(self) -> dict[str, Any]:
        return dict(json.loads(self.entry.new)) if self.entry.new else {}


def _query(audit_filter: AuditFilter) -> Any:
    return (
        select(AuditEntry, User.name, User.email)
        .join(User, col(User.id) == AuditEntry.actor_id, isouter=True)
        .where(*audit_filter.conditions())
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    )


def list_audit(
    session: Session, audit_filter: AuditFilter, *, page: int = 1, per_page: int = 100
) -> tuple[list[AuditRow], int]:
    """One page of entries, newest first, each subject named (one query per subject
    type on the page), and how many match in all."""
    total = int(
        session.execute(
            sa.select(sa.func.count()).select_from(AuditEntry).where(*audit_filter.conditions())
        ).scalar_one()
    )
    rows = list(session.execute(_query(audit_filter).offset((page - 1) * per_page).limit(per_page)))
    subjects = name_subjects(session, [entry for entry, _name, _email in rows])
    return [
        AuditRow(entry, name, email, subject)
        for (entry, name, email), subject in zip(rows, subjects, strict=True)
    ], total


def iter_audit(session: Session, audit_filter: AuditFilter) -> Iterator[AuditRow]:
    """Every matching entry, newest first, read in chunks (for the CSV export)."""
    result = session.execute(_query(audit_filter).execution_options(yield_per=500))
    for entry, name, email in result:
        yield AuditRow(entry, name, email)


def audit_actors(session: Session) -> list[tuple[int, str]]:
    """The people who appear as actors, for the filter: (id, name)."""
    rows = session.execute(
        sa.select(col(User.id), col(User.name))
        .where(col(User.id).in_(sa.select(col(AuditEntry.actor_id)).distinct()))
        .order_by(sa.func.lower(User.name))
    )
    return [(int(user_id), str(name)) for user_id, name in rows]


def audit_subject_types(session: Session) -> list[str]:
    return [str(value) for value in session.exec(select(AuditEntry.subject_type).distinct())]


CSV_HEADERS = ("at_utc", "kind", "actor", "actor_email", "address", "subject_type",
               "subject_id", "subject", "old", "new")  # fmt: skip


def stream_audit_csv(session: Session, audit_filter: AuditFilter) -> Iterator[str]:
    """The matching entries as CSV in chunks, as the actions export writes its file."""
    from .exports import csv_chunks

    yield from csv_chunks(
        CSV_HEADERS, (_csv_values(row) for row in iter_audit(session, audit_filter))
    )


def _csv_values(row: AuditRow) -> tuple[object, ...]:
    entry = row.entry
    return (
        entry.at.isoformat(timespec="seconds"), entry.kind, row.actor_name or "",
        row.actor_email or "", entry.address or "", entry.subject_type,
        entry.subject_id if entry.subject_id is not None else "", entry.subject_label,
        entry.old or "", entry.new or "",
    )  # fmt: skip
