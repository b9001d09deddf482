"""The actions list on a phone (360 px): cards with status and due date, no sideways scroll."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.factories import make_action, make_programme

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LONG = (
    "Cambodia should finalise and publish its national mine action strategy for 2025-2030, "
    "with annual clearance targets per province, a budget and a gender and diversity plan."
)

pytestmark = pytest.mark.browser


def test_actions_list_is_cards_at_360_px(
    session: Session, make_user: Any, make_organisation: Any, live_server: str, browser: Any,
    db_url: str,
) -> None:  # fmt: skip
    """At 360 px the list fits the screen; each card shows status and due date and is a link."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser walk runs once, on SQLite; the pages are tested on both databases")
    own = make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")
    programme = make_programme(session, country="Cambodia", deadline=dt.date(2030, 12, 31))
    actions = [
        make_action(
            session,
            programme,
            owner_organisation_id=own.id,
            text=LONG,
            due_on=dt.date(2024, 1, 1) if n == 0 else dt.date(2030, 12, 31),
        )
        for n in range(4)
    ]
    session.commit()
    owner = make_user(role="owner", organisation=own, name="Sokha Chan", email="sokha@example.org")

    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(live_server + "/auth/login")
        page.fill("input[name=email]", owner.email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        for path in ("/actions", "/actions/mine"):
            page.goto(live_server + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
            first = page.locator("table.actions tbody tr").first
            for cell in (".card-title", ".card-status", ".card-due", ".card-owner"):
                box = first.locator(cell).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
                assert box["y"] + box["height"] <= 740, f"{cell} below the first screen"
            title = first.locator(".card-title a").bounding_box()
            assert title is not None and title["height"] < 3 * 24  # two lines, then "..."
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-360-my-actions.png"), full_page=True)
        assert "days late" in page.locator("table.actions tbody").inner_text()
        # The whole card is the link: a tap on its status opens the action.
        status = page.locator("table.actions tbody tr .card-status").first.bounding_box()
        assert status is not None
        page.mouse.click(status["x"] + status["width"] / 2, status["y"] + status["height"] / 2)
        page.wait_for_url(re.compile(r".*/actions/\d+$"))
        assert page.url.rsplit("/", 1)[1] in {str(a.id) for a in actions}
    finally:
        context.close()
