"""Charts as inline SVG drawn on the server: readable without JavaScript, printable.

Styling is by class (rules in tracker.css and print.css) and presentation
attributes, never ``style=""``, so the strict Content-Security-Policy holds. Every
chart carries a ``<title>`` and ``<desc>``; the page puts a table of the same
numbers beside it for people who cannot see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from flask_babel import format_date, gettext
from markupsafe import Markup, escape

from ..formatting import format_day
from ..models import DeadlineChange, DeadlineKind
from ..services.edition_summary import CriterionTrend
from ..services.summary import BurnupPoint, ScorePoint
from ..services.summary.series import MonthValue as MonthValue  # re-exported: the table's rows
from ..services.summary.series import month_start
from ..services.summary.series import monthly_values as monthly_values
from .bars import shorten as shorten
from .bars import status_bars as status_bars
from .bars import status_bars_for_screens as status_bars_for_screens
from .common import PHONE_WIDTH, WIDTH
from .common import STATUS_ORDER as STATUS_ORDER
from .common import coordinate as _n


def _nice_ceiling(value: int) -> int:
    """A round axis maximum at or above ``value`` (5, 10, 20, 50, 100, ...)."""
    if value <= 5:
        return 5
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor * 5 >= value:
                return step * factor * 5
        step *= 10


def burnup_chart(
    points: Sequence[BurnupPoint],
    *,
    today: dt.date,
    deadline: dt.date | None,
    history: Sequence[DeadlineChange],
    chart_id: str = "burnup",
    phone: bool = False,
    verified: bool = False,
) -> Markup:
    """Implemented actions against the actions that apply, with every deadline marked.

    ``phone`` draws it for a narrow screen (issue 13): drawn 360 units wide, so the
    labels keep about their size at 360 px, with fewer ticks and the legend on two lines.
    ``verified`` (a programme that requires verification, issue 14): the line is the
    verified actions, and the title, description and legend say so, since an action
    reported done but not yet checked is not progress there; actions reported before the
    programme required verification still count, as in the headline, and the description
    says how many.
    """
    width = PHONE_WIDTH if phone else WIDTH
    left, right, top, bottom = (34, 10, 44, 78) if phone else (48, 20, 44, 58)
    height = 330 if phone else 320
    plot_w, plot_h = width - left - right, height - top - bottom
    start = month_start(points[0].day) if points else month_start(today)
    end = max(today, deadline or today, points[-1].day if points else today)
    end = (end + dt.timedelta(days=45)).replace(day=1)
    span = max((end - start).days, 1)
    y_max = _nice_ceiling(max([p.scope for p in points] + [1]))

    def x(day: dt.date) -> float:
        return left + plot_w * (day - start).days / span

    def y(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    last = points[-1] if points else BurnupPoint(today, 0, 0)
    done_word = gettext("Verified") if verified else gettext("Implemented")
    if verified:
        title = gettext("Burn-up: verified actions over time")
        desc = gettext(
            "%(done)s of %(scope)s applicable actions verified on %(today)s.",
            done=last.verified,
            scope=last.scope,
            today=format_day(today),
        )
        if last.counted > last.verified:
            desc += " " + gettext(
                "The line also counts %(num)s implemented before verification was required.",
                num=last.counted - last.verified,
            )
    else:
        title = gettext("Burn-up: implemented actions over time")
        desc = gettext(
            "%(done)s of %(scope)s applicable actions implemented on %(today)s.",
            done=last.implemented,
            scope=last.scope,
            today=format_day(today),
        )
    if deadline:
        desc += " " + gettext("Treaty deadline: %(day)s.", day=format_day(deadline))
    parts = [
        f'<svg class="chart {"burnup-phone" if phone else "burnup"}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    # Horizontal grid with the count scale.
    for tick in range(0, y_max + 1, max(y_max // (2 if phone else 5), 1)):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" '
            f'y1="{_n(y(tick))}" y2="{_n(y(tick))}"/>'
            f'<text class="axis-label" x="{left - 6}" y="{_n(y(tick) + 4)}" '
            f'text-anchor="end">{tick}</text>'
        )
    # Years along the bottom (quarters when the span is short).
    years = range(start.year, end.year + 1)
    step_months = 3 if len(years) <= 2 else 12
    if phone:  # a label every year is 36 units a year: too tight for a long span
        step_months = 6 if len(years) <= 2 else 12 * max(1, (len(years) + 3) // 4)
    tick_day = start if start.month == 1 or step_months == 3 else dt.date(start.year + 1, 1, 1)
    while tick_day <= end:
        label = str(tick_day.year) if tick_day.month == 1 else str(format_date(tick_day, "MMM"))
        parts.append(
            f'<line class="axis" x1="{_n(x(tick_day))}" x2="{_n(x(tick_day))}" '
            f'y1="{top + plot_h}" y2="{top + plot_h + 5}"/>'
            f'<text class="axis-label" x="{_n(x(tick_day))}" y="{top + plot_h + 20}" '
            f'text-anchor="middle">{label}</text>'
        )
        month = tick_day.month - 1 + step_months
        tick_day = dt.date(tick_day.year + month // 12, month % 12 + 1, 1)
    parts.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" '
        f'y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    # Deadlines: the current one solid, earlier ones dashed, each labelled with its date.
    in_range = [c for c in history if c.decided_on or c.kind == DeadlineKind.original]
    in_range = [c for c in in_range if not c.refused and start <= c.new_on <= end]
    for number, change in enumerate(in_range):
        current = change.new_on == deadline
        css = "deadline-current" if current else "deadline-old"
        word = gettext("Deadline") if current else gettext("Former deadline")
        label_y = top - 26 + (14 if phone else 12) * (number % 2)
        anchor = "end" if x(change.new_on) > left + plot_w * (0.5 if phone else 0.6) else "start"
        dash = "" if current else ' stroke-dasharray="6 4"'
        parts.append(
            f'<line class="{css}" x1="{_n(x(change.new_on))}" x2="{_n(x(change.new_on))}" '
            f'y1="{top - 14 + 12 * (number % 2)}" y2="{top + plot_h}"{dash}/>'
            f'<text class="marker-label {css}-label" x="{_n(x(change.new_on))}" y="{label_y}" '
            f'text-anchor="{anchor}">{escape(word)} {escape(format_day(change.new_on))}</text>'
        )
    parts.append(
        f'<line class="today-line" x1="{_n(x(today))}" x2="{_n(x(today))}" '
        f'y1="{top}" y2="{top + plot_h}" stroke-dasharray="2 3"/>'
        f'<text class="marker-label" x="{_n(x(today) + 4)}" y="{top + 12}">'
        f"{escape(gettext('Today'))}</text>"
    )
    if points:
        scope_path = _step_path(points, x, y, today, "scope")
        done_path = _step_path(points, x, y, today, "counted" if verified else "implemented")
        area = done_path + f" L{_n(x(max(today, points[-1].day)))},{_n(y(0))}"
        area += f" L{_n(x(points[0].day))},{_n(y(0))} Z"
        parts.append(f'<path class="burnup-done-area" d="{area}"/>')
        parts.append(f'<path class="burnup-scope" d="{scope_path}" fill="none"/>')
        parts.append(f'<path class="burnup-done" d="{done_path}" fill="none"/>')
    # Legend below the axis labels, so it never covers a line.
    legend_y = height - 8
    if phone:  # one line each: the words do not fit side by side in Khmer
        parts.append(
            f'<g class="legend"><line class="burnup-scope" x1="{left}" x2="{left + 24}" '
            f'y1="{legend_y - 26}" y2="{legend_y - 26}"/>'
            f'<text class="legend-label" x="{left + 30}" y="{legend_y - 21}">'
            f"{escape(gettext('Actions that apply'))}</text>"
            f'<line class="burnup-done" x1="{left}" x2="{left + 24}" '
            f'y1="{legend_y - 5}" y2="{legend_y - 5}"/>'
            f'<text class="legend-label" x="{left + 30}" y="{legend_y}">'
            f"{escape(done_word)}</text></g></svg>"
        )
        return Markup("".join(parts))  # noqa: S704 (every text part went through escape())
    parts.append(
        f'<g class="legend"><line class="burnup-scope" x1="{left}" x2="{left + 24}" '
        f'y1="{legend_y - 4}" y2="{legend_y - 4}"/>'
        f'<text class="legend-label" x="{left + 30}" y="{legend_y}">'
        f"{escape(gettext('Actions that apply'))}</text>"
        f'<line class="burnup-done" x1="{left + 180}" x2="{left + 204}" '
        f'y1="{legend_y - 4}" y2="{legend_y - 4}"/>'
        f'<text class="legend-label" x="{left + 210}" y="{legend_y}">'
        f"{escape(done_word)}</text></g>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part went through escape())


def burnup_for_screens(
    points: Sequence[BurnupPoint],
    *,
    today: dt.date,
    deadline: dt.date | None,
    history: Sequence[DeadlineChange],
    verified: bool = False,
) -> Markup:
    """The burn-up twice: wide above 600 px, the phone drawing below (CSS shows one)."""
    wide = burnup_chart(points, today=today, deadline=deadline, history=history, verified=verified)
    narrow = burnup_chart(
        points, today=today, deadline=deadline, history=history, chart_id="burnup-phone",
        phone=True, verified=verified,
    )  # fmt: skip
    return Markup(f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>')  # noqa: S704 (both escaped by burnup_chart)


def _step_path(
    points: Sequence[BurnupPoint],
    x: Callable[[dt.date], float],
    y: Callable[[float], float],
    today: dt.date,
    attr: str,
) -> str:
    """A staircase: a total holds until the day it changes.

    Only the days on which this total changes add a step: a year of daily points
    where the other total moved would otherwise add a redundant segment each.
    """
    first = points[0]
    d = [f"M{_n(x(first.day))},{_n(y(getattr(first, attr)))}"]
    previous = getattr(first, attr)
    for point in points[1:]:
        value = getattr(point, attr)
        if value != previous:
            d.append(f"H{_n(x(point.day))} V{_n(y(value))}")
        previous = value
    d.append(f"H{_n(x(max(today, points[-1].day)))}")
    return " ".join(d)


def score_trend(
    scores: Sequence[ScorePoint], *, chart_id: str = "score-trend", title: str | None = None
) -> Markup:
    """The stated score of each edition on a 0-10 scale; empty with fewer than two.

    ``title`` names another series on the same scale (a scorecard criterion).
    """
    points = [s for s in scores if s.stated is not None or s.computed is not None]
    if len(points) < 2:
        return Markup("")
    width, height, left, right, top, bottom = 480, 180, 36, 20, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(index: int) -> float:
        return left + plot_w * index / (len(points) - 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - value / 10)

    title = title or gettext("Performance score by edition")
    desc = "; ".join(
        f"{p.edition or p.year}: {p.stated if p.stated is not None else p.computed}" for p in points
    )
    parts = [
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for tick in (0, 5, 10):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_n(y(tick))}" '
            f'y2="{_n(y(tick))}"/><text class="axis-label" x="{left - 6}" '
            f'y="{_n(y(tick) + 4)}" text-anchor="end">{tick}</text>'
        )
    coords = []
    for index, point in enumerate(points):
        value = point.stated if point.stated is not None else point.computed
        assert value is not None
        coords.append((x(index), y(value)))
        parts.append(
            f'<text class="axis-label" x="{_n(x(index))}" y="{height - 12}" '
            f'text-anchor="middle">{escape(str(point.year or point.edition or ""))}</text>'
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{_n(cx)},{_n(cy)}" for i, (cx, cy) in enumerate(coords)
    )
    parts.append(f'<path class="trend-line" d="{path}" fill="none"/>')
    for cx, cy in coords:
        parts.append(f'<circle class="trend-dot" cx="{_n(cx)}" cy="{_n(cy)}" r="4"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part went through escape())


def criterion_charts(trends: Sequence[CriterionTrend]) -> list[tuple[CriterionTrend, Markup]]:
    """One small score chart per scorecard criterion across editions (issue 10)."""
    charts = []
    for index, trend in enumerate(trends, start=1):
        points = [
            ScorePoint(r.id or 0, r.edition, r.year, score, None, None) for r, score in trend.points
        ]
        svg = score_trend(points, chart_id=f"criterion-{index}", title=trend.name)
        charts.append((trend, svg))
    return charts
