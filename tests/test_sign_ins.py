"""Server-side sign-ins: a cookie names a row, and an ended row refuses the cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from tests.conftest import DEFAULT_PASSWORD
from tracker.models import SignIn, utcnow
from tracker.services import sign_ins


def _sign_in(client: FlaskClient, user: Any, **kwargs: Any) -> None:
    response = client.post(
        "/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD}, **kwargs
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _secret(app: Flask, client: FlaskClient) -> str:
    """The sign-in secret the session cookie carries (Flask-Login's user id)."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    secret: str = serializer.loads(_cookie(client))["_user_id"]
    return secret


def _rows(session: Session) -> list[SignIn]:
    session.rollback()
    session.expire_all()
    return list(session.exec(select(SignIn).order_by(SignIn.created_at)))


def _move_back(session: Session, row_id: str, **ages: dt.timedelta) -> None:
    """Make the row's timestamps this long ago, as if time had passed."""
    values = {name: utcnow() - age for name, age in ages.items()}
    session.execute(sa.update(SignIn).where(col(SignIn.id) == row_id).values(**values))
    session.commit()


def _signed_in_row(user: Any, browser: FlaskClient, session: Session) -> tuple[FlaskClient, SignIn]:
    """``browser`` signed in as ``user``, and the one sign-in row that made."""
    _sign_in(browser, user)
    (row,) = _rows(session)
    return browser, row


def test_replayed_cookie_after_sign_out_is_refused(app: Flask, make_user: Any) -> None:
    """A copy of the cookie taken before "Sign out" no longer signs in, nor changes anything."""
    user = make_user()
    browser = app.test_client()
    _sign_in(browser, user)
    copied = _cookie(browser)
    assert browser.post("/auth/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", copied)
    page = thief.get("/profile")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    change = thief.post("/profile/sign-out-everywhere")
    assert change.status_code == 302 and "/auth/login" in change.headers["Location"]


def test_replayed_cookie_is_refused_by_another_worker(
    app: Flask, another_app: Any, make_user: Any
) -> None:
    """Sign-out on one worker ends the sign-in for every worker: it is checked in the database."""
    user = make_user()
    browser = app.test_client()
    _sign_in(browser, user)
    copied = _cookie(browser)
    other_worker = another_app().test_client()
    other_worker.set_cookie("session", copied)
    assert other_worker.get("/profile").status_code == 200
    browser.post("/auth/logout")
    assert other_worker.get("/profile").status_code == 302


def test_each_sign_in_is_a_row_stored_by_hash(
    app: Flask, client: FlaskClient, make_user: Any, session: Session
) -> None:
    """A row per sign-in under the SHA-256 of the cookie secret, with address and browser;
    a new secret at every sign-in."""
    user = make_user()
    _sign_in(client, user, headers={"User-Agent": "Firefox/140 test"})
    first = _secret(app, client)
    _sign_in(client, user)
    second = _secret(app, client)
    assert first != second
    rows = _rows(session)
    hashes = [hashlib.sha256(secret.encode()).hexdigest() for secret in (first, second)]
    assert [row.id for row in rows] == hashes
    assert rows[0].user_agent == "Firefox/140 test" and rows[0].address == "127.0.0.1"
    assert all(row.user_id == user.id for row in rows)
    assert first not in {row.id for row in rows}


def test_visitors_get_no_row(client: FlaskClient, make_user: Any, session: Session) -> None:
    """The sign-in page, a refused sign-in and the health check record no sign-in."""
    user = make_user()
    client.get("/auth/login")
    client.get("/healthz")
    client.get("/profile")
    client.post("/auth/login", data={"email": user.email, "password": "wrong password here"})
    assert session.exec(select(func.count()).select_from(SignIn)).one() == 0


def test_idle_sign_in_expires(app: Flask, make_user: Any, session: Session) -> None:
    """A sign-in unused for longer than the idle time (12 hours by default) is refused."""
    browser, row = _signed_in_row(make_user(), app.test_client(), session)
    _move_back(session, row.id, last_seen_at=dt.timedelta(hours=11, minutes=50))
    assert browser.get("/profile").status_code == 200
    _move_back(session, row.id, last_seen_at=dt.timedelta(hours=12, minutes=10))
    assert browser.get("/profile").status_code == 302


def test_idle_time_comes_from_the_setting(
    another_app: Any, make_user: Any, session: Session
) -> None:
    """SESSION_IDLE_HOURS (TRACKER_SESSION_IDLE_HOURS) sets the idle time."""
    browser, row = _signed_in_row(
        make_user(), another_app(SESSION_IDLE_HOURS=1).test_client(), session
    )
    _move_back(session, row.id, last_seen_at=dt.timedelta(minutes=70))
    assert browser.get("/profile").status_code == 302


def test_sign_in_has_an_absolute_lifetime(app: Flask, make_user: Any, session: Session) -> None:
    """However busy, a sign-in older than 30 days is refused."""
    browser, row = _signed_in_row(make_user(), app.test_client(), session)
    _move_back(session, row.id, created_at=dt.timedelta(days=29, hours=23))
    assert browser.get("/profile").status_code == 200
    _move_back(session, row.id, created_at=dt.timedelta(days=30, hours=1))
    assert browser.get("/profile").status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(
    app: Flask, make_user: Any, session: Session
) -> None:
    """Requests within a minute leave "last seen" alone; a later one moves it to now."""
    browser, row = _signed_in_row(make_user(), app.test_client(), session)
    seen = row.last_seen_at
    browser.get("/profile")
    browser.post("/profile/password", data={})
    assert _rows(session)[0].last_seen_at == seen
    _move_back(session, row.id, last_seen_at=dt.timedelta(minutes=2))
    before = utcnow() - dt.timedelta(seconds=5)
    browser.get("/profile")
    assert _rows(session)[0].last_seen_at >= before


def test_profile_lists_sign_ins_and_ends_one(app: Flask, make_user: Any, session: Session) -> None:
    """The profile page lists each browser; "end this session" signs that one out only."""
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop, user, headers={"User-Agent": "Laptop browser"})
    _sign_in(phone, user, headers={"User-Agent": "Phone browser"})
    html = laptop.get("/profile").get_data(as_text=True)
    assert "Laptop browser" in html and "Phone browser" in html and "End this session" in html
    phone_row = next(row for row in _rows(session) if row.user_agent == "Phone browser")
    ended = laptop.post(f"/profile/sessions/{phone_row.id}/end")
    assert ended.status_code == 302
    assert phone.get("/profile").status_code == 302
    assert laptop.get("/profile").status_code == 200
    assert "Phone browser" not in laptop.get("/profile").get_data(as_text=True)


