"""Many actions at once (issue 14): one change applied to each selected action.

Each action goes through ``update_action`` in a SAVEPOINT of its own, so it gets its own
permission check, its own version check (stale: changed since the person's confirmation
page showed it) and its own events; a refused action rolls back its savepoint only and
is reported with why, never half-applied. The caller commits once.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlmodel import Session

from ...models import User, utcnow
from ..journal import reschedule_reminders
from . import update_action
from .change import ActionChange
from .errors import ActionNotFound, Forbidden, InvalidChange, StaleVersion, WorkflowError

MAX_BULK = 1_000


class RefusedBecause(enum.StrEnum):
    """Why one action of a bulk change was not changed."""

    stale = "stale"  # changed by someone since the confirmation page
    not_found = "not_found"  # no such action, or outside the person's programmes
    forbidden = "forbidden"  # the person may not make this change to it
    refused = "refused"  # a rule refuses it (a transition, a missing comment, ...)


@dataclass(frozen=True)
class BulkItem:
    """One selected action and the version the person's page showed."""

    action_id: int
    seen_version: int


@dataclass(frozen=True)
class Refusal:
    action_id: int
    because: RefusedBecause
    message: str
    field: str | None = None
    current_version: int | None = None


@dataclass
class BulkResult:
    """What one bulk change did: the actions changed (with their new version), and each
    action refused with why, in the order they were given."""

    changed: dict[int, int] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)


def check_bulk_change(change: ActionChange, count: int) -> None:
    """Refuse the whole request before touching any action: too many, or nothing to do."""
    if count == 0:
        raise InvalidChange(gettext("Select at least one action."), "ids")
    if count > MAX_BULK:
        raise InvalidChange(
            gettext("At most %(limit)s actions can be changed at once.", limit=f"{MAX_BULK:,}"),
            "ids",
        )
    moves = change.owner is not None or change.due_on is not None or change.unpin
    if not (change.status or change.comment.strip() or moves or change.verdict):
        raise InvalidChange(
            gettext("Nothing to change: choose a status, an owner, a due date or a comment."),
            "status",
        )
    if moves and not change.reason.strip():
        raise InvalidChange(
            gettext("Say why the owner or due date changes; it goes into the history."),
            "reason",
        )


def apply_bulk(
    session: Session,
    actor: User,
    items: Sequence[BulkItem],
    change: ActionChange,
    *,
    at: dt.datetime | None = None,
    via: str | None = None,
) -> BulkResult:
    """Apply ``change`` to each item as ``actor``; each in its own savepoint. Caller commits.
    ``via`` goes on every event, as ``update_action`` says (``"api"``: the API's bulk)."""
    unique = list({item.action_id: item for item in items}.values())
    check_bulk_change(change, len(unique))
    now = at or utcnow()
    result = BulkResult()
    for item in unique:
        savepoint = session.begin_nested()
        try:
            action = update_action(
                session, item.action_id, actor, item.seen_version, change, at=now, via=via
            )
        except StaleVersion as exc:
            savepoint.rollback()
            result.refused.append(
                Refusal(
                    item.action_id, RefusedBecause.stale, exc.message, None, exc.current.version
                )
            )
        except WorkflowError as exc:
            savepoint.rollback()
            because = (
                RefusedBecause.not_found
                if isinstance(exc, ActionNotFound)
                else RefusedBecause.forbidden
                if isinstance(exc, Forbidden)
                else RefusedBecause.refused
            )
            result.refused.append(Refusal(item.action_id, because, exc.message, exc.field))
        else:
            savepoint.commit()
            result.changed[item.action_id] = action.version
    # update_action asked for each; said once more for the whole set, as every bulk path does.
    reschedule_reminders(session, result.changed)
    return result
