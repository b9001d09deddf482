"""How dates, instants, numbers and scores read on pages and in mail, in the reader's locale.

Babel writes them (``km``: Khmer month names with Latin digits, its default numbering);
outside a request or ``force_locale`` the app's default locale applies. The calendar
feed does not use these: it stays neutral.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask_babel import format_date, format_decimal, get_locale, gettext, ngettext

DAY_PATTERN = "d MMM y"  # 5 Mar 2026, 5 មីនា 2026


def local_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the programme is: Phnom Penh is seven hours ahead of UTC."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(timezone)).date()


def format_day(value: dt.date | None) -> str:
    if value is None:
        return "—"
    locale = get_locale()
    if locale is None:
        return str(format_date(value, DAY_PATTERN))
    return _day_in(value, str(locale))


# A list shows the same few dates on many rows (a deadline's actions share it), and Babel
# formats each in tens of microseconds: the words of a (date, locale) are kept (issue 15).
@lru_cache(maxsize=4096)
def _day_in(value: dt.date, locale: str) -> str:
    return str(babel_dates.format_date(value, DAY_PATTERN, locale=locale))


def format_month(value: dt.date) -> str:
    """'Oct 2023', 'តុលា 2023': a month in the reader's language (strftime is English)."""
    return str(format_date(value, "MMM y"))


def format_number(value: float | None) -> str:
    """Grouped digits: 1,495."""
    return "—" if value is None else str(format_decimal(value))


def relative_days(value: dt.date | None, today: dt.date) -> str:
    """'in 1,495 days', 'today' or '12 days late', as staff say it."""
    if value is None:
        return ""
    delta = (value - today).days
    locale = get_locale()
    if locale is None:
        return _relative(delta)
    return _relative_in(delta, str(locale))


@lru_cache(maxsize=4096)
def _relative_in(delta: int, locale: str) -> str:
    """``_relative`` in ``locale``, the current one (the key only): kept as ``_day_in``."""
    return _relative(delta)


def _relative(delta: int) -> str:
    if delta == 0:
        return gettext("due today")
    if delta > 0:
        return ngettext("in %(days)s day", "in %(days)s days", delta, days=format_number(delta))
    late = -delta
    return ngettext("%(days)s day late", "%(days)s days late", late, days=format_number(late))


def format_instant(value: dt.datetime | None, timezone: str = "UTC") -> str:
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(timezone))
    return str(
        babel_dates.format_datetime(local, f"{DAY_PATTERN} HH:mm", tzinfo=local.tzinfo,
                                    locale=get_locale())
    )  # fmt: skip


def format_score(value: float | None) -> str:
    return "—" if value is None else str(format_decimal(value, "0.0"))
