"""Every page of the navigation in Chromium at 360 and 1280 px (issue 13).

For each role that sees a page (admin, coordinator, owner, and signed out), and in Khmer
for the main pages: no page wider than the screen, status and due date on screen on the
lists, and axe-core's WCAG 2.1 A and AA rules find nothing. A refused form opens at its
summary of errors, with focus there. Screenshots go to test-artifacts/, and the axe counts
by rule to test-artifacts/axe-sweep.json.

axe-core is vendored under tests/vendor/ (a test tool, never served to users) and added to
every page as an init script, so the pages' Content-Security-Policy stays as it is.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD, sign_in_page
from tracker.models import Action, Meeting, Organisation, Programme, User
from tracker.services import public as public_service
from tracker.services import users as user_service
from tracker.services.audit import AuditActor

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PROFILES = Path(__file__).parent / "profiles"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WIDTHS = (360, 1280)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = (
    "() => axe.run(document, {runOnly: {type: 'tag', values: "
    + json.dumps(WCAG_TAGS)
    + "}, resultTypes: ['violations']})"
    ".then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))})))"
)
# On a list, the first row's status and due date must be on screen, not in a sideways scroll.
LIST_CELLS = ".card-status, .card-due"
# A table's own sideways scroll: a .table-scroll box scrolls inside the page, so the page's
# width never shows it (the summary's owners table was 443 px in its 328 px box at 360 px,
# its "Implemented" column cut off, on a page 360 px wide). Every table stacks or fits.
TABLE_SCROLLS = """() => [...document.querySelectorAll('.table-scroll')]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => `table.${box.querySelector('table').className.split(' ').join('.')}`
    + ` ${box.scrollWidth} px in ${box.clientWidth}`)"""

pytestmark = pytest.mark.browser


def _pages(ids: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """(name, path) of each page, by who looks at it: the pages every role has (summary,
    actions, profile) for each role, the others once, for the role whose work they are."""
    p, a, m, own = ids["programme"], ids["action"], ids["meeting"], ids["own_action"]
    everyone = [("summary", "/"), ("actions", "/actions"), ("profile", "/profile")]
    return {
        "signed-out": [
            ("login", "/auth/login"),
            ("forgot", "/auth/forgot"),
            ("reset", "/auth/reset/not-a-token"),
            ("public-index", "/p/"),
            ("public-page", f"/p/{ids['slug']}"),
        ],
        "owner": [
            *everyone,
            ("my-actions", "/actions/mine"),
            ("action", f"/actions/{own}"),
            ("password", "/profile/password"),
            ("tokens", "/profile/tokens"),
            ("calendar", "/profile/calendar"),
            ("notification-settings", "/settings/notifications"),
        ],
        "coordinator": [
            *everyone,
            ("action", f"/actions/{a}"),
            ("programmes", "/programmes"),
            ("programme", f"/programmes/{p}"),
            ("programme-summary", f"/programmes/{p}/summary"),
            ("deadline", f"/programmes/{p}/deadline"),
            ("meetings", f"/programmes/{p}/meetings"),
            ("meeting", f"/meetings/{m}"),
            ("decide", f"/meetings/{m}/decide?action_id={a}"),
            ("members", f"/programmes/{p}/members"),
            ("import", "/import"),
            ("reminders", "/reminders/preview"),
            ("api-docs", "/api/v1/docs"),
        ],
        "admin": [
            *everyone,
            ("users", "/admin/users"),
            ("new-user", "/admin/users/new"),
            ("user", f"/admin/users/{ids['owner_user']}"),
            ("organisations", "/admin/organisations"),
            ("new-organisation", "/admin/organisations/new"),
            ("organisation", f"/admin/organisations/{ids['organisation']}"),
            ("audit", "/admin/audit"),
            ("mail", "/admin/mail"),
        ],
        "khmer-signed-out": [
            ("login", "/auth/login"),
            ("public-page", f"/p/{ids['slug']}?lang=km"),
        ],
        "khmer": [
            *everyone,
            ("my-actions", "/actions/mine"),
            ("action", f"/actions/{a}"),
            ("programme-summary", f"/programmes/{p}/summary"),
            ("deadline", f"/programmes/{p}/deadline"),
            ("meeting", f"/meetings/{m}"),
        ],
    }


LISTS = {"actions", "my-actions", "programme", "meeting", "public-page"}


def _look(page: Any, label: str, width: int, is_list: bool) -> tuple[list[str], list[dict]]:
    """What is wrong with the page on screen: sideways scroll (the page's or a table's), list
    cells off screen, axe."""
    problems = []
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if scroll > inner:
        problems.append(f"{label}: {scroll} px wide at {inner} px")
    problems += [f"{label}: {table} px, scrolls sideways" for table in page.evaluate(TABLE_SCROLLS)]
    if is_list:
        rows = page.locator("tbody tr:has(.card-status)")
        cells = rows.first.locator(LIST_CELLS)
        if page.locator("table.actions, table.stack").count() and cells.count() < 2:
            problems.append(f"{label}: no status and due date cells on the first row")
        for n in range(cells.count()):
            box = cells.nth(n).bounding_box()
            if box is None or box["x"] < 0 or box["x"] + box["width"] > inner + 0.5:
                problems.append(f"{label}: list cell {n} off screen ({box})")
    violations = page.evaluate(AXE_RUN)
    for v in violations:
        problems.append(f"{label}: axe {v['id']} at {v['nodes'][:3]}")
    # The first screen only: what a phone shows on opening (full pages cost seconds each).
    page.screenshot(path=str(ARTIFACTS / f"sweep-{label}.png"))
    return problems, violations


@pytest.fixture
def world(runner: FlaskCliRunner, session: Session, make_user: Any, db_url: str) -> dict[str, Any]:
    """The Cambodia demo, published, with an admin, a coordinator (and one reading Khmer) and
    a demo owner who owns actions; the ids the pages need."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser walk runs once, on SQLite; the pages are tested on both databases")
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    session.rollback()
    programme = session.exec(select(Programme)).one()
    cmaa = session.exec(select(Organisation).where(Organisation.short_name == "CMAA")).one()
    users = {
        "admin": make_user(role="admin", email="admin@sweep.example"),
        "coordinator": make_user(role="coordinator", email="coordinator@sweep.example"),
        "khmer": make_user(role="coordinator", email="khmer@sweep.example", language="km"),
    }
    # The owner is a demo account (it owns actions); it gets a password to sign in with.
    owner = session.exec(select(User).where(User.email == "qa@cmaa.example")).one()
    owner.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    users["owner"] = owner
    slug = public_service.publish_programme(
        session, programme, actor=users["admin"], audit=AuditActor(None, "command line")
    )  # type: ignore[arg-type]
    session.commit()
    first = select(Action).order_by(col(Action.id))
    action = session.exec(first).first()
    own = session.exec(first.where(Action.owner_user_id == owner.id)).first()
    meeting = session.exec(select(Meeting).order_by(col(Meeting.held_on))).first()
    assert action and own and meeting
    ids = {
        "programme": programme.id,
        "action": action.id,
        "own_action": own.id,
        "meeting": meeting.id,
        "slug": slug,
        "owner_user": owner.id,
        "organisation": cmaa.id,
    }
    return {"users": users, "ids": ids}


