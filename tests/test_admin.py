"""Admin pages for users and organisations, the create-user command, and who may reach them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, select

from tests.conftest import DEFAULT_PASSWORD
from tracker.models import Organisation, Role, User

ADMIN_GET_ROUTES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{user_id}",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/{organisation_id}",
]
ADMIN_POST_ROUTES = [
    ("/admin/users/new", {"email": "x@example.org", "name": "X", "role": "admin"}),
    ("/admin/users/{user_id}", {"email": "x@example.org", "name": "X", "role": "admin"}),
    ("/admin/users/{user_id}/deactivate", {}),
    ("/admin/users/{user_id}/reset-password", {}),
    ("/admin/organisations/new", {"name": "Rogue", "short_name": "ROGUE"}),
    ("/admin/organisations/{organisation_id}", {"name": "Rogue", "short_name": "ROGUE"}),
]


@pytest.fixture
def organisation(make_organisation: Any) -> Organisation:
    return make_organisation(name="Cambodian Mine Action Centre", short_name="CMAC")


def _ids(make_user: Any, organisation: Organisation) -> dict[str, int]:
    target = make_user(role="owner", organisation=organisation)
    return {"user_id": target.id, "organisation_id": organisation.id}


@pytest.mark.parametrize("role", ["viewer", "owner", "coordinator"])
def test_non_admins_cannot_reach_admin_pages(
    client: FlaskClient,
    make_user: Any,
    login: Any,
    dump_database: Any,
    organisation: Organisation,
    role: str,
) -> None:
    """Viewer, owner and coordinator get 403 saying admin is needed; POSTs change nothing."""
    ids = _ids(make_user, organisation)
    login(make_user(role=role))
    before = dump_database()
    for route in ADMIN_GET_ROUTES:
        response = client.get(route.format(**ids))
        assert response.status_code == 403, route
        html = response.get_data(as_text=True)
        assert "needs the role admin" in html and f"signed in as {role}" in html, route
    for route, data in ADMIN_POST_ROUTES:
        assert client.post(route.format(**ids), data=data).status_code == 403, route
    assert dump_database() == before


def test_admin_navigation_only_for_admins(
    app: Flask, make_user: Any, organisation: Organisation
) -> None:
    """The Admin link shows in the bar for admins and not for others."""
    for role, shown in (("admin", True), ("coordinator", False)):
        client = app.test_client()
        user = make_user(role=role)
        client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        html = client.get("/profile").get_data(as_text=True)
        assert ('href="/admin/users"' in html) is shown, role
        assert "Sign out" in html and 'action="/auth/logout"' in html


@pytest.mark.parametrize(
    ("role", "get_status"),
    [("admin", 200), ("coordinator", 403), ("owner", 403), ("viewer", 403), (None, 302)],
)
def test_authorisation_matrix_for_admin_routes(
    app: Flask, make_user: Any, organisation: Organisation, role: str | None, get_status: int
) -> None:
    """Role x admin route: only admins get the pages; visitors are sent to sign in."""
    ids = _ids(make_user, organisation)
    client = app.test_client()
    if role:
        user = make_user(role=role)
        client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    for route in ADMIN_GET_ROUTES:
        assert client.get(route.format(**ids)).status_code == get_status, route


def test_admin_creates_user_with_temporary_password(
    client: FlaskClient,
    app: Flask,
    make_user: Any,
    login: Any,
    session: Session,
    organisation: Organisation,
) -> None:
    """Creating a user shows a temporary password once; first sign-in must change it."""
    login(make_user(role="admin"))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Sok.Dara@Example.org",
            "name": "Sok Dara",
            "role": "owner",
            "organisation_id": str(organisation.id),
        },
    )
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    password = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert password is not None
    session.rollback()
    session.expire_all()
    user = session.exec(select(User).where(User.email == "sok.dara@example.org")).one()
    assert user.must_change_password and user.organisation_id == organisation.id
    assert user.role == Role.owner
    assert "Sok Dara" in client.get("/admin/users").get_data(as_text=True)

    newcomer = app.test_client()
    signed_in = newcomer.post(
        "/auth/login", data={"email": "sok.dara@example.org", "password": password.group(1)}
    )
    assert signed_in.headers["Location"] == "/profile/password"


@pytest.mark.parametrize(
    ("data", "field", "status"),
    [
        ({"email": "taken@example.org", "name": "T", "role": "owner"}, "email", 409),
        ({"email": "TAKEN@example.org", "name": "T", "role": "owner"}, "email", 409),
        ({"email": "not-an-address", "name": "T", "role": "owner"}, "email", 422),
        ({"email": "new@example.org", "name": "T", "role": "emperor"}, "role", 422),
        ({"email": "new@example.org", "name": "T" * 300, "role": "owner"}, "name", 422),
        (
            {"email": "new@example.org", "name": "T", "role": "owner", "organisation_id": "999"},
            "organisation_id",
            422,
        ),
        (
            {"email": "new@example.org", "name": "T", "role": "owner", "organisation_id": "x"},
            "organisation_id",
            422,
        ),
    ],
)
def test_create_user_form_keeps_input_and_marks_the_field(
    client: FlaskClient,
    make_user: Any,
    login: Any,
    dump_database: Any,
    data: dict[str, str],
    field: str,
    status: int,
) -> None:
    """Bad input re-renders the form with what was typed, the field marked, nothing stored."""
    make_user(role="viewer", email="taken@example.org")
    login(make_user(role="admin"))
    before = dump_database()
    response = client.post("/admin/users/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert f'aria-describedby="{field}-error"' in html
    assert f'value="{data["email"]}"' in html
    assert dump_database() == before


def test_admin_edits_and_deactivates_user(
    app: Flask,
    client: FlaskClient,
    make_user: Any,
    login: Any,
    session: Session,
    organisation: Organisation,
) -> None:
    """Editing changes role and organisation; deactivating ends the user's sessions."""
    target = make_user(role="viewer")
    their_browser = app.test_client()
    their_browser.post("/auth/login", data={"email": target.email, "password": DEFAULT_PASSWORD})
    login(make_user(role="admin"))

    response = client.post(
        f"/admin/users/{target.id}",
        data={
            "email": target.email,
            "name": "Renamed",
            "role": "coordinator",
            "organisation_id": str(organisation.id),
            "active": "1",
        },
    )
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    changed = session.exec(select(User).where(User.id == target.id)).one()
    assert (changed.name, changed.role, changed.organisation_id) == (
        "Renamed",
        Role.coordinator,
        organisation.id,
    )
    assert their_browser.get("/profile").status_code == 200
    version_before = changed.session_version

    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    session.rollback()
    session.expire_all()
    gone = session.exec(select(User).where(User.id == target.id)).one()
    assert not gone.active and gone.session_version == version_before + 1
    assert their_browser.get("/profile").status_code == 302
    refused = app.test_client().post(
        "/auth/login", data={"email": target.email, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 401


def test_admin_cannot_lock_themselves_out(
    client: FlaskClient, make_user: Any, login: Any, dump_database: Any
) -> None:
    """An admin may not deactivate themselves or drop their own admin role."""
    admin = make_user(role="admin")
    login(admin)
    before = dump_database()
    response = client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 409
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    demote = client.post(
        f"/admin/users/{admin.id}",
        data={"email": admin.email, "name": admin.name, "role": "viewer", "active": "1"},
    )
    assert demote.status_code == 422
    assert "own admin role" in demote.get_data(as_text=True)
    assert dump_database() == before


def test_admin_resets_a_password(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    """A reset shows a new temporary password; the old one stops working."""
    target = make_user(role="owner")
    login(make_user(role="admin"))
    html = client.post(f"/admin/users/{target.id}/reset-password").get_data(as_text=True)
    password = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert password is not None
    other = app.test_client()
    old = other.post("/auth/login", data={"email": target.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    new = other.post("/auth/login", data={"email": target.email, "password": password.group(1)})
    assert new.headers["Location"] == "/profile/password"


def test_admin_manages_organisations(
    client: FlaskClient, make_user: Any, login: Any, session: Session, dump_database: Any
) -> None:
    """Organisations are created and renamed; a clash keeps the typed values and marks the field."""
    login(make_user(role="admin"))
    created = client.post(
        "/admin/organisations/new", data={"name": "HALO Trust", "short_name": "HALO"}
    )
    assert created.status_code == 302
    session.rollback()
    session.expire_all()
    halo = session.exec(select(Organisation).where(Organisation.short_name == "HALO")).one()
    assert "HALO Trust" in client.get("/admin/organisations").get_data(as_text=True)

    before = dump_database()
    clash = client.post("/admin/organisations/new", data={"name": "Another", "short_name": "halo"})
    assert clash.status_code == 422
    html = clash.get_data(as_text=True)
    assert 'aria-describedby="short_name-error"' in html and 'value="Another"' in html
    empty = client.post(f"/admin/organisations/{halo.id}", data={"name": "", "short_name": "H"})
    assert empty.status_code == 422
    assert dump_database() == before

    renamed = client.post(
        f"/admin/organisations/{halo.id}", data={"name": "The HALO Trust", "short_name": "HALO"}
    )
    assert renamed.status_code == 302
    session.rollback()
    session.expire_all()
    assert session.exec(select(Organisation.name).where(Organisation.id == halo.id)).one() == (
        "The HALO Trust"
    )


def test_unknown_user_and_organisation_are_404(
    client: FlaskClient, make_user: Any, login: Any
) -> None:
    """Editing something that does not exist answers the 404 page."""
    login(make_user(role="admin"))
    assert client.get("/admin/users/999").status_code == 404
    assert client.get("/admin/organisations/999").status_code == 404


# --- create-user command ---


def test_create_user_command_reads_password_from_stdin(
    runner: FlaskCliRunner, session: Session, organisation: Organisation, client: FlaskClient
) -> None:
    """--password-stdin takes the password from standard input; the user can sign in."""
    result = runner.invoke(
        args=[
            "create-user",
            "Ana@Example.org",
            "--name",
            "Ana",
            "--role",
            "coordinator",
            "--organisation",
            "cmac",
            "--password-stdin",
        ],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "created coordinator ana@example.org" in result.output
    assert "passphrase" not in result.output
    session.rollback()
    session.expire_all()
    user = session.exec(select(User).where(User.email == "ana@example.org")).one()
    assert user.organisation_id == organisation.id and not user.must_change_password
    signed_in = client.post(
        "/auth/login", data={"email": "ana@example.org", "password": "a long enough passphrase"}
    )
    assert signed_in.status_code == 302


def test_create_user_command_generates_and_prints_a_password(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    """Without --password-stdin a password is generated and printed once."""
    result = runner.invoke(
        args=["create-user", "bo@example.org", "--name", "Bo", "--role", "viewer"]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("shown only this once): ")[1].strip()
    assert len(password) >= 12
    signed_in = client.post("/auth/login", data={"email": "bo@example.org", "password": password})
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["taken@example.org", "--role", "owner"], None, "already exists"),
        (["TAKEN@EXAMPLE.ORG", "--role", "owner"], None, "already exists"),
        (["new@example.org", "--role", "owner", "--organisation", "NOPE"], None, "organisation"),
        (["new@example.org", "--role", "emperor"], None, "not a role"),
        (["new@example.org", "--role", "owner", "--password-stdin"], "short\n", "at least 12"),
        (["new@example.org", "--role", "owner", "--password-stdin"], "password1234\n", "common"),
        (["not-an-email", "--role", "owner"], None, "not an e-mail address"),
    ],
)
def test_create_user_command_refusals(
    runner: FlaskCliRunner,
    make_user: Any,
    dump_database: Any,
    args: list[str],
    stdin: str | None,
    message: str,
) -> None:
    """Each refusal exits 2 with one line on stderr and leaves the database unchanged."""
    make_user(role="viewer", email="taken@example.org")
    before = dump_database()
    result = runner.invoke(args=["create-user", *args, "--name", "N"], input=stdin)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert result.stdout == ""
    assert dump_database() == before


def test_with_mail_configured_an_admin_invites_by_mail(
    client: FlaskClient, app: Flask, make_user: Any, login: Any, session: Session, smtp_server: Any
) -> None:
    """With SMTP set, a new account gets an invitation link by mail, not a temporary password."""
    import datetime as dt

    from tracker.db import get_engine
    from tracker.mail import MailSettings
    from tracker.reminders.tick import run_tick

    app.config.update(smtp_server.config())
    login(make_user(role="admin"))
    response = client.post(
        "/admin/users/new", data={"email": "new@example.org", "name": "New", "role": "viewer"}
    )
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert 'class="secret"' not in html and "invitation" in html
    run_tick(get_engine(app), dt.datetime.now(dt.UTC), MailSettings.from_config(app.config))
    [mail] = [m for m in smtp_server.messages if m["To"] == "new@example.org"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://tracker\.test/auth/reset/\S+", body)
    assert link is not None
    session.rollback()
    user = session.exec(select(User).where(User.email == "new@example.org")).one()
    assert user.password_hash is None and not user.must_change_password
