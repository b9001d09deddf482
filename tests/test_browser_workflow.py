"""The action workflow in a browser: an owner updates an action and is refused another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.factories import make_action, make_programme

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.browser


def test_owner_updates_own_action_and_is_refused_another(
    session: Session,
    make_user: Any,
    make_organisation: Any,
    live_server: str,
    browser: Any,
    db_url: str,
) -> None:
    """Sign in, move an action to In progress with a comment, see it in history; 403 on another."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser walk runs once, on SQLite; the pages are tested on both databases")
    own = make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")
    other = make_organisation(name="Royal Cambodian Armed Forces", short_name="RCAF")
    programme = make_programme(session, country="Cambodia")
    mine = make_action(session, programme, owner_organisation_id=own.id,
                       text="Cambodia should publish its annual clearance workplan.")  # fmt: skip
    theirs = make_action(session, programme, owner_organisation_id=other.id,
                         text="Cambodia should survey the north-west border.")  # fmt: skip
    session.commit()
    owner = make_user(role="owner", organisation=own, name="Sokha Chan", email="sokha@example.org")

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(live_server + "/auth/login")
        page.fill("input[name=email]", owner.email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()

        page.goto(live_server + "/actions/mine")
        page.click(f"a[href='/actions/{mine.id}']")
        page.wait_for_url(f"{live_server}/actions/{mine.id}")
        assert "publish its annual clearance workplan" in page.inner_text("main")
        page.select_option("select[name=status]", "in_progress")
        page.fill("textarea[name=comment]", "Drafting with the provincial teams")
        page.click("form.update-form button[type=submit]")
        page.wait_for_url(f"{live_server}/actions/{mine.id}#history")
        history = page.inner_text(".history")
        assert "Drafting with the provincial teams" in history
        assert "Sokha Chan" in history and "In progress" in history
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "action-page.png"), full_page=True)

        page.goto(f"{live_server}/actions/{theirs.id}")
        assert page.locator("form.update-form").count() == 0
        assert "not yours or your organisation" in page.inner_text("main")
        refused = page.request.post(
            f"{live_server}/actions/{theirs.id}/update",
            form={"version": "1", "status": "in_progress", "comment": "Trying anyway"},
        )
        assert refused.status == 403
        assert "not yours or your organisation" in refused.text()
    finally:
        context.close()
