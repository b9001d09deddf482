"""How dates, instants and scores read on pages and in mail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext, ngettext


def local_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the programme is: Phnom Penh is seven hours ahead of UTC."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(timezone)).date()


def format_day(value: dt.date | None) -> str:
    if value is None:
        return "—"
    return f"{value.day} {value:%b %Y}"


def relative_days(value: dt.date | None, today: dt.date) -> str:
    """'in 1,495 days', 'today' or '12 days late', as staff say it."""
    if value is None:
        return ""
    delta = (value - today).days
    if delta == 0:
        return gettext("due today")
    if delta > 0:
        return ngettext("in %(days)s day", "in %(days)s days", delta, days=f"{delta:,}")
    late = -delta
    return ngettext("%(days)s day late", "%(days)s days late", late, days=f"{late:,}")


def format_instant(value: dt.datetime | None, timezone: str = "UTC") -> str:
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%b %Y %H:%M}"


def format_score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
