"""Reading HTML forms: the conventions of our pages, turned into typed values.

One parser per kind of field, so that every page accepts the same spelling and says
the same thing when it is wrong: a day (``parse_date``), a row id (``parse_id``, and
``IdConverter`` for ids in URLs: ``<id:action_id>``, outside 1..MAX_ID a 404), an
owner choice (``parse_owner``), the action update form as a whole
(``change_from_form``), and the bulk form and its confirmation (``bulk_change_from_form``,
``parse_bulk_items``). A malformed field raises ``workflow.InvalidChange`` naming the
field, which the views answer with 422 and the form as typed. The services receive
typed values only and never read a form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext
from werkzeug.datastructures import FileStorage
from werkzeug.routing import BaseConverter, ValidationError

from ..services.uploads import Upload
from ..services.workflow import (
    UNASSIGNED,
    ActionChange,
    InvalidChange,
    Owner,
    parse_status,
    parse_verdict,
)

# Ids are 32-bit integer columns: a larger number names no row (and PostgreSQL would
# refuse to compare it), so it is "no such row", answered before the database is asked.
MAX_ID = 2**31 - 1

# The owner select's values: ``user:ID``, ``organisation:ID``, ``none``, or keep.
OWNER_KINDS = ("user", "organisation")


def parse_date(value: str | None, field_name: str) -> dt.date | None:
    """A day typed as YYYY-MM-DD (what a date input sends), or None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidChange(
            gettext("%(value)r is not a date: use the form YYYY-MM-DD.", value=text[:40]),
            field_name,
        ) from None


def parse_id(value: str | None) -> int | None:
    """A row id as a form or query string carries it, or None when it cannot name a row.

    Only plain decimal digits from 1 to ``MAX_ID``: no sign, no spaces inside, no
    number too large for the column.
    """
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _range_pattern(limit: int) -> str:
    """A regular expression for exactly the whole numbers 1..``limit``, without leading zeros.

    The range is in the pattern, not checked after matching: Werkzeug answers 405 rather
    than 404 when a path matched a rule of another method and the converter of this one
    refused the value, and an id out of range must read as "nothing here" everywhere.
    """
    digits = str(limit)
    parts = [rf"[1-9]\d{{0,{len(digits) - 2}}}"]  # every shorter number
    for position, digit in enumerate(digits):
        head, rest = digits[:position], len(digits) - position - 1
        low = "1" if position == 0 else "0"
        if int(digit) > int(low):
            tail = rf"\d{{{rest}}}" if rest else ""
            parts.append(f"{head}[{low}-{int(digit) - 1}]{tail}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(BaseConverter):
    """``<id:action_id>``: 1..MAX_ID without leading zeros, else the route does not match (404)."""

    regex = _range_pattern(MAX_ID)
    weight = 50

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def parse_owner(value: str | None) -> Owner | None:
    """``keep`` (or empty): None; ``none``: unassigned; ``user:ID`` or ``organisation:ID``.

    An id that cannot name a row is refused like any other choice not in the list.
    """
    text = (value or "").strip()
    if text in ("", "keep"):
        return None
    if text == "none":
        return UNASSIGNED
    kind, _, number = text.partition(":")
    row_id = parse_id(number)
    if kind not in OWNER_KINDS or row_id is None:
        raise InvalidChange(gettext("Choose an owner from the list."), "owner")
    if kind == "user":
        return Owner(user_id=row_id)
    return Owner(organisation_id=row_id)


def change_from_form(form: Mapping[str, str]) -> tuple[ActionChange, int]:
    """The change and the version a submitted action update form carries.

    Fields: ``version``, ``status``, ``comment``, ``evidence_url``, and for
    coordinators ``owner`` (see ``parse_owner``), ``due_mode`` (``keep``,
    ``follow`` or ``pin``), ``due_on`` and ``reason``; for verifiers ``verdict``
    (``verify``, ``send_back`` or empty).
    """
    version_text = (form.get("version") or "").strip()
    if not (version_text.isascii() and version_text.isdigit()) or len(version_text) > 12:
        raise InvalidChange(gettext("The form is missing its version; reload the page."), None)
    return bulk_change_from_form(form), int(version_text)


def bulk_change_from_form(form: Mapping[str, str]) -> ActionChange:
    """The change of a form without a version: the update form's fields (see above), as
    the bulk form on the actions list sends them for every selected action."""
    due_mode = (form.get("due_mode") or "keep").strip()
    if due_mode not in ("keep", "follow", "pin"):
        raise InvalidChange(gettext("Choose how the due date is set."), "due_mode")
    due_on = parse_date(form.get("due_on"), "due_on")
    if due_mode == "pin" and due_on is None:
        raise InvalidChange(gettext("Give the date to pin the due date to."), "due_on")
    status = (form.get("status") or "").strip() or None
    return ActionChange(
        status=parse_status(status) if status else None,
        comment=form.get("comment") or "",
        evidence_url=form.get("evidence_url") or "",
        owner=parse_owner(form.get("owner")),
        due_on=due_on if due_mode == "pin" else None,
        unpin=due_mode == "follow",
        reason=form.get("reason") or "",
        verdict=parse_verdict(form.get("verdict")),
    )


def upload_limit() -> int:
    """The largest evidence file, in bytes: ``TRACKER_UPLOAD_MAX_MB`` (10 by default)."""
    return int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024


def uploads_from_form(files: Iterable[FileStorage]) -> tuple[Upload, ...]:
    """The files of a file field (the empty part a browser sends for none left out), each
    read up to one byte past the limit, so that an oversized one is told apart unread."""
    limit = upload_limit()
    uploads = []
    for storage in files:
        if not storage or not storage.filename:
            continue
        uploads.append(Upload(storage.filename, storage.stream.read(limit + 1), limit))
    return tuple(uploads)


def parse_bulk_items(values: list[str]) -> list[tuple[int, int]]:
    """A confirmation page's ``item`` fields, ``ID:VERSION`` each: the actions and the
    versions the page showed. A value that cannot name one is left out."""
    items: list[tuple[int, int]] = []
    for value in values:
        number, _, version = (value or "").partition(":")
        action_id, seen = parse_id(number), parse_id(version)
        if action_id is not None and seen is not None:
            items.append((action_id, seen))
    return items
