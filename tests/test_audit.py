"""The audit trail: every administrative change journalled, read at /admin/audit, append-only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.conftest import DEFAULT_PASSWORD
from tests.factories import make_programme
from tracker.models import ApiToken, AuditEntry, Organisation, User
from tracker.services import audit as audit_service


def _client(app: Flask, user: Any, address: str = "203.0.113.7") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def _entries(session: Session) -> list[AuditEntry]:
    session.rollback()
    session.expire_all()
    return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_session_of_admin_work_is_listed_change_by_change(
    app: Flask, session: Session, make_user: Any
) -> None:
    """Accounts, roles, organisations, deactivation, reset, tokens and deadlines: each change
    is on the audit page with who, from where, and the old and new value."""
    admin = make_user(role="admin", name="Ada Admin")
    programme = make_programme(session, deadline=dt.date(2025, 12, 31))
    session.commit()
    before = len(_entries(session))
    browser = _client(app, admin)

    assert (
        browser.post(
            "/admin/organisations/new", data={"name": "Mine Action Authority", "short_name": "MAA"}
        ).status_code
        == 302
    )
    session.rollback()
    organisation = session.exec(select(Organisation).where(Organisation.short_name == "MAA")).one()
    assert (
        browser.post(
            f"/admin/organisations/{organisation.id}",
            data={"name": "Mine Action Authority", "short_name": "CMAA"},
        ).status_code
        == 302
    )
    created = browser.post(
        "/admin/users/new", data={"email": "new@example.org", "name": "Nia New", "role": "owner"}
    )
    assert created.status_code == 201
    session.rollback()
    person = session.exec(select(User).where(User.email == "new@example.org")).one()
    form = {"email": person.email, "name": "Nia New", "role": "coordinator",
            "organisation_id": str(organisation.id), "active": "1"}  # fmt: skip
    assert browser.post(f"/admin/users/{person.id}", data=form).status_code == 302
    assert browser.post(f"/admin/users/{person.id}/reset-password").status_code == 200
    assert browser.post(f"/admin/users/{person.id}/deactivate").status_code == 302
    assert browser.post(f"/admin/users/{person.id}", data=form).status_code == 302  # reactivated
    assert (
        browser.post(
            "/profile/tokens", data={"name": "nightly sync", "scope": "read", "lifetime": "30"}
        ).status_code
        == 201
    )
    session.rollback()
    token = session.exec(select(ApiToken).where(ApiToken.user_id == admin.id)).one()
    assert browser.post(f"/profile/tokens/{token.id}/revoke").status_code == 302
    deadline = f"/programmes/{programme.id}/deadline"
    assert (
        browser.post(
            f"{deadline}/request", data={"new_on": "2030-12-31", "requested_on": "2025-03-31"}
        ).status_code
        == 303
    )
    change_id = re.search(r"/deadline/(\d+)/decision", browser.get(deadline).get_data(as_text=True))
    assert change_id is not None
    assert (
        browser.post(
            f"{deadline}/{change_id.group(1)}/decision",
            data={"outcome": "granted", "decided_on": "2025-12-05", "decided_by": "22MSP"},
        ).status_code
        == 303
    )

    entries = _entries(session)[before:]
    kinds = [entry.kind for entry in entries]
    assert kinds == [
        "organisation.created", "organisation.changed", "user.created",
        "programme.membership_changed",  # the new account's role in the existing programme
        "user.role_changed", "user.organisation_changed", "user.password_reset", "user.deactivated",
        "user.reactivated", "token.created", "token.revoked", "deadline.recorded",
        "deadline.decided",
    ]  # fmt: skip
    assert {entry.actor_id for entry in entries} == {admin.id}
    assert {entry.address for entry in entries} == {"203.0.113.7"}
    role = entries[kinds.index("user.role_changed")]
    assert (role.old, role.new) == ('{"role": "owner"}', '{"role": "coordinator"}')
    renamed = entries[kinds.index("organisation.changed")]
    assert (renamed.old, renamed.new) == ('{"short_name": "MAA"}', '{"short_name": "CMAA"}')

    page = browser.get("/admin/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    labels = (
        "Organisation added", "Organisation changed", "Account created", "Role changed",
        "Password reset by an admin", "Account deactivated", "Account reactivated",
        "API token created", "API token revoked", "Deadline record added",
        "Deadline request decided", "Ada Admin", "203.0.113.7", "coordinator",
    )  # fmt: skip
    for label in labels:
        assert label in html, label

    only_roles = browser.get("/admin/audit", query_string={"kind": "user.role_changed"})
    table = only_roles.get_data(as_text=True).split('<table class="audit', 1)[1]
    assert "Role changed" in table and "API token created" not in table

    exported = browser.get("/admin/audit.csv", query_string={"subject_type": "user"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["kind"] for row in rows] == [
        "user.reactivated", "user.deactivated", "user.password_reset",
        "user.organisation_changed", "user.role_changed", "user.created",
        "user.created",  # the admin's own account, made by the fixture (no actor)
    ]  # fmt: skip
    assert rows[0]["actor_email"] == admin.email and rows[0]["address"] == "203.0.113.7"


def test_audit_page_is_for_admins_only(app: Flask, make_user: Any) -> None:
    """Coordinators and everyone else get 403 on the audit page and its export."""
    browser = _client(app, make_user(role="coordinator"))
    assert browser.get("/admin/audit").status_code == 403
    assert browser.get("/admin/audit.csv").status_code == 403


def test_audit_filters_refuse_bad_values_at_the_field(app: Flask, make_user: Any) -> None:
    """A malformed day, an unknown kind or an impossible person is marked, not a 500."""
    browser = _client(app, make_user(role="admin"))
    page = browser.get(
        "/admin/audit", query_string={"since": "2025-02-30", "kind": "nope", "actor": "2147483648"}
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="since-error"' in html and 'id="kind-error"' in html and 'id="actor-error"' in html


def test_entries_cannot_be_changed_or_deleted(session: Session, make_user: Any) -> None:
    """The database itself refuses UPDATE and DELETE on audit entries."""
    make_user(role="admin")
    entry = _entries(session)[0]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        session.execute(sa.update(AuditEntry).values(kind="tampered"))
        session.commit()
    session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entry.id))
        session.commit()
    session.rollback()
    assert _entries(session)[0].kind == "user.created"


def test_the_app_has_no_route_that_changes_entries(app: Flask) -> None:
    """Only GET reaches the audit trail: nothing in the app edits or deletes an entry."""
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_record_audit_stores_who_where_old_and_new(session: Session, make_user: Any) -> None:
    """record_audit, the one function other features call, keeps each part of the change."""
    admin = make_user(role="admin")
    entry = audit_service.record_audit(
        session,
        audit_service.AuditActor.of(admin, "198.51.100.2"),
        "programme.published",
        subject_type="programme",
        subject_id=7,
        subject_label="Cambodia APMBC",
        old={"published": False},
        new={"published": True, "on": dt.date(2026, 1, 2)},
    )
    session.commit()
    assert (entry.actor_id, entry.address, entry.subject_id) == (admin.id, "198.51.100.2", 7)
    assert entry.new == '{"on": "2026-01-02", "published": true}'