def test_every_page_fits_the_screen_and_passes_axe(
    world: dict[str, Any], live_server: str, browser: Any
) -> None:
    """Each role's pages at 360 and 1280 px, and the main ones in Khmer: fit, lists, axe."""
    users, ids = world["users"], world["ids"]
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("sweep-*.png"):
        old.unlink()
    axe_source = AXE.read_text(encoding="utf-8")
    problems: list[str] = []
    counts: collections.Counter[str] = collections.Counter()
    views = 0
    for role, pages in _pages(ids).items():
        context = browser.new_context(
            viewport={"width": WIDTHS[0], "height": 780},
            extra_http_headers={"Accept-Language": "km"} if role.startswith("khmer") else {},
        )
        context.add_init_script(script=axe_source)
        page = context.new_page()
        if role in users:
            sign_in_page(page, live_server, users[role].email)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 780 if width < 600 else 900})
            for name, path in pages:
                page.goto(live_server + path)
                if role.startswith("khmer"):
                    assert page.evaluate("document.documentElement.lang") == "km", name
                found, violations = _look(page, f"{role}-{name}-{width}", width, name in LISTS)
                problems += found
                counts.update(v["id"] for v in violations)
                views += 1
            if role == "coordinator":
                page.goto(live_server + "/import")
                page.fill(
                    "textarea[name=text]",
                    (PROFILES / "cambodia-2024-apmbc-made-up.txt").read_text(encoding="utf-8"),
                )
                with page.expect_navigation():
                    page.click("button:has-text('Preview')")
                found, violations = _look(page, f"{role}-import-preview-{width}", width, False)
                problems += found
                counts.update(v["id"] for v in violations)
                views += 1
        context.close()
    report = {"page_views": views, "axe_violations_by_rule": dict(counts), "problems": problems}
    (ARTIFACTS / "axe-sweep.json").write_text(json.dumps(report, indent=1))
    assert problems == [], "\n".join(problems)


