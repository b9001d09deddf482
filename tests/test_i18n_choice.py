"""Choosing a language (issue 12): profile, anonymous switch, Accept-Language, default, commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, select

from tracker.i18n import COOKIE
from tracker.models import User


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, html[:200]
    return found.group(1)


def _stored_language(session: Session, user_id: int | None) -> str | None:
    """What the database holds now (another connection wrote it)."""
    session.rollback()
    return session.exec(select(User.language).where(User.id == user_id)).one()


def _page_lang(client: FlaskClient, path: str = "/auth/login", **headers: str) -> str:
    return _lang(client.get(path, headers=headers).get_data(as_text=True))


def test_pages_default_to_english_without_any_choice(client: FlaskClient) -> None:
    """No account choice, no cookie, no Accept-Language: the instance default, English."""
    assert _page_lang(client) == "en"


def test_instance_default_applies_when_nothing_else_chooses(
    another_app: Callable[..., Flask],
) -> None:
    """TRACKER_DEFAULT_LOCALE=km makes Khmer the language of an unchosen visit."""
    app = another_app(DEFAULT_LOCALE="km")
    assert _page_lang(app.test_client()) == "km"


def test_unknown_default_locale_stops_start_up(another_app: Callable[..., Flask]) -> None:
    """A default with no catalogue is a configuration error, not English by surprise."""
    from tracker.config import ConfigError

    with pytest.raises(ConfigError, match="'fr' has no compiled catalogue"):
        another_app(DEFAULT_LOCALE="fr")


def test_accept_language_chooses_for_visitors(client: FlaskClient) -> None:
    """A browser that prefers Khmer gets Khmer pages; one that wants French gets the default."""
    assert _page_lang(client, **{"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"}) == "km"
    assert _page_lang(client, **{"Accept-Language": "fr-FR,fr;q=0.9"}) == "en"


def test_anonymous_switch_sets_a_cookie_and_goes_back(
    client: FlaskClient, dump_database: Callable[[], Any]
) -> None:
    """The sign-in page's switch sets a cookie that beats Accept-Language and stores nothing."""
    before = dump_database()
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'action="/language"' in page and "ភាសាខ្មែរ" in page
    response = client.post("/language", data={"language": "KM", "next": "/auth/forgot"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/auth/forgot")
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None and cookie.value == "km" and cookie.http_only
    assert _page_lang(client, **{"Accept-Language": "en"}) == "km"
    assert dump_database() == before


def test_anonymous_switch_refuses_an_unknown_language(client: FlaskClient) -> None:
    """A tampered value answers 422 and sets no cookie."""
    response = client.post("/language", data={"language": "fr", "next": "/auth/login"})
    assert response.status_code == 422
    assert client.get_cookie(COOKIE) is None


def test_anonymous_switch_needs_the_csrf_token(another_app: Callable[..., Flask]) -> None:
    """With CSRF on, a cross-site POST cannot change someone's language."""
    app = another_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/language", data={"language": "km"}).status_code == 400
    assert client.get_cookie(COOKIE) is None


def test_anonymous_switch_never_redirects_off_site(client: FlaskClient) -> None:
    """``next`` is a path on this site only."""
    response = client.post("/language", data={"language": "km", "next": "//evil.example/"})
    assert "evil.example" not in response.headers["Location"]


def test_profile_choice_is_stored_and_beats_cookie_and_browser(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], session: Session
) -> None:
    """A signed-in person's stored language wins over the cookie and Accept-Language."""
    user = make_user("owner")
    login(user)
    client.set_cookie(COOKIE, "en")
    response = client.post("/profile/language", data={"language": "km"})
    assert response.status_code == 302
    assert _stored_language(session, user.id) == "km"
    assert _page_lang(client, "/profile", **{"Accept-Language": "en"}) == "km"
    # Choosing "as my browser asks" stores no language again.
    client.post("/profile/language", data={"language": ""})
    assert _stored_language(session, user.id) is None
    assert _page_lang(client, "/profile", **{"Accept-Language": "km"}) == "en"  # the cookie


def test_profile_refuses_an_unknown_language_at_the_field(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], session: Session
) -> None:
    """An unknown language is marked beside the field with 422, and nothing is stored."""
    user = make_user("owner", language="km")
    login(user)
    response = client.post("/profile/language", data={"language": "fr"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="language-error"' in page and 'aria-invalid="true"' in page
    assert _stored_language(session, user.id) == "km"


def test_admin_sets_a_new_users_language(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], session: Session
) -> None:
    """The admin's user form stores the new account's language; an unknown one is refused."""
    login(make_user("admin"))
    refused = client.post(
        "/admin/users/new",
        data={"email": "x@example.org", "name": "X", "role": "owner", "language": "fr"},
    )
    assert refused.status_code == 422
    assert 'id="language-error"' in refused.get_data(as_text=True)
    assert session.exec(select(User).where(User.email == "x@example.org")).first() is None
    created = client.post(
        "/admin/users/new",
        data={"email": "sok@example.org", "name": "Sok", "role": "owner", "language": "km"},
    )
    assert created.status_code == 201
    session.rollback()
    assert session.exec(select(User).where(User.email == "sok@example.org")).one().language == "km"


def test_create_user_language_option(runner: FlaskCliRunner, session: Session) -> None:
    """--language is case-insensitive and stored lower-case; without it no language is stored."""
    result = runner.invoke(
        args=["create-user", "dara@example.org", "--name", "Dara", "--role", "owner",
              "--language", "KM"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plain = runner.invoke(args=["create-user", "bo@example.org", "--name", "Bo", "--role", "owner"])
    assert plain.exit_code == 0, plain.output
    session.rollback()
    found = {u.email: u.language for u in session.exec(select(User))}
    assert found == {"dara@example.org": "km", "bo@example.org": None}


def test_create_user_unknown_language_exits_2_and_creates_nothing(
    runner: FlaskCliRunner, session: Session
) -> None:
    """An unknown language is one line, exit status 2, and no account."""
    result = runner.invoke(
        args=["create-user", "x@example.org", "--name", "X", "--role", "owner",
              "--language", "fr"]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "unknown language 'fr': use en or km" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert session.exec(select(User)).first() is None
