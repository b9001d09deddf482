"""The summary page in a real browser: desktop, phone and print, with screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlmodel import Session

from tests.conftest import sign_in_page

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.browser


def test_summary_page_at_desktop_phone_and_print(
    runner: FlaskCliRunner,
    session: Session,
    make_user: Any,
    live_server: str,
    browser: Any,
    db_url: str,
) -> None:
    """The Cambodia summary renders its charts, has no sideways scroll on a phone, and prints."""
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    user = make_user(role="coordinator", email="pack@example.org")
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_page(page, live_server, user.email)
    assert page.locator("h1").first.inner_text().startswith("Cambodia")
    assert page.locator("svg.burnup > title").text_content().startswith("Burn-up")
    assert page.locator("svg.burnup .deadline-current").count() == 1
    assert page.locator("svg.bars rect").count() > 0
    page.screenshot(path=str(ARTIFACTS / f"summary-desktop-{backend}.png"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"horizontal scroll at phone width: {scroll} > {client}"
    page.screenshot(path=str(ARTIFACTS / f"summary-phone-{backend}.png"), full_page=True)

    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert page.locator(".print-date").is_visible()
    page.screenshot(path=str(ARTIFACTS / f"summary-print-{backend}.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
