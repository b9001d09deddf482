"""The words pages and mail use for stored codes (status, role, ...), in the reader's language.

The codes stay English in the database, the CSV and the API; these lazy strings are
translated when shown, so one dictionary serves every locale.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from flask_babel import gettext, lazy_gettext

from .formatting import format_day, format_instant
from .models import DeadlineKind, MessageKind, MessageStatus, Role, Status, TokenScope

if TYPE_CHECKING:
    from .services.audit_subjects import AuditSubject

# Keyed by enum class first: members of different enums may share a value.
LABELS: dict[type[enum.Enum], dict[str, Any]] = {
    Status: {
        "not_started": lazy_gettext("Not started"),
        "in_progress": lazy_gettext("In progress"),
        "blocked": lazy_gettext("Blocked"),
        "implemented": lazy_gettext("Implemented"),
        "not_applicable": lazy_gettext("Not applicable"),
    },
    Role: {
        "admin": lazy_gettext("admin"),
        "coordinator": lazy_gettext("coordinator"),
        "owner": lazy_gettext("owner"),
        "viewer": lazy_gettext("viewer"),
    },
    TokenScope: {
        "read": lazy_gettext("read"),
        "write": lazy_gettext("read and write"),
    },
    MessageKind: {
        "reminder": lazy_gettext("reminder"),
        "invitation": lazy_gettext("invitation"),
        "password_reset": lazy_gettext("password reset"),
    },
    MessageStatus: {
        "pending": lazy_gettext("pending"),
        "sending": lazy_gettext("sending"),
        "sent": lazy_gettext("sent"),
        "failed": lazy_gettext("failed"),
        "dead": lazy_gettext("given up"),
        "cancelled": lazy_gettext("cancelled"),
    },
    DeadlineKind: {
        "original": lazy_gettext("original"),
        "extension": lazy_gettext("extension"),
        "correction": lazy_gettext("correction"),
    },
}


def label(value: enum.Enum | None) -> str:
    """The reader's word for a stored code; the code itself if it has none (a treaty name)."""
    if value is None:
        return ""
    found = LABELS.get(type(value), {}).get(value.name)
    return str(found) if found is not None else str(value.value)


def status_label(status: Status) -> str:
    return label(status)


def role_label(role: Role) -> str:
    return label(role)


def message_status_label(code: str) -> str:
    """An outbox status named by its code (the mail page counts them by code)."""
    return label(MessageStatus(code))


# --- The audit trail's old and new values (services/audit): stored as JSON of codes,
# ISO dates and what people typed; the page names each field and code in the reader's
# language, the CSV keeps the JSON as stored.

AUDIT_FIELDS: dict[str, Any] = {
    "email": lazy_gettext("E-mail"),
    "name": lazy_gettext("Name"),
    "role": lazy_gettext("Role"),
    "organisation_id": lazy_gettext("Organisation"),
    "active": lazy_gettext("Active"),
    "user_id": lazy_gettext("Account"),
    "prefix": lazy_gettext("Prefix"),
    "scope": lazy_gettext("Scope"),
    "expires_at": lazy_gettext("Expires"),
    "reason": lazy_gettext("Reason"),
    "revoked": lazy_gettext("Revoked"),
    "record_id": lazy_gettext("Record"),
    "kind": lazy_gettext("Kind"),
    "deadline": lazy_gettext("Deadline"),
    "new_on": lazy_gettext("New deadline"),
    "requested_on": lazy_gettext("Requested"),
    "decided_on": lazy_gettext("Decided"),
    "decided_by": lazy_gettext("Decided by"),
    "refused": lazy_gettext("Refused"),
    "published": lazy_gettext("Published"),
    "slug": lazy_gettext("Public address"),
    "verifies": lazy_gettext("Verifier"),
    "requires_verification": lazy_gettext("Verification"),
    "takes_part": lazy_gettext("Takes part"),
    "short_name": lazy_gettext("Short name"),
    "focal_point_user_id": lazy_gettext("Focal point for reminders"),
}
_AUDIT_CODES: dict[str, type[enum.Enum]] = {
    "role": Role,
    "scope": TokenScope,
    "kind": DeadlineKind,
}
_AUDIT_DAYS = frozenset({"deadline", "new_on", "requested_on", "decided_on"})
_AUDIT_INSTANTS = frozenset({"expires_at"})
# Reasons the application writes itself (services/tokens); a person's words stay theirs.
_AUDIT_REASONS: dict[str, Any] = {"all tokens revoked": lazy_gettext("all tokens revoked")}
_YES, _NO = lazy_gettext("yes"), lazy_gettext("no")
AUDIT_SUBJECTS: dict[str, Any] = {
    "user": lazy_gettext("account"),
    "programme": lazy_gettext("programme"),
    "organisation": lazy_gettext("organisation"),
    "api_token": lazy_gettext("API token"),
    "action": lazy_gettext("action"),
}
# What in a programme a change was about, beside its people and organisations
# (services/audit_subjects): worded here, never read from the English the label holds.
AUDIT_ASPECTS: dict[str, Any] = {
    "deadline": lazy_gettext("treaty deadline"),
    "verification": lazy_gettext("verification"),
}


def audit_field(key: str) -> str:
    """The reader's name of a field in an audit entry; the key itself if it has none."""
    found = AUDIT_FIELDS.get(key)
    return str(found) if found is not None else key


def audit_subject(subject_type: str) -> str:
    found = AUDIT_SUBJECTS.get(subject_type)
    return str(found) if found is not None else subject_type


def audit_subject_name(subject: AuditSubject | None) -> str:
    """An entry's subject as the page names it: the account, programme, organisation,
    token or action by its name (as people typed it, for the template to escape), and
    what in a programme changed in the reader's words; its type and number only when it
    is no longer found."""
    if subject is None:
        return ""
    name, detail = subject.name, subject.detail
    if subject.subject_type == "action" and subject.subject_id is not None:
        number = gettext("Action %(id)s", id=subject.subject_id)
        return f"{number}: {name}" if name else number
    if subject.subject_type == "api_token" and name and detail:
        return gettext("%(token)s of %(person)s", token=name, person=detail)
    aspect = AUDIT_ASPECTS.get(subject.aspect)
    part = subject.part or (str(aspect) if aspect is not None else "")
    if not name:
        if detail or subject.subject_id is None:
            name = detail or audit_subject(subject.subject_type)
        else:
            what = audit_subject(subject.subject_type)
            name = gettext("%(what)s no. %(id)s", what=what, id=subject.subject_id)
    elif detail:
        name = f"{name} ({detail})"
    return f"{name}: {part}" if part else name


def audit_value(value: object, key: str) -> str:
    """One stored old or new value as the page reads it: a code by its label, a yes or
    no, a date or instant as every page writes one; anything else (names, e-mail
    addresses, numbers) as stored, for the template to escape."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_YES if value else _NO)
    if not isinstance(value, str):
        return str(value)
    try:
        if key in _AUDIT_CODES:
            return label(_AUDIT_CODES[key](value))
        if key in _AUDIT_DAYS:
            return format_day(dt.date.fromisoformat(value))
        if key in _AUDIT_INSTANTS:
            return format_instant(dt.datetime.fromisoformat(value))
    except ValueError:
        return value  # an older entry's value outside today's codes: shown as stored
    found = _AUDIT_REASONS.get(value) if key == "reason" else None
    return str(found) if found is not None else value
