"""Every page for a Khmer reader (issue 12): no English interface text left, on both databases.

Each page's visible text is cut into its text nodes; a node that is exactly an English
msgid of the catalogue is an interface string shown untranslated. Data (names,
recommendation texts, codes) is not in the catalogue, so it never matches; the few
msgids whose Khmer is the same word (codes, product names) are allowed by name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, col, select

from tracker.i18n import COOKIE
from tracker.languages import TRANSLATIONS
from tracker.models import Action, Meeting, Organisation, Programme, User

# The same in Khmer: product name, codes and abbreviations.
SAME_IN_KHMER = {"Tracker", "API", "CSV", "PDF", "Excel", "UTC"}


class _TextNodes(HTMLParser):
    """Visible text nodes, plus the attributes people read (title, placeholder, aria-label)."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Code (field names, enum values, schema names of the API docs) is not interface text.
        if tag in ("script", "style", "code"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.nodes.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.nodes.append(data)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip().strip(":·()").strip()


@pytest.fixture(scope="module")
def english_msgids() -> set[str]:
    return load_english_msgids()


def load_english_msgids() -> set[str]:
    """The catalogue's English texts without placeholders, as a page would show them."""
    with (TRANSLATIONS / "km" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    found: set[str] = set()
    for message in catalogue:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            if text and "%(" not in text and "{" not in text:
                found.add(_normalise(text))
    return found - SAME_IN_KHMER - {""}


def english_left(page: str, msgids: set[str]) -> list[str]:
    parser = _TextNodes()
    parser.feed(page)
    return sorted({_normalise(n) for n in parser.nodes} & msgids)


def _pages(session: Session) -> list[str]:
    programme = session.exec(select(Programme)).first()
    action = session.exec(select(Action).order_by(col(Action.id))).first()
    meeting = session.exec(select(Meeting)).first()
    user = session.exec(select(User).where(col(User.is_demo))).first()
    organisation = session.exec(select(Organisation)).first()
    assert programme and action and meeting and user and organisation
    return [
        "/",
        "/actions",
        "/actions/mine",
        f"/actions/{action.id}",
        "/programmes",
        f"/programmes/{programme.id}",
        f"/programmes/{programme.id}/summary",
        f"/programmes/{programme.id}/deadline",
        f"/programmes/{programme.id}/meetings",
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/decide?action_id={action.id}",
        "/import",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{user.id}",
        "/admin/organisations",
        f"/admin/organisations/{organisation.id}",
        "/admin/organisations/new",
        "/admin/mail",
        "/reminders/preview",
        "/settings/notifications",
        "/profile",
        "/profile/password",
        "/profile/tokens",
        "/profile/calendar",
        "/api/v1/docs",
        "/no-such-page",
    ]


@pytest.fixture
def khmer_admin(
    client: FlaskClient,
    runner: FlaskCliRunner,
    session: Session,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> list[str]:
    """The Cambodia demo, and an admin whose stored language is Khmer, signed in."""
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    login(make_user("admin", language="km"))
    session.rollback()
    return _pages(session)


def test_every_page_is_in_khmer_for_a_khmer_reader(
    client: FlaskClient, khmer_admin: list[str], english_msgids: set[str]
) -> None:
    """Pages, forms, menus and error pages show no interface string in English."""
    problems = {}
    for path in khmer_admin:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        page = response.get_data(as_text=True)
        assert '<html lang="km">' in page, path
        left = english_left(page, english_msgids)
        if left:
            problems[path] = left
    assert not problems, problems


def test_anonymous_pages_follow_the_switch(client: FlaskClient, english_msgids: set[str]) -> None:
    """Sign-in and password-reset pages in Khmer once the switch is used, with no English left."""
    client.set_cookie(COOKIE, "km")
    for path in ("/auth/login", "/auth/forgot", "/auth/reset/not-a-token"):
        page = client.get(path).get_data(as_text=True)
        assert english_left(page, english_msgids) == [], path


def test_the_check_finds_english(english_msgids: set[str]) -> None:
    """The comparison itself: an English page is caught, a Khmer one passes."""
    assert english_left("<h1>Your profile</h1><p>Ana</p>", english_msgids) == ["Your profile"]
    assert english_left("<h1>ព័ត៌មានផ្ទាល់ខ្លួនរបស់អ្នក</h1>", english_msgids) == []
