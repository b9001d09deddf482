"""Actions by status per owner or organisation: one horizontal bar each, split by status.

Two drawings of the same bars: the wide one (names left of the bars, the legend on one
row) for screens, print and the meeting pack, and a phone one, 360 units wide with each
name above its bar: the wide drawing scaled down to a 360 px phone drew its names 3 to 4
px high (review of 2 Dec 2026).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from flask_babel import gettext
from markupsafe import Markup, escape

from ..labels import label as label_of
from ..services.summary import OwnerRow
from .common import PHONE_WIDTH, STATUS_ORDER, WIDTH
from .common import coordinate as _n


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, never inside a Khmer
    syllable: a vowel sign or a subscript consonant (after the coeng, U+17D2) left
    without its letter would be drawn on a dotted circle."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 1 and (
        unicodedata.category(text[cut]) in ("Mn", "Mc") or text[cut - 1] == "\u17d2"
    ):
        cut -= 1
    return text[:cut] + "…"


def status_bars(rows: Sequence[OwnerRow], *, chart_id: str = "by-owner") -> Markup:
    """The wide drawing: names left of the bars, the legend on one row above them."""
    label_w, right, top, bar_h, gap = 180, 40, 40, 20, 10
    # Names are cut to what fits left of the bars in the widest font that draws them:
    # DejaVu Sans in the meeting pack, about 0.62 em a character at 12 px (at 150 px and
    # 22 characters the PDF cut the start of long organisation names off).
    fits = int((label_w - 12) / (12 * 0.62))
    height = top + max(len(rows), 1) * (bar_h + gap) + 6
    plot_w = WIDTH - label_w - right
    biggest = max([r.total for r in rows] + [1])
    parts = _opening(rows, chart_id, "bars", WIDTH, height)
    legend_x = label_w
    for status in STATUS_ORDER:
        word = label_of(status)
        parts.append(
            f'<rect class="bar-{status.value}" x="{legend_x}" y="8" width="12" height="12"/>'
            f'<text class="legend-label" x="{legend_x + 16}" y="18">{escape(word)}</text>'
        )
        legend_x += 24 + 7 * len(word)
    for number, row in enumerate(rows):
        y = top + number * (bar_h + gap)
        name = row.name or gettext("Unassigned")
        parts.append(
            f'<text class="bar-label" x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" '
            f'text-anchor="end">{escape(shorten(name, fits))}</text>'
        )
        parts.extend(_bar(row, name, label_w, y, bar_h, plot_w, biggest, count_from=18))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part went through escape())


def phone_status_bars(rows: Sequence[OwnerRow], *, chart_id: str = "by-owner-phone") -> Markup:
    """The phone drawing: the legend in two columns, each name on a line above its bar.

    Drawn 360 units wide and labelled at 14 px (tracker.css), so a 360 px phone, whose
    page is about 330 px wide, shows the names at about 13 px and the counts at 12.
    """
    left, right, legend_row, name_h, bar_h, gap = 2, 34, 20, 18, 18, 12
    columns = 2
    legend_rows = -(-len(STATUS_ORDER) // columns)
    top = legend_row * legend_rows + 10
    row_h = name_h + bar_h + gap
    height = top + max(len(rows), 1) * row_h
    plot_w = PHONE_WIDTH - left - right
    # The whole width for a name: about 0.62 em a character at 14 px.
    fits = int((PHONE_WIDTH - left) / (14 * 0.62))
    biggest = max([r.total for r in rows] + [1])
    parts = _opening(rows, chart_id, "bars-phone", PHONE_WIDTH, height)
    for number, status in enumerate(STATUS_ORDER):
        x = left + (PHONE_WIDTH // columns) * (number % columns)
        y = legend_row * (number // columns)
        parts.append(
            f'<rect class="bar-{status.value}" x="{x}" y="{y + 4}" width="12" height="12"/>'
            f'<text class="legend-label" x="{x + 18}" y="{y + 15}">'
            f"{escape(label_of(status))}</text>"
        )
    for number, row in enumerate(rows):
        y = top + number * row_h
        name = row.name or gettext("Unassigned")
        parts.append(
            f'<text class="bar-label" x="{left}" y="{y + name_h - 5}">'
            f"{escape(shorten(name, fits))}</text>"
        )
        parts.extend(_bar(row, name, left, y + name_h, bar_h, plot_w, biggest, count_from=22))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part went through escape())


def status_bars_for_screens(rows: Sequence[OwnerRow]) -> Markup:
    """The bars twice: wide above 600 px and in print, the phone drawing below (CSS shows one)."""
    wide, narrow = status_bars(rows), phone_status_bars(rows)
    return Markup(f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>')  # noqa: S704 (both escaped above)


def _opening(
    rows: Sequence[OwnerRow], chart_id: str, css: str, width: int, height: int
) -> list[str]:
    """The ``<svg>`` element with its title and a description that reads every bar."""
    title = gettext("Actions by status per organisation")
    desc = "; ".join(
        f"{r.name or gettext('Unassigned')}: "
        + ", ".join(
            f"{r.by_status[s]} {label_of(s).lower()}" for s in STATUS_ORDER if r.by_status[s]
        )
        for r in rows
    )
    return [
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _bar(
    row: OwnerRow, name: str, x: float, y: int, bar_h: int, plot_w: int, biggest: int,
    count_from: int,
) -> list[str]:  # fmt: skip
    """One owner's bar from ``x``, ``biggest`` actions filling ``plot_w``: a segment per
    status, its count inside a segment at least ``count_from`` units wide, then the total."""
    parts = []
    for status in STATUS_ORDER:
        count = row.by_status[status]
        if not count:
            continue
        w = plot_w * count / biggest
        parts.append(
            f'<rect class="bar-{status.value}" x="{_n(x)}" y="{y}" width="{_n(w)}" '
            f'height="{bar_h}"><title>{escape(name)}: {count} '
            f"{escape(label_of(status).lower())}</title></rect>"
        )
        if w >= count_from:
            parts.append(
                f'<text class="bar-count bar-count-{status.value}" x="{_n(x + w / 2)}" '
                f'y="{y + bar_h * 0.7:.1f}" text-anchor="middle">{count}</text>'
            )
        x += w
    parts.append(
        f'<text class="bar-total" x="{_n(x + 6)}" y="{y + bar_h * 0.7:.1f}">{row.total}</text>'
    )
    return parts
