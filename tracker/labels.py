"""The words pages and mail use for stored codes (status, role, ...), in the reader's language.

The codes stay English in the database, the CSV and the API; these lazy strings are
translated when shown, so one dictionary serves every locale.
"""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext

from .models import DeadlineKind, MessageKind, MessageStatus, Role, Status, TokenScope

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
