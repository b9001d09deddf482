"""What a person asks to change, and the checks of each typed value before any rule."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext

from ...models import Status
from ..uploads import MAX_FILES_PER_UPDATE, CheckedFile, Upload, UploadRefused, check_upload
from .errors import InvalidChange

MAX_TEXT = 10_000
MAX_URL = 1_000


@dataclass(frozen=True)
class Owner:
    """A new owner: a user, an organisation, or neither (unassigned)."""

    user_id: int | None = None
    organisation_id: int | None = None


UNASSIGNED = Owner()


class Verdict(enum.StrEnum):
    """What a verifier decides about an action reported implemented (issue 14)."""

    verify = "verify"  # checked: it counts as done
    send_back = "send_back"  # not yet: back to in progress, with a comment saying why


@dataclass(frozen=True)
class ActionChange:
    """What a person asks to change. Fields left at their default change nothing.

    - ``status``: the new status (a ``Status`` or its value); the current status with
      a comment records a comment.
    - ``comment``, ``evidence_url``: go with the status change or the comment.
    - ``owner``: ``None`` keeps the owner, ``Owner(user_id=...)``,
      ``Owner(organisation_id=...)`` or ``UNASSIGNED`` changes it (coordinators).
    - ``due_on``: pin the due date to this day (coordinators).
    - ``unpin``: follow the programme's treaty deadline again (coordinators).
    - ``reason``: why the owner or due date changed; required for those changes.
    - ``verdict``: ``Verdict.verify`` or ``send_back`` (coordinators and the
      programme's verifiers); with ``status`` implemented, verify in the same step.
    - ``files``: evidence files attached to the update (issue 18), checked by content;
      they count as evidence for "implemented", and with no other change make a comment.
    - ``confirm``: with the current status "in progress", record that it is on track
      (a ``confirmed`` event: "On track" from a reminder, issue 18).
    """

    status: Status | str | None = None
    comment: str = ""
    evidence_url: str = ""
    owner: Owner | None = None
    due_on: dt.date | None = None
    unpin: bool = False
    reason: str = ""
    verdict: Verdict | str | None = None
    files: tuple[Upload, ...] = ()
    confirm: bool = False


def parse_status(value: Status | str) -> Status:
    """A status from its value (what forms and the API send), refused at ``status``."""
    try:
        return Status(value)
    except ValueError:
        raise InvalidChange(gettext("Unknown status %(value)r.", value=value), "status") from None


def parse_verdict(value: Verdict | str | None) -> Verdict | None:
    """A verdict from its value, or None for none; refused at ``verification``."""
    if value is None or value == "":
        return None
    try:
        return Verdict(value)
    except ValueError:
        raise InvalidChange(
            gettext("Unknown verification decision %(value)r.", value=value), "verification"
        ) from None


def clean_text(value: str | None, field_name: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidChange(
            gettext(
                "This text is %(length)s characters long; the limit is %(limit)s.",
                length=f"{len(text):,}",
                limit=f"{MAX_TEXT:,}",
            ),
            field_name,
        )
    return text


def clean_url(value: str | None) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    message = gettext("The evidence link must be a web address starting with http:// or https://.")
    if len(url) > MAX_URL:
        raise InvalidChange(
            gettext("The evidence link is longer than %(limit)s characters.", limit=MAX_URL),
            "evidence_url",
        )
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidChange(message, "evidence_url")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidChange(message, "evidence_url") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidChange(message, "evidence_url")
    return url


def check_files(uploads: tuple[Upload, ...]) -> list[CheckedFile]:
    """Each file checked by its content, refused at the ``evidence_files`` field."""
    if len(uploads) > MAX_FILES_PER_UPDATE:
        raise InvalidChange(
            gettext("Attach at most %(count)s files to one update.", count=MAX_FILES_PER_UPDATE),
            "evidence_files",
        )
    try:
        return [check_upload(upload) for upload in uploads]
    except UploadRefused as refused:
        raise InvalidChange(str(refused), "evidence_files") from None
