"""What a refused change raises: the reason, and for a stale save what changed since."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext
from sqlmodel import Session, col, select

from ...models import Action, ActionEvent, EventKind


class WorkflowError(Exception):
    """A change that was not made. ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ActionNotFound(WorkflowError):
    """There is no action with that id."""


class Forbidden(WorkflowError):
    """The person may not make this change; the message says why (answer 403)."""


class InvalidChange(WorkflowError):
    """The change breaks a rule or a field is malformed (answer 422)."""


class StaleVersion(WorkflowError):
    """Someone saved the action after the person loaded it; nothing was changed (409).

    ``current`` is the action as it is now, ``events`` what happened since the
    version the person saw, oldest first; both are detached from the session so
    they survive its rollback.
    """

    def __init__(self, current: Action, events: list[ActionEvent]) -> None:
        super().__init__(
            gettext("Someone else changed this action after you opened it; nothing was saved.")
        )
        self.current = current
        self.events = events


def stale_version(session: Session, action: Action, seen_version: int) -> StaleVersion:
    """The action as it is now and the events of the saves since ``seen_version``.

    Every save bumps the version once and writes its events with one timestamp, so
    the last ``current - seen`` groups of same-instant events are what happened since.
    """
    session.expire(action)
    current = session.get(Action, action.id, populate_existing=True)
    assert current is not None
    saves = max(current.version - seen_version, 0)
    events = list(
        session.exec(
            select(ActionEvent)
            .where(ActionEvent.action_id == current.id, ActionEvent.kind != EventKind.created)
            .order_by(col(ActionEvent.id).desc())
            .limit(200)
        )
    )
    since: list[ActionEvent] = []
    instants: list[dt.datetime] = []
    for event in events:
        if event.at not in instants:
            if len(instants) == saves:
                break
            instants.append(event.at)
        since.append(event)
    # Detached, so that they survive the caller's rollback and can still be shown.
    for row in [current, *since]:
        session.expunge(row)
    return StaleVersion(current, list(reversed(since)))
