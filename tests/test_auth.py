"""Sign-in, sign-out, throttling, session versions and password rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from tests.conftest import DEFAULT_PASSWORD
from tracker.models import LoginAttempt, User, utcnow
from tracker.services import security
from tracker.services import users as user_service

NEW_PASSWORD = "a brand new passphrase"


def _sign_in(client: FlaskClient, email: str, password: str, **kwargs: Any) -> Any:
    return client.post("/auth/login", data={"email": email, "password": password}, **kwargs)


def _attempts(session: Session) -> int:
    session.rollback()
    session.expire_all()
    return session.exec(select(func.count()).select_from(LoginAttempt)).one()


def test_home_sends_a_visitor_to_sign_in_and_back(client: FlaskClient, make_user: Any) -> None:
    """/ redirects to the sign-in page with next=/, and signing in returns there."""
    user = make_user(role="viewer")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    back = _sign_in(client, user.email, DEFAULT_PASSWORD, query_string={"next": "/"})
    assert back.status_code == 302 and back.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/profile", "/admin/users", "/some/page/added/later"])
def test_every_page_needs_sign_in(client: FlaskClient, path: str) -> None:
    """Pages redirect to sign-in; an unknown address is still a plain 404."""
    response = client.get(path)
    if path.startswith("/some"):
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_public_pages_open_without_sign_in(client: FlaskClient) -> None:
    """The sign-in page, the health check and static files need no account."""
    assert client.get("/auth/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    with client.get("/static/tracker.css") as css:
        assert css.status_code == 200


def test_guard_allow_list_is_explicit() -> None:
    """Only the named public addresses pass without sign-in; look-alikes do not."""
    from tracker.auth import is_public

    assert is_public("main.healthz", "/healthz")
    assert is_public(None, "/healthz/db")
    assert is_public(None, "/api/v1/openapi.json")
    assert is_public(None, "/api/v1/docs")
    assert is_public(None, "/calendar/3f9a0c.ics")
    assert is_public("reminder_link.page", "/r/eyJ1IjoxfQ.sig")  # issue 18: the link is the key
    assert not is_public("main.index", "/")
    assert not is_public(None, "/calendar/3f9a0c.ics/../admin")
    assert not is_public(None, "/api/v1/actions")
    assert not is_public(None, "/healthzz")


def test_api_paths_answer_401_in_json(client: FlaskClient, app: Flask) -> None:
    """A non-API-v1 JSON path without sign-in gets a JSON problem, not a redirect to a page."""

    @app.get("/api/internal/probe")
    def probe() -> str:
        return "secret"

    response = client.get("/api/internal/probe")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401


def test_wrong_password_is_refused_and_counted(
    client: FlaskClient, make_user: Any, session: Session
) -> None:
    """A wrong password answers 401 with a message and stores one failure in the database."""
    user = make_user()
    response = _sign_in(client, user.email, "not the password at all")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert _attempts(session) == 1
    assert client.get("/profile").status_code == 302


def test_inactive_account_cannot_sign_in(
    client: FlaskClient, make_user: Any, session: Session
) -> None:
    """A deactivated user is refused even with the right password."""
    user = make_user()
    user.active = False
    session.add(user)
    session.commit()
    assert _sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 401


def test_sign_in_ignores_the_case_of_the_email(client: FlaskClient, make_user: Any) -> None:
    """E-mail addresses match whatever their case."""
    make_user(email="Mixed.Case@Example.org")
    assert _sign_in(client, "MIXED.case@example.ORG", DEFAULT_PASSWORD).status_code == 302


def test_account_is_throttled_after_five_failures(
    client: FlaskClient, make_user: Any, session: Session
) -> None:
    """The sixth try after five failures answers 429 and says when to try again."""
    user = make_user()
    for _ in range(4):
        assert _sign_in(client, user.email, "wrong wrong wrong").status_code == 401
    fifth = _sign_in(client, user.email, "wrong wrong wrong")
    assert fifth.status_code == 429
    blocked = _sign_in(client, user.email, DEFAULT_PASSWORD)
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Too many failed sign-ins for this account." in html
    assert "Try again in 15 minutes" in html
    assert int(blocked.headers["Retry-After"]) > 800
    assert _attempts(session) == 5
    assert client.get("/profile").status_code == 302


def test_address_is_throttled_after_twenty_failures(client: FlaskClient, session: Session) -> None:
    """Twenty failures from one address on different accounts block that address only."""
    for number in range(20):
        _sign_in(client, f"nobody{number}@example.org", "guess guess guess")
    response = _sign_in(client, "someone.else@example.org", "guess guess guess")
    assert response.status_code == 429
    assert "from your network" in response.get_data(as_text=True)
    other = _sign_in(
        client,
        "someone.else@example.org",
        "guess guess guess",
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert other.status_code == 401
    assert _attempts(session) == 21


def test_throttle_holds_across_workers(
    another_app: Callable[..., Flask], client: FlaskClient, make_user: Any
) -> None:
    """Failures made through one app instance block sign-in through another (shared database)."""
    user = make_user()
    for _ in range(5):
        _sign_in(client, user.email, "wrong wrong wrong")
    other_worker = another_app()
    response = _sign_in(other_worker.test_client(), user.email, DEFAULT_PASSWORD)
    assert response.status_code == 429


def test_throttle_lifts_after_the_window(session: Session) -> None:
    """Failures older than 15 minutes no longer count; a success clears the account's count."""
    now = utcnow()
    for minutes in (20, 14, 13, 12, 11, 10):
        session.add(
            LoginAttempt(
                email="a@example.org", address="1.2.3.4", at=now - dt.timedelta(minutes=minutes)
            )
        )
    session.commit()
    throttle = security.sign_in_throttle(session, email="a@example.org", address="", now=now)
    assert throttle is not None and throttle.per_account
    assert throttle.retry_at == now + dt.timedelta(minutes=1)
    later = now + dt.timedelta(minutes=2)
    assert security.sign_in_throttle(session, email="a@example.org", address="", now=later) is None
    security.clear_failed_sign_ins(session, email="A@example.org")
    assert security.count_failures(session, email="a@example.org", now=now) == 0


