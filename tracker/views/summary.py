"""The progress summary: the home page, one programme's summary, all programmes at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_babel import get_locale, gettext
from markupsafe import Markup
from sqlmodel import Session

from .. import charts
from ..auth import current_access, require_programme
from ..db import get_session
from ..formatting import local_today
from ..models import Programme
from ..reminders import HeartbeatStatus, configured_interval
from ..reminders import scheduler_heartbeat as heartbeat
from ..services import edition_summary
from ..services import summary as summary_service
from ..services.summary_cache import SummaryCache
from .fragments import process_cache

bp = Blueprint("summary", __name__)


def actions_url(**filters: Any) -> str | None:
    """A link to the actions list filtered so; None while that page does not exist.

    The all-programmes page asks for three links per programme: the list's address is
    built once per request and the filters appended, rather than a ``url_for`` each.
    """
    if "actions.list_actions" not in current_app.view_functions:
        return None
    base = g.get("summary_actions_base")
    if base is None:
        base = g.summary_actions_base = url_for("actions.list_actions")
    query = urlencode(filters, doseq=True)
    return f"{base}?{query}" if query else base


def action_url(action_id: int) -> str | None:
    """A link to one action's page, when that page exists."""
    if "actions.detail" not in current_app.view_functions:
        return None
    return url_for("actions.detail", action_id=action_id)


def scheduler_heartbeat(session: Session) -> HeartbeatStatus:
    """The reminders scheduler's last sign of life, shown in the page's frame."""
    return heartbeat(session, interval_minutes=configured_interval(current_app.config))


def summary_cache() -> SummaryCache:
    """This process's cache of summary figures (``SUMMARY_CACHE_SIZE`` entries; 0 turns it off)."""
    return process_cache("summary")


@dataclass(frozen=True)
class _Page:
    """A rendered summary body and its page title, as the cache keeps them."""

    title: str
    body: Markup


def _page_key(*what: Hashable) -> tuple[Hashable, ...]:
    """What a rendered body depends on besides the data: the reader's programmes and roles
    there (issue 11: two coordinators of different programmes see different bodies), the
    locale, and the address the links are built under."""
    reader = current_access().cache_key
    return ("page", *what, reader, str(get_locale()), request.script_root)


def _cached_page(session: Session, key: tuple[Hashable, ...], render: Callable[[], _Page]) -> str:
    """The page: its body from the cache while the data generation holds, the frame (per-user
    navigation, CSRF token, scheduler heartbeat) rendered around it on every request."""
    page = summary_cache().get_or_compute(session, key, render)
    return render_template(
        "summary/page.html",
        title=page.title,
        body=page.body,
        heartbeat=scheduler_heartbeat(session),
    )


def _render_body(template: str, **context: Any) -> Markup:
    """A summary body rendered by Jinja with autoescape on, so it is safe to re-insert as is."""
    return Markup(render_template(template, **context))  # noqa: S704 (autoescaped Jinja output)


def _render_programme(session: Session, programme: Programme, *, several: bool) -> _Page:
    summary = summary_service.summarise_programme(session, programme, cache=summary_cache())
    verifying = summary.figures.requires_verification  # progress counts verified (issue 14)
    burnup = charts.burnup_for_screens(
        summary.burnup,
        today=summary.today,
        deadline=summary.deadline,
        history=summary.history,
        verified=verifying,
    )
    body = _render_body(
        "summary/programme.html",
        s=summary,
        several=several,
        burnup_svg=burnup,
        burnup_months=charts.monthly_values(summary.burnup, summary.today, verified=verifying),
        verifying=verifying,
        bars_svg=charts.status_bars_for_screens(summary.organisations),
        trend_svg=charts.score_trend(summary.scores),
        edition_counts=edition_summary.count_latest_edition(session, programme.id),  # type: ignore[arg-type]
        repeated=edition_summary.list_repeated(session, programme.id),  # type: ignore[arg-type]
        criterion_charts=charts.criterion_charts(
            edition_summary.list_criterion_trends(session, programme.id)  # type: ignore[arg-type]
        ),
        status_order=charts.STATUS_ORDER,
        actions_url=actions_url,
        action_url=action_url,
    )
    return _Page(f"{gettext('Summary')}: {programme.country}", body)


def _render_index(session: Session) -> _Page:
    lines = summary_service.summarise_programmes(session, current_access(), cache=summary_cache())
    if len(lines) == 1:
        return _render_programme(session, lines[0].programme, several=False)
    body = _render_body("summary/all.html", lines=lines, actions_url=actions_url)
    return _Page(gettext("All programmes"), body)


def _quarter_hour() -> tuple[dt.date, int]:
    """The UTC day and quarter of an hour: every time zone's offset is a whole number of
    quarter hours, so no programme's local day changes within one."""
    now = dt.datetime.now(dt.UTC)
    return now.date(), (now.hour * 60 + now.minute) // 15


@bp.get("/")
def index() -> str:
    """The home page: the programme's summary, or every programme when there are several."""
    session = get_session()
    key = _page_key("index", _quarter_hour())
    return _cached_page(session, key, lambda: _render_index(session))


@bp.get("/programmes/<id:programme_id>/summary")
def programme(programme_id: int) -> str:
    session = get_session()
    found, _access = require_programme(programme_id)
    key = _page_key(
        "programme",
        programme_id,
        local_today(found.timezone),
        summary_service.utc_offset_minutes(found.timezone),
    )

    def render() -> _Page:
        several = summary_service.count_programmes(session, current_access()) > 1
        return _render_programme(session, found, several=several)

    return _cached_page(session, key, render)