# Each refused form: (who, page, the form, how to fill it, the answer's status, a field that
# keeps what was typed). The forms are submitted with form.submit(), which skips the browser's
# own checks, as an old phone browser would; the server's answer is what is tested.
FORMS: list[tuple[str, str, str, dict[str, str], int, tuple[str, str] | None]] = [
    ("signed-out", "/auth/login", "form:has(#password)",
     {"#email": "qa@cmaa.example", "#password": "not the password"}, 401,
     ("#email", "qa@cmaa.example")),
    ("owner", "/profile/password", "form:has(#current_password)",
     {"#current_password": "not the password", "#new_password": "a long new pass phrase",
      "#confirm_password": "a long new pass phrase"}, 422, None),
    ("owner", "/profile", "form:has(#language-choice)", {"#language-choice": "xx"}, 422, None),
    ("owner", "/profile/tokens", "form:has(#lifetime)", {"#name": "  "}, 422, None),
    ("owner", "/settings/notifications", "form:has(#until)",
     {"#until": "2020-01-01", "#reason": "On leave"}, 422, ("#reason", "On leave")),
    ("admin", "/admin/users/new", "form:has(#email)",
     {"#email": "not an address", "#name": "Dara Kim"}, 422, ("#name", "Dara Kim")),
    ("admin", "/admin/organisations/new", "form:has(#short_name)",
     {"#name": "  ", "#short_name": "NEWORG"}, 422, ("#short_name", "NEWORG")),
    ("coordinator", "/programmes/{p}/members", "form:has(#email)",
     {"#email": "nobody@nowhere.example"}, 422, ("#email", "nobody@nowhere.example")),
    ("coordinator", "/programmes/{p}/meetings", "form:has(textarea[name=notes])",
     {"input[name=held_on]": "2026-11-20", "input[name=title]": "  "}, 422,
     ("input[name=held_on]", "2026-11-20")),
    ("coordinator", "/meetings/{m}", "form[action*='/record']",
     {"input[name=title]": "  "}, 422, None),
    ("coordinator", "/meetings/{m}", "form[action*='/agenda/add']",
     {"input[name=action_id]": "999999"}, 422, ("input[name=action_id]", "999999")),
    ("coordinator", "/meetings/{m}/decide?action_id={a}", "form:has(textarea[name=comment])",
     {"select[name=status]": "xx", "textarea[name=comment]": "Agreed"}, 422,
     ("textarea[name=comment]", "Agreed")),
    ("coordinator", "/programmes/{p}/deadline", "form[action*='/deadline/request']",
     {"input[name=source]": "Letter of 3 March"}, 422,
     ("input[name=source]", "Letter of 3 March")),
    ("coordinator", "/import", "form:has(#text)", {"#text": "not a profile"}, 422,
     ("#text", "not a profile")),
    ("coordinator", "/actions/{a}", "form.update-form",
     {"#evidence_url": "javascript:alert(1)"}, 422, ("#evidence_url", "javascript:alert(1)")),
    ("coordinator", "/actions/{a}", "form:has(#translation-title)",
     {"#translation-language": "xx", "#translation-title": "ផែនការជាតិ"}, 422,
     ("#translation-title", "ផែនការជាតិ")),
    ("coordinator", "/meetings/{m}", "#decisions-form",
     {"select[name$='-status']": "xx", "textarea[name$='-comment']": "Agreed"}, 422,
     ("textarea[name$='-comment']", "Agreed")),
]  # fmt: skip
# A form that needs a step first: the agenda's decisions need an agenda, built by its button.
BEFORE = {"#decisions-form": "form[action*='/agenda/prepare']"}