def test_cannot_end_someone_elses_sign_in(app: Flask, make_user: Any, session: Session) -> None:
    """Ending a sign-in of another account, or one that does not exist, is a 404."""
    mine, theirs = make_user(), make_user()
    me, them = app.test_client(), app.test_client()
    _sign_in(me, mine)
    _sign_in(them, theirs)
    their_row = next(row for row in _rows(session) if row.user_id == theirs.id)
    assert me.post(f"/profile/sessions/{their_row.id}/end").status_code == 404
    assert me.post("/profile/sessions/not-a-sign-in/end").status_code == 404
    assert them.get("/profile").status_code == 200


@pytest.mark.parametrize("how", ["reset", "deactivate", "everywhere", "password"])
def test_account_events_end_every_sign_in(
    app: Flask, another_app: Any, make_user: Any, how: str
) -> None:
    """Sign out everywhere, a password change, an admin's reset and a deactivation refuse
    every existing cookie of the account, on another worker too."""
    user = make_user()
    admin = make_user(role="admin")
    browser = app.test_client()
    _sign_in(browser, user)
    elsewhere = another_app().test_client()
    elsewhere.set_cookie("session", _cookie(browser))
    assert elsewhere.get("/profile").status_code == 200
    if how in {"reset", "deactivate"}:
        admin_browser = app.test_client()
        _sign_in(admin_browser, admin)
        path = "reset-password" if how == "reset" else "deactivate"
        assert admin_browser.post(f"/admin/users/{user.id}/{path}").status_code in {200, 302}
    elif how == "everywhere":
        other = app.test_client()
        _sign_in(other, user)
        other.post("/profile/sign-out-everywhere")
    else:
        other = app.test_client()
        _sign_in(other, user)
        new = "a brand new passphrase"
        data = {"current_password": DEFAULT_PASSWORD, "new_password": new, "confirm_password": new}
        assert other.post("/profile/password", data=data).status_code == 302
        assert other.get("/profile").status_code == 200  # the changing browser stays in
    assert elsewhere.get("/profile").status_code == 302
    assert browser.get("/profile").status_code == 302


def test_sign_in_limits_are_checked_in_the_service(make_user: Any, session: Session) -> None:
    """find_sign_in refuses an ended row and a row of a bumped session version."""
    user = make_user()
    limits = sign_ins.SignInLimits()
    secret = sign_ins.start_sign_in(session, user, address="", user_agent="", limits=limits)
    session.commit()
    assert sign_ins.find_sign_in(session, secret, limits) is not None
    sign_ins.end_sign_in(session, sign_ins.hash_secret(secret))
    session.commit()
    session.expire_all()
    assert sign_ins.find_sign_in(session, secret, limits) is None
