"""What composing reads and words once per delivery run, not once per mail.

Every coordinator of a programme gets the same escalation digest (less what their mail
lists already) and the same countdown, so the first mail's reads serve the others; and
a run's mails repeat a few hundred phrases ("in 4 days", "Not started") thousands of
times, each a Flask-Babel call that looks up the locale and its catalogue again and,
for a number, has Babel apply its pattern. A run lasts at most
``MAIL_DELIVERY_SECONDS``: a digest is as fresh as the run's first mail naming its
programme (the lines themselves are re-checked batch by batch).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale, gettext

from ..formatting import format_number, relative_days
from ..labels import label
from ..models import Status
from . import policy


class Phrases:
    """One locale's words for what every listed action shows, each worked out once."""

    def __init__(self) -> None:
        self._when: dict[int, str] = {}
        self._status: dict[str, str] = {}
        self._unassigned: str | None = None
        # An escalation digest's examples, by (action, overdue?): the rows are the run's
        # (``RunReads.digest_rows``), so their items are too (``digest.ActionItem``).
        self.examples: dict[tuple[int, bool], Any] = {}

    def when(self, due_on: dt.date, today: dt.date) -> str:
        """``relative_days``: it depends on the number of days only."""
        days = (due_on - today).days
        found = self._when.get(days)
        if found is None:
            found = self._when[days] = relative_days(due_on, today)
        return found

    def status(self, value: str) -> str:
        found = self._status.get(value)
        if found is None:
            found = self._status[value] = label(Status(value))
        return found

    @property
    def unassigned(self) -> str:
        if self._unassigned is None:
            self._unassigned = gettext("unassigned")
        return self._unassigned


@dataclass
class RunReads:
    """A delivery run's shared reads (digests, countdowns) and words (``Phrases``)."""

    digest_counts: dict[int, tuple[int, int]] = field(default_factory=dict)
    # (programme, overdue?) -> (the limit read with, the rows read)
    digest_rows: dict[tuple[int, bool], tuple[int, list[Any]]] = field(default_factory=dict)
    # (programme, deadline, local today, locale) -> the countdown section (CountdownItem)
    countdowns: dict[tuple[int, dt.date, dt.date, str], Any] = field(default_factory=dict)
    phrases_by_locale: dict[str, Phrases] = field(default_factory=dict)

    def phrases(self) -> Phrases:
        """The current locale's (``force_locale``) phrases."""
        locale = str(get_locale())
        found = self.phrases_by_locale.get(locale)
        if found is None:
            found = self.phrases_by_locale[locale] = Phrases()
        return found


@functools.lru_cache(maxsize=1024)
def local_today(now: dt.datetime, timezone: str) -> dt.date:
    """``policy.local_date``, remembered: a run asks it for every action line."""
    return policy.local_date(now, timezone)


def local_number(value: int) -> str:
    """``format_number`` in the current locale, remembered: Babel works out its pattern
    on every call, and a run's subjects and digests repeat a few hundred numbers."""
    return _number(value, str(get_locale()))


@functools.lru_cache(maxsize=4096)
def _number(value: int, locale: str) -> str:
    return format_number(value)
