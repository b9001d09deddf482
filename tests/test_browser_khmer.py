"""Khmer pages in Chromium at phone width (issue 12): the vendored font, no sideways scroll."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD
from tracker.models import Action, Meeting, Programme

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.browser


def test_khmer_pages_at_phone_width(
    runner: FlaskCliRunner,
    session: Session,
    make_user: Any,
    live_server: str,
    browser: Any,
    db_url: str,
) -> None:
    """Sign-in, summary, actions, an action, a meeting and the profile render in Noto Sans Khmer."""
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    user = make_user(role="coordinator", email="sokha@example.org", language="km")
    session.rollback()
    programme = session.exec(select(Programme)).one()
    action = session.exec(select(Action).order_by(col(Action.id))).first()
    meeting = session.exec(select(Meeting)).first()
    assert action and meeting
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, extra_http_headers={"Accept-Language": "km"}
    )
    page = context.new_page()
    failed: list[str] = []
    page.on(
        "response",
        lambda r: (
            failed.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )

    page.goto(live_server + "/auth/login")
    assert page.locator("h1").inner_text() == "ចូលប្រព័ន្ធ"
    page.screenshot(path=str(ARTIFACTS / f"khmer-phone-login-{backend}.png"), full_page=True)
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(live_server + "/")

    pages = {
        "summary": "/",
        "programme": f"/programmes/{programme.id}/summary",
        "actions": "/actions",
        "action": f"/actions/{action.id}",
        "meeting": f"/meetings/{meeting.id}",
        "profile": "/profile",
    }
    for name, path in pages.items():
        page.goto(live_server + path)
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.documentElement.lang") == "km"
        family = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        assert family.startswith('"Noto Sans Khmer"'), (name, family)
        assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'សកម្មភាព')")
        scroll, width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= width, f"{name}: horizontal scroll at 360 px ({scroll} > {width})"
        page.screenshot(path=str(ARTIFACTS / f"khmer-phone-{name}-{backend}.png"), full_page=True)
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Noto Sans Khmer')"
        " && f.status === 'loaded').length"
    )
    assert loaded >= 1
    assert failed == []  # stylesheets and both font files load

    # The printed meeting pack in Khmer, as a picture of its first page.
    response = context.request.get(live_server + f"/meetings/{meeting.id}/pack.pdf")
    if response.status == 200 and shutil.which("pdftoppm"):
        pdf = ARTIFACTS / f"khmer-pack-{backend}.pdf"
        pdf.write_bytes(response.body())
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf),
             str(ARTIFACTS / f"khmer-pack-{backend}")],
            check=True,
        )  # fmt: skip
    context.close()
