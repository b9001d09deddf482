"""A person's notification settings: pause reminders until a date, with a reason."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlmodel import Session

from ..models import User

MAX_PAUSE = dt.timedelta(days=366)
REASON_LENGTH = 500


class SettingsError(ValueError):
    """A pause that cannot be recorded; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def pause_reminders(
    session: Session, user: User, *, until: dt.date | None, reason: str, today: dt.date
) -> User:
    """Pause the user's reminders up to and including a day within a year, reason required."""
    if until is None:
        raise SettingsError(_("Give the last day of the pause as a date."), "until")
    if until < today:
        raise SettingsError(_("The pause must end today or later."), "until")
    if until - today > MAX_PAUSE:
        raise SettingsError(_("A pause can last at most a year."), "until")
    reason = " ".join(reason.split())
    if not reason:
        raise SettingsError(_("Say why, so that coordinators know."), "reason")
    if len(reason) > REASON_LENGTH:
        raise SettingsError(_("Keep the reason under 500 characters."), "reason")
    user.reminders_paused_until = until
    user.reminders_pause_reason = reason
    session.add(user)
    session.flush()
    return user


def resume_reminders(session: Session, user: User) -> User:
    user.reminders_paused_until = None
    user.reminders_pause_reason = None
    session.add(user)
    session.flush()
    return user