SUMMARY_STATE = """() => {
  const s = document.querySelector('.error-summary');
  if (!s) return null;
  const box = s.getBoundingClientRect();
  const links = [...s.querySelectorAll('a')].map(a => a.getAttribute('href'));
  return {focused: document.activeElement === s, top: box.top, bottom: box.bottom,
          height: innerHeight, links: links,
          missing: links.filter(h => !document.getElementById(h.slice(1)))};
}"""


def _fill(page: Any, form: Any, values: dict[str, str]) -> None:
    form.evaluate("f => { const d = f.closest('details'); if (d) d.open = true; }")
    for selector, value in values.items():
        field = form.locator(selector).first
        if field.evaluate("e => e.tagName") == "SELECT":
            # A value the list does not offer, as a tampered or stale form would send.
            field.evaluate("(e, v) => { e.add(new Option(v, v)); e.value = v; }", value)
        else:
            field.fill(value)


def test_refused_forms_open_at_their_summary(
    world: dict[str, Any], live_server: str, browser: Any
) -> None:
    """Every form refused opens, at 360 px, at its summary: focused, on screen, links that land."""
    users, known = world["users"], world["ids"]
    ids = {"p": known["programme"], "m": known["meeting"], "a": known["action"]}
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    contexts: dict[str, Any] = {}
    try:
        for number, (role, path, form_selector, values, status, kept) in enumerate(FORMS):
            if role not in contexts:
                contexts[role] = browser.new_context(viewport={"width": 360, "height": 740})
                contexts[role].set_default_timeout(10_000)
                if role in users:
                    sign_in_page(contexts[role].new_page(), live_server, users[role].email)
            page = contexts[role].pages[0] if contexts[role].pages else contexts[role].new_page()
            label = f"{number}-{path.format(**ids).strip('/').replace('/', '-').split('?')[0]}"
            page.goto(live_server + path.format(**ids))
            if form_selector in BEFORE:
                with page.expect_navigation():
                    page.locator(BEFORE[form_selector]).first.evaluate("f => f.submit()")
            form = page.locator(form_selector).first
            _fill(page, form, values)
            with page.expect_navigation() as navigation:
                form.evaluate("f => f.submit()")
            answer = navigation.value
            state = page.evaluate(SUMMARY_STATE)
            page.screenshot(path=str(ARTIFACTS / f"refused-{label}.png"))
            if answer is None or answer.status != status:
                problems.append(f"{label}: {answer and answer.status}, not {status}")
            if state is None:
                problems.append(f"{label}: no error summary")
                continue
            if not state["focused"]:
                problems.append(f"{label}: the summary does not have the focus")
            if not (-2 <= state["top"] < state["height"]):
                problems.append(f"{label}: the summary is off screen ({state['top']})")
            if (not state["links"] and role != "signed-out") or state["missing"]:
                problems.append(f"{label}: links {state['links']}, to nothing: {state['missing']}")
            if kept and page.locator(kept[0]).first.input_value() != kept[1]:
                problems.append(f"{label}: {kept[0]} lost what was typed")
    finally:
        for context in contexts.values():
            context.close()
    assert problems == [], "\n".join(problems)
