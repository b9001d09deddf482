"""Pages on a phone (issue 13): tables that stack, the burn-up and the owners' bars drawn for
360 px, error summaries.

The browser checks are in tests/test_browser_sweep.py; these read the markup, on both
databases where a page is rendered.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from flask import Flask, render_template_string

from tracker import charts
from tracker.models import Status
from tracker.services.summary import BurnupPoint, OwnerRow

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Tables that stay tables at 360 px because they fit (two to four short columns, checked in
# Chromium by the sweep: no page wider than the screen, no table's box scrolling sideways);
# every other table stacks (class "stack", or the actions cards). The summary's owners table
# was listed as fitting and did not (443 px in 328 in English): it stacks now.
STACKED = {"stack", "actions", "sign-ins"}
FIT_AT_360 = {
    "planned-meetings", "held-meetings", "compact", "scorecard", "api-fields",
    "api-responses", "api-problems", "criteria",
}  # fmt: skip


def test_every_table_stacks_on_a_phone_or_fits() -> None:
    """A table on a page is either stacked below 600 px or known to fit at 360 px."""
    unknown = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "email" or path.name == "pack.html":  # mail and the PDF pack
            continue
        for match in re.finditer(r"<table(?: class=\"([^\"]*)\")?", path.read_text()):
            classes = set((match.group(1) or "").split())
            if not classes & (STACKED | FIT_AT_360):
                unknown.append(f"{path.relative_to(TEMPLATES)}: <table class={classes or ''}>")
    assert unknown == [], "give these tables class 'stack' and data-label cells: " + str(unknown)


def _points() -> list[BurnupPoint]:
    return [
        BurnupPoint(dt.date(2023, 10, 16), 5, 0),
        BurnupPoint(dt.date(2024, 6, 1), 5, 1),
        BurnupPoint(dt.date(2024, 9, 1), 5, 2),
    ]


def test_burnup_for_a_phone_is_drawn_narrow_with_few_ticks(app: Flask) -> None:
    """The phone drawing is 360 units wide, with a year label every few years and 3 counts."""
    svg = str(
        charts.burnup_chart(
            _points(), today=dt.date(2026, 12, 1), deadline=dt.date(2030, 12, 31), history=[],
            chart_id="phone", phone=True,
        )
    )  # fmt: skip
    assert 'viewBox="0 0 360 ' in svg and 'class="chart burnup-phone"' in svg
    years = re.findall(r'text-anchor="middle">(\d{4})</text>', svg)
    assert 2 <= len(years) <= 4, years  # 2023 to 2031: not nine labels in 360 units
    counts = re.findall(r'text-anchor="end">(\d+)</text>', svg)
    assert len(counts) <= 3, counts
    assert svg.count('class="legend-label"') == 2 and "style=" not in svg


def test_summary_has_both_drawings_one_shown_by_width(app: Flask) -> None:
    """burnup_for_screens gives the wide chart and the phone one, each in its own box."""
    both = str(
        charts.burnup_for_screens(_points(), today=dt.date(2026, 12, 1), deadline=None, history=[])
    )
    assert both.startswith('<div class="chart-wide"><svg class="chart burnup"')
    assert '<div class="chart-narrow"><svg class="chart burnup-phone"' in both
    assert 'id="burnup-title"' in both and 'id="burnup-phone-title"' in both
    css = (Path(charts.__file__).parent.parent / "static" / "tracker.css").read_text()
    assert re.search(r"\.chart-narrow \{ display: none; \}", css)
    assert re.search(r"max-width: 600px\) \{\s*\.chart-wide \{ display: none; \}", css)


def test_owner_bars_for_a_phone_put_each_whole_name_above_its_bar(app: Flask) -> None:
    """The phone bars are 360 units wide, each name on its own line above its bar and cut
    only past 40 characters (the wide drawing cuts at 22, left of the bars)."""
    name = "Cambodian Mine Action Authority planning"  # 40 characters
    by_status = dict.fromkeys(Status, 0) | {Status.implemented: 2, Status.blocked: 1}
    rows = [OwnerRow(None, 1, name, by_status, 0), OwnerRow(None, None, None, by_status, 0)]
    with app.test_request_context():
        both = str(charts.status_bars_for_screens(rows))
    wide, narrow = both.split('<div class="chart-narrow">')
    assert wide.startswith('<div class="chart-wide"><svg class="chart bars"')
    assert narrow.startswith('<svg class="chart bars-phone" viewBox="0 0 360 ')
    labels = re.findall(r'<text class="bar-label" x="2" y="([\d.]+)">([^<]+)</text>', narrow)
    assert [text for _, text in labels] == [name, "Unassigned"]
    bar = r'<rect class="bar-implemented" x="2" y="([\d.]+)" width="[\d.]+" height="18"><title>'
    tops = [float(y) for y in re.findall(bar, narrow)]  # each owner's bar, not the legend's
    assert all(top > float(y) for (y, _), top in zip(labels, tops, strict=True))
    assert f">{name}<" not in wide and "style=" not in both
    assert 'id="by-owner-title"' in wide and 'id="by-owner-phone-title"' in narrow


def test_error_summary_links_each_field_and_takes_the_focus(app: Flask) -> None:
    """The macro lists each error as a link to its field, autofocused; 'form' is not linked."""
    with app.test_request_context():
        html = render_template_string(
            '{% from "_partials/_error_summary.html" import error_summary %}'
            "{{ error_summary(errors, targets={'language': 'language-choice'}) }}",
            errors={"email": "Give an address.", "language": "Choose one.", "form": "Stale."},
        )
        empty = render_template_string(
            '{% from "_partials/_error_summary.html" import error_summary %}'
            "{{ error_summary({'email': None}) }}"
        )
    assert 'class="error-summary" id="form-errors" role="alert" tabindex="-1" autofocus' in html
    assert re.findall(r'<a href="#([\w-]+)">', html) == ["email", "language-choice"]
    assert "<li>Stale.</li>" in html and "3 things to fix:" in html
    assert empty.strip() == ""


def test_refused_member_form_opens_at_its_summary(
    app: Flask, client_for: Any, make_user: Any, make_programme: Any
) -> None:
    """The members page's add form posts to its summary, which links to the e-mail field."""
    programme = make_programme(country="Cambodia")
    client = client_for(make_user(role="admin"))
    page = client.get(f"/programmes/{programme.id}/members").get_data(as_text=True)
    assert f'action="/programmes/{programme.id}/members#member-errors"' in page
    refused = client.post(
        f"/programmes/{programme.id}/members", data={"email": "nobody@x.example", "role": "owner"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    summary = html.split('id="member-errors"')[1].split("</div>")[0]
    assert re.findall(r'<a href="#(\w+)">', summary) == ["email"]
    assert 'id="email" name="email" value="nobody@x.example"' in html
