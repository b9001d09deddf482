"""The import preview of a later edition in a real browser: change a proposal, close a drop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tracker.models import Action, Status

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PROFILES = Path(__file__).parent / "profiles"

pytestmark = pytest.mark.browser


def test_preview_change_a_proposal_close_a_dropped_action_and_confirm(
    runner: FlaskCliRunner,
    session: Session,
    make_user: Any,
    live_server: str,
    browser: Any,
    db_url: str,
) -> None:
    """Without JavaScript: a row made new, the dropped funding action closed, stored on Confirm."""
    assert (
        runner.invoke(args=["import-profile", str(PROFILES / "cambodia-2023-apmbc.txt")]).exit_code
        == 0
    )
    user = make_user(role="coordinator", email="import@example.org")
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server + "/auth/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/import")
    page.fill("textarea[name=text]", (PROFILES / "cambodia-2024-apmbc-made-up.txt").read_text())
    page.click("button:has-text('Preview')")
    assert page.locator("#lineage-heading").is_visible()
    assert page.locator(".lineage-row").count() == 6
    assert page.locator(".lineage-row ins").count() > 0
    # The coordinator reads row 5 as a subject of its own, not a split of row 4's ask.
    page.select_option("select[name=continues-5]", "new")
    page.uncheck("input[name=split-5]")
    page.check("input[name=drop-3][value=implemented]")
    page.fill("input[name=drop_comment-3]", "The 2024 and 2025 budget lines are adopted.")
    page.screenshot(path=str(ARTIFACTS / f"import-lineage-preview-{backend}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    scroll, width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= width, f"horizontal scroll at phone width: {scroll} > {width}"
    page.screenshot(
        path=str(ARTIFACTS / f"import-lineage-preview-phone-{backend}.png"), full_page=True
    )
    page.click("button:has-text('Confirm and store')")
    assert "1 closed" in page.locator(".flash").first.inner_text()
    session.rollback()
    funding = session.get(Action, 3)
    assert funding is not None and funding.status == Status.implemented
    split_made_new = session.exec_actions = len(
        session.exec(__import__("sqlmodel").select(Action)).all()
    )
    assert split_made_new == 7
    context.close()