def test_success_clears_the_accounts_failures(
    client: FlaskClient, make_user: Any, session: Session
) -> None:
    """After a successful sign-in, earlier failures of the account no longer count."""
    user = make_user()
    for _ in range(3):
        _sign_in(client, user.email, "wrong wrong wrong")
    assert _sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    session.rollback()
    session.expire_all()
    assert security.count_failures(session, email=user.email, now=utcnow()) == 0


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_never_leaves_the_site(client: FlaskClient, make_user: Any, target: str) -> None:
    """A next address on another host is ignored: sign-in lands on the start page."""
    user = make_user()
    response = _sign_in(client, user.email, DEFAULT_PASSWORD, query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_sign_out_ends_this_session_only(app: Flask, make_user: Any) -> None:
    """Signing out in one browser leaves the other browser signed in."""
    user = make_user()
    first, second = app.test_client(), app.test_client()
    _sign_in(first, user.email, DEFAULT_PASSWORD)
    _sign_in(second, user.email, DEFAULT_PASSWORD)
    assert first.post("/auth/logout").status_code == 302
    assert first.get("/profile").status_code == 302
    assert second.get("/profile").status_code == 200


def test_password_change_ends_other_sessions(app: Flask, make_user: Any, session: Session) -> None:
    """Changing the password keeps this browser signed in and signs the other one out."""
    user = make_user()
    mine, other = app.test_client(), app.test_client()
    _sign_in(mine, user.email, DEFAULT_PASSWORD)
    _sign_in(other, user.email, DEFAULT_PASSWORD)
    response = mine.post(
        "/profile/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert mine.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302
    assert _sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    session.rollback()
    session.expire_all()
    assert session.exec(select(User.session_version).where(User.id == user.id)).one() == 2


def test_sign_out_everywhere_ends_every_session(app: Flask, make_user: Any) -> None:
    """ "Sign out everywhere" signs out this browser and every other one."""
    user = make_user()
    mine, other = app.test_client(), app.test_client()
    _sign_in(mine, user.email, DEFAULT_PASSWORD)
    _sign_in(other, user.email, DEFAULT_PASSWORD)
    assert mine.post("/profile/sign-out-everywhere").status_code == 302
    assert mine.get("/profile").status_code == 302
    assert other.get("/profile").status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("wrong current pass", NEW_PASSWORD, NEW_PASSWORD, "current_password", "not right"),
        (DEFAULT_PASSWORD, "short", "short", "new_password", "at least 12"),
        (DEFAULT_PASSWORD, "password1234", "password1234", "new_password", "common"),
        (DEFAULT_PASSWORD, "owner1@example.org", "owner1@example.org", "new_password", "e-mail"),
        (DEFAULT_PASSWORD, NEW_PASSWORD, "something else entirely", "confirm_password", "same"),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, DEFAULT_PASSWORD, "new_password", "differ"),
    ],
)
def test_password_change_refusals(
    client: FlaskClient,
    make_user: Any,
    login: Any,
    dump_database: Any,
    current: str,
    new: str,
    confirm: str,
    field: str,
    message: str,
) -> None:
    """A refused change answers 422, marks the field with the reason and changes nothing."""
    user = make_user(email="owner1@example.org")
    login(user)
    before = dump_database()
    response = client.post(
        "/profile/password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}" name="{field}"' in html
    assert f'aria-describedby="{field}-error"' in html
    assert message in html
    assert dump_database() == before


def test_must_change_password_comes_first(client: FlaskClient, make_user: Any) -> None:
    """A temporary password leads to the change-password page until a new one is chosen."""
    user = make_user(must_change_password=True)
    response = _sign_in(client, user.email, DEFAULT_PASSWORD)
    assert response.headers["Location"] == "/profile/password"
    for path in ("/", "/profile"):
        assert client.get(path).headers["Location"] == "/profile/password"
    assert "temporary password" in client.get("/profile/password").get_data(as_text=True)
    client.post(
        "/profile/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert client.get("/profile").status_code == 200


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("elevenchars", "at least 12"),
        ("PASSWORD1234", "common"),
        ("aaaaaaaaaaaaaaa", "too few different"),
        ("person@example.org", "e-mail"),
        ("x" * 201, "at most 200"),
    ],
)
def test_password_rules(password: str, reason: str) -> None:
    """Short, common, repetitive, e-mail-equal and overlong passwords are refused."""
    with pytest.raises(user_service.UserError, match=reason):
        user_service.check_password_rules(password, "person@example.org")


def test_good_password_passes_the_rules() -> None:
    """A long passphrase that is none of the above is accepted."""
    user_service.check_password_rules("four random words here", "person@example.org")


def test_profile_shows_the_account(client: FlaskClient, make_user: Any, login: Any) -> None:
    """The profile page shows name, e-mail and role."""
    user = make_user(role="coordinator", name="Sok Dara")
    login(user)
    html = client.get("/profile").get_data(as_text=True)
    for text in ("Sok Dara", user.email, "coordinator", "Sign out everywhere"):
        assert text in html
