"""Headers, cookies, CSRF on every form, bearer-only API, and error pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from tests.conftest import DEFAULT_PASSWORD
from tracker.config import _parse_env
from tracker.models import LoginAttempt

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def csrf_app(another_app: Callable[..., Flask]) -> Flask:
    return another_app(WTF_CSRF_ENABLED=True)


def _sign_in_with_token(client: FlaskClient, email: str) -> None:
    token = _csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def _url(rule: Any) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def test_security_headers(client: FlaskClient) -> None:
    """Pages carry a strict CSP (no inline code, no framing), nosniff and a referrer policy."""
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client: FlaskClient, make_user: Any, login: Any) -> None:
    """The session cookie is HttpOnly and SameSite=Lax, and not Secure over plain HTTP."""
    response = login(make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_with_https(
    another_app: Callable[..., Flask], make_user: Any
) -> None:
    """With TRACKER_HTTPS=1 the session cookie is also marked Secure."""
    assert _parse_env("HTTPS", "1") is True
    app = another_app(HTTPS=True)
    user = make_user()
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": DEFAULT_PASSWORD},
        base_url="https://tracker.test",
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_without_csrf_token_is_refused(csrf_app: Flask, session: Session) -> None:
    """A sign-in form posted without its token answers 400 "form expired" and counts nothing."""
    response = csrf_app.test_client().post(
        "/auth/login", data={"email": "x@example.org", "password": "whatever it is"}
    )
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(LoginAttempt)).one() == 0


def test_every_form_route_refuses_a_post_without_csrf_token(
    csrf_app: Flask, make_user: Any, dump_database: Any
) -> None:
    """Each state-changing route outside /api/v1 answers 400 without a token; nothing changes."""
    admin = make_user(role="admin")
    client = csrf_app.test_client()
    _sign_in_with_token(client, admin.email)
    before = dump_database()
    checked = []
    for rule in csrf_app.url_map.iter_rules():
        methods = (rule.methods or set()) & STATE_CHANGING
        if not methods or rule.rule.startswith("/api/v1/"):
            continue
        for method in methods:
            response = client.open(_url(rule), method=method, data={"comment": "x"})
            assert response.status_code == 400, (method, rule.rule, response.status_code)
            assert "The form has expired" in response.get_data(as_text=True)
            checked.append(rule.rule)
    assert "/profile/password" in checked and "/admin/users/new" in checked
    assert dump_database() == before
    assert client.get("/profile").status_code == 200


def test_api_routes_need_a_bearer_token(client: FlaskClient, make_user: Any, login: Any) -> None:
    """Every /api/v1 route except its description and docs refuses a call without a token."""
    login(make_user(role="admin"))  # a session cookie is not enough
    for rule in client.application.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        method = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]
        response = client.open(_url(rule), method=method, json={})
        if rule.rule in ("/api/v1/openapi.json", "/api/v1/docs"):
            assert response.status_code == 200, rule.rule
        else:
            assert response.status_code == 401, rule.rule
            assert response.mimetype == "application/problem+json"


def test_not_found_page(client: FlaskClient) -> None:
    """An unknown address gets a plain 404 page."""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_page(client: FlaskClient, make_user: Any, login: Any) -> None:
    """GET on a POST-only address answers 405 with an explanation and the Allow header."""
    login(make_user())
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Use the page's form" in response.get_data(as_text=True)


def test_api_errors_are_json_problems(client: FlaskClient) -> None:
    """Under /api/ an error is application/problem+json, not a page."""
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_unexpected_error_is_a_page_not_a_traceback(
    another_app: Callable[..., Flask], make_user: Any
) -> None:
    """An exception in a view answers the 500 page, without internals."""
    app = another_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    user = make_user()
    client = app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html and "secret internals" not in html


def test_templates_have_no_inline_script_or_style() -> None:
    """No template holds inline <script>, <style> or style="" (the CSP would block them)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(
            r"<style\b|\sstyle=|\son[a-z]+=", text
        ):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []
