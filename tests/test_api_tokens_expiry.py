"""API tokens that end: an expiry chosen at creation, revoked by a reset or deactivation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD
from tests.test_api import World, assert_problem, bearer, patch, token_for, version_of
from tests.test_api import world as world
from tracker.models import ApiToken, utcnow
from tracker.services import tokens as token_service


def _token(session: Session, user_id: int) -> ApiToken:
    session.rollback()
    session.expire_all()
    return session.exec(select(ApiToken).where(ApiToken.user_id == user_id)).one()


@pytest.mark.parametrize(("chosen", "days"), [("30", 30), ("90", 90), ("365", 365), ("", 90)])
def test_expiry_is_chosen_at_creation(
    client: FlaskClient, session: Session, make_user: Any, login: Any, chosen: str, days: int
) -> None:
    """The token form offers 30, 90 or 365 days (90 if nothing is chosen) and lists the date."""
    user = make_user()
    login(user)
    response = client.post(
        "/profile/tokens", data={"name": "sync", "scope": "read", "lifetime": chosen}
    )
    assert response.status_code == 201
    token = _token(session, user.id)
    assert abs(token.expires_at - (token.created_at + dt.timedelta(days=days))) < dt.timedelta(
        seconds=1
    )
    listed = client.get("/profile/tokens").get_data(as_text=True)
    assert "Expires" in listed and str(token.expires_at.year) in listed


def test_an_unoffered_lifetime_is_a_marked_field(
    client: FlaskClient, session: Session, make_user: Any, login: Any
) -> None:
    """A lifetime other than 30, 90 or 365 days is refused at the field and creates nothing."""
    user = make_user()
    login(user)
    response = client.post(
        "/profile/tokens", data={"name": "sync", "scope": "read", "lifetime": "100000"}
    )
    assert response.status_code == 422
    assert 'id="lifetime-error"' in response.get_data(as_text=True) or "30, 90 or 365" in (
        response.get_data(as_text=True)
    )
    assert session.exec(select(ApiToken)).all() == []


def test_expired_token_is_401_that_says_expired(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Past its expiry the token answers 401 with the problem type token-expired."""
    secret = token_for(session, world.owner, "read")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    session.execute(sa.update(ApiToken).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    session.commit()
    problem = assert_problem(client.get("/api/v1/me", headers=bearer(secret)), 401, "token-expired")
    assert "expired" in problem["detail"]
    assert token_service.list_tokens(session, world.owner) == []


@pytest.mark.parametrize("how", ["reset-password", "deactivate"])
def test_admin_reset_and_deactivation_revoke_tokens(
    app: Flask, client: FlaskClient, session: Session, world: World, make_user: Any, how: str
) -> None:
    """A write token stops working when an admin resets the password or deactivates the account."""
    secret = token_for(session, world.owner, "write")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    admin = make_user(role="admin")
    browser = app.test_client()
    browser.post("/auth/login", data={"email": admin.email, "password": DEFAULT_PASSWORD})
    assert browser.post(f"/admin/users/{world.owner.id}/{how}").status_code in {200, 302}
    assert_problem(client.get("/api/v1/me", headers=bearer(secret)), 401, "unauthorized")
    assert _token(session, world.owner.id).revoked_at is not None


def test_sign_out_everywhere_can_revoke_tokens(
    app: Flask, session: Session, make_user: Any
) -> None:
    """ "Sign out everywhere" offers to revoke the tokens too, and does only when asked."""
    user = make_user()
    kept = token_service.create_token(session, user, "kept", "read")
    session.commit()

    def sign_out_everywhere(data: dict[str, str]) -> None:
        browser = app.test_client()
        browser.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        page = browser.get("/profile").get_data(as_text=True)
        assert re.search(r'name="revoke_tokens"', page)
        assert browser.post("/profile/sign-out-everywhere", data=data).status_code == 302

    sign_out_everywhere({})
    assert token_service.list_tokens(session, user) == [kept.token]
    sign_out_everywhere({"revoke_tokens": "1"})
    session.rollback()
    session.expire_all()
    assert token_service.list_tokens(session, user) == []
    assert session.exec(select(ApiToken).where(col(ApiToken.revoked_at).is_(None))).all() == []


def test_owner_null_without_reason_is_invalid_as_documented(
    client: FlaskClient, session: Session, world: World
) -> None:
    """{"owner": null} with no reason is refused as the document says, naming reason."""
    secret = token_for(session, world.coordinator)
    version = version_of(client, secret, world.mine)
    problem = assert_problem(
        patch(client, secret, world.mine, {"version": version, "owner": None}),
        422,
        "invalid-request",
    )
    assert [error["field"] for error in problem["errors"]] == ["reason"]
    done = patch(
        client, secret, world.mine, {"version": version, "owner": None, "reason": "reorganised"}
    )
    assert done.status_code == 200 and done.get_json()["owner"]["user_id"] is None


def test_owner_is_mailed_14_days_and_1_day_before_expiry_once_each(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """Ticks mail the token's owner once at 14 days and once at 1 day before it expires;
    repeated ticks, revoked tokens and other tokens mail nothing more."""
    from tracker.db import get_engine
    from tracker.mail import MailSettings
    from tracker.reminders.tick import run_tick

    owner, other = make_user(), make_user()
    start = dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC)
    sync = token_service.create_token(session, owner, "nightly sync", "read", 30, now=start)
    gone = token_service.create_token(session, other, "old script", "read", 30, now=start)
    session.commit()
    token_service.revoke_token(session, other, gone.token.id)  # type: ignore[arg-type]
    session.commit()
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    expires = sync.token.expires_at
    for at in (
        expires - dt.timedelta(days=20),
        expires - dt.timedelta(days=14),
        expires - dt.timedelta(days=13),
        expires - dt.timedelta(days=1),
        expires - dt.timedelta(hours=2),
    ):
        run_tick(engine, at, settings, heartbeat=False)
    subjects = [(str(m["To"]), str(m["Subject"])) for m in smtp_server.messages]
    assert subjects == [
        (owner.email, "Your API token nightly sync expires in 14 days"),
        (owner.email, "Your API token nightly sync expires tomorrow"),
    ]
    body = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "/profile/tokens" in body and sync.token.prefix in body


def test_migrated_tokens_expire_90_days_after_the_upgrade(app: Flask) -> None:
    """A token that existed before the upgrade gets an expiry 90 days after it."""
    from alembic import command

    from tracker import migrate
    from tracker.db import get_engine

    engine = get_engine(app)
    with engine.begin() as connection:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0011")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                'INSERT INTO "user" (email, name, role, active, must_change_password, '
                "session_version, is_demo, created_at) VALUES ('t@example.org', 'T', 'owner', "
                "true, false, 1, false, :now)"
            ),
            {"now": utcnow().replace(tzinfo=None)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO api_token (user_id, name, prefix, token_hash, scope, created_at) "
                "SELECT id, 'old', 'trk_old', 'hash', 'read', :now FROM \"user\""
            ),
            {"now": utcnow().replace(tzinfo=None)},
        )
    migrate.upgrade(engine)
    with Session(engine) as session:
        token = session.exec(select(ApiToken)).one()
    assert abs(token.expires_at - (utcnow() + dt.timedelta(days=90))) < dt.timedelta(minutes=5)
