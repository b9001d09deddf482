"""Phones (360 px): the actions list as cards with status and due date, no sideways scroll;
the navigation on one row, its links behind a "Menu" that opens without JavaScript; a date
field's format hint stays a hint when the field is refused."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from tests.conftest import sign_in_page
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
        sign_in_page(page, live_server, owner.email)
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


# The bar held every link on three rows (135-168 px at 360 px, 1 Dec 2026): a reminder's
# action page opened with its heading at y = 265-299. One row is the name and "Menu".
ONE_ROW = 64
HEADING_BY = 200  # the action page's <h1> starts above this on a 360 x 740 screen


@pytest.mark.parametrize("language", ["en", "km"])
def test_navigation_is_one_row_and_every_link_reachable_at_360_px(
    session: Session, make_user: Any, make_organisation: Any, live_server: str, browser: Any,
    db_url: str, language: str,
) -> None:  # fmt: skip
    """At 360 px the bar is one row and the action page's heading is near the top of the first
    screen; the keyboard opens "Menu" and reaches every link, each on screen and focused
    visibly; at 1280 px the links are in the bar, no "Menu"."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser walk runs once, on SQLite; the pages are tested on both databases")
    own = make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")
    programme = make_programme(session, country="Cambodia", deadline=dt.date(2030, 12, 31))
    action = make_action(session, programme, owner_organisation_id=own.id, text=LONG)
    session.commit()
    coordinator = make_user(role="coordinator", email="chea@example.org", language=language)

    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    try:
        sign_in_page(page, live_server, coordinator.email)
        page.goto(f"{live_server}/actions/{action.id}")
        assert page.evaluate("document.documentElement.lang") == language
        nav = page.locator("header.site-header > nav")
        bar, brand = nav.bounding_box(), nav.locator(".brand").bounding_box()
        menu = nav.locator(".nav-menu > summary")
        summary = menu.bounding_box()
        assert bar is not None and brand is not None and summary is not None
        assert bar["height"] <= ONE_ROW, bar
        assert (
            abs((brand["y"] + brand["height"] / 2) - (summary["y"] + summary["height"] / 2)) < 4
        ), "the name and the menu are not on one row"
        heading = page.locator("main h1").first.bounding_box()
        assert heading is not None and heading["y"] < HEADING_BY, heading
        links = nav.locator(".nav-links a, .nav-links button")
        assert not links.first.is_visible(), "the links should wait behind the menu"
        # Keyboard only: the name, then the menu's summary; Enter opens it; Tab walks the links.
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert menu.evaluate("e => e === document.activeElement")
        assert menu.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
        page.keyboard.press("Enter")
        expected = links.evaluate_all("els => els.map(e => e.textContent.trim())")
        # Summary, Actions, My actions, Programme, Reminders, Profile, Sign out.
        assert len(expected) == 7
        reached = []
        for _ in expected:
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "(() => { const e = document.activeElement, r = e.getBoundingClientRect(),"
                " s = getComputedStyle(e); return [e.textContent.trim(), r.left, r.right,"
                " r.bottom, s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2]; })()"
            )
            name, left, right, bottom, ring = focused
            assert left >= 0 and right <= 360 and bottom <= 740, focused
            assert ring, f"{name}: no solid focus ring"
            reached.append(name)
        assert reached == expected
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-360-menu-{language}.png"))
        # A tap on a link goes there (no script involved).
        nav.locator(".nav-links a[href='/actions/mine']").click()
        page.wait_for_url(live_server + "/actions/mine")
    finally:
        phone.close()

    desktop = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desktop.new_page()
    try:
        sign_in_page(page, live_server, coordinator.email)
        nav = page.locator("header.site-header > nav")
        assert not nav.locator(".nav-menu > summary").is_visible()
        links = nav.locator(".nav-links a, .nav-links button")
        assert links.count() == 7 and all(links.nth(n).is_visible() for n in range(links.count()))
        bar = nav.bounding_box()
        assert bar is not None and bar["height"] <= 70, bar  # one row, as before
    finally:
        desktop.close()


def test_date_hint_stays_a_hint_when_its_field_is_refused(
    session: Session, make_user: Any, live_server: str, browser: Any, db_url: str
) -> None:
    """A refused date field is marked, its message is in the error colour, and the format hint
    under it keeps the colour of every other hint (Pico colours a refused field's <small>)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser walk runs once, on SQLite; the pages are tested on both databases")
    programme = make_programme(session, country="Cambodia", deadline=dt.date(2030, 12, 31))
    session.commit()
    coordinator = make_user(role="coordinator", email="chea@example.org")
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, coordinator.email)
        page.goto(f"{live_server}/programmes/{programme.id}/deadline")
        form = page.locator("form[action*='/deadline/request']").first
        form.evaluate("f => { const d = f.closest('details'); if (d) d.open = true; }")
        form.locator("input[name=source]").fill("Letter of 3 March")
        with page.expect_navigation() as navigation:
            form.evaluate("f => f.submit()")  # no dates: the server refuses
        assert navigation.value is not None and navigation.value.status == 422
        colour = "e => getComputedStyle(e).color"
        refused = page.locator("input[aria-invalid=true] + .date-hint").first
        calm = page.locator("input:not([aria-invalid]) + .date-hint").first
        message = page.locator(".field-error").first
        assert refused.evaluate(colour) == calm.evaluate(colour)
        assert message.evaluate(colour) != calm.evaluate(colour)
    finally:
        context.close()


# Where the "Add action number" field and its button are, and how tall the meeting record's
# disclosure draws its lines against its font size.
MEETING_LAYOUT = """() => {
  const field = document.querySelector('#action_id');
  const button = field.form.querySelector('button');
  const style = getComputedStyle(document.querySelector('#record details > summary'));
  return {field: field.getBoundingClientRect().toJSON(),
          button: button.getBoundingClientRect().toJSON(),
          line: parseFloat(style.lineHeight) / parseFloat(style.fontSize)};
}"""


@pytest.mark.parametrize("language", ["en", "km"])
def test_meeting_add_button_keeps_its_row_and_record_summary_breathes(
    session: Session, make_user: Any, live_server: str, browser: Any, db_url: str, language: str
) -> None:
    """At 360 and 1280 px the "Add to the agenda" button is on its field's row, on screen, in
    both states: a refused number's message went under the field and pushed the button below
    it. The "Edit the record: ..." summary wraps at a real line height (Pico's 1rem laid a
    Khmer line's subscripts on the next line's letters)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser walk runs once, on SQLite; the pages are tested on both databases")
    from tracker.services import meetings as meeting_service

    programme = make_programme(session, country="Cambodia", deadline=dt.date(2030, 12, 31))
    session.commit()
    coordinator = make_user(role="coordinator", email="chea@example.org", language=language)
    meeting = meeting_service.record_meeting(
        session, programme, held_on=dt.date(2026, 11, 20), title="TWG", actor=coordinator
    )
    session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, coordinator.email)
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 740})
            page.goto(f"{live_server}/meetings/{meeting.id}")
            for refused in (False, True):
                if refused:
                    page.fill("#action_id", "999999")
                    with page.expect_navigation() as navigation:
                        page.locator("form:has(#action_id) button").click()
                    assert navigation.value is not None and navigation.value.status == 422
                    assert page.locator("#action_id-error").is_visible()
                layout = page.evaluate(MEETING_LAYOUT)
                field, button = layout["field"], layout["button"]
                assert abs(button["top"] - field["top"]) < 1, (width, refused, layout)
                assert button["left"] >= field["right"] and button["right"] <= width - 16, layout
            assert layout["line"] >= (1.75 if language == "km" else 1.5), layout
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"meeting-refused-number-{language}.png"))
    finally:
        context.close()
