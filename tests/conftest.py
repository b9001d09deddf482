"""Fixtures shared by the suite.

Every database test runs twice, on SQLite and on PostgreSQL. PostgreSQL comes from
``TRACKER_TEST_DATABASE_URL`` (any database on the server: each test run creates and
drops its own throwaway database there). Without it the PostgreSQL half is skipped,
except under ``CI=true``, where a missing URL fails the run.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, SQLModel

from tests import factories
from tracker import create_app, migrate
from tracker.db import create_db_engine, get_engine, new_session

PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError("CI=true but TRACKER_TEST_DATABASE_URL is not set")
    _compile_catalogues()


def _compile_catalogues() -> None:
    """Compile each .po newer than its .mo, as ``make setup`` does (a worktree may lack them).

    Written to a temporary file and renamed, so parallel workers never read half a file.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from tracker.languages import TRANSLATIONS, available_languages

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        partial = mo.with_name(f"messages.{os.getpid()}.mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalogue)
        partial.replace(mo)
    available_languages.cache_clear()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per worker; each test gets a copy (cheaper than migrating)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this worker, migrated once, dropped at the end."""
    if not PG_URL:
        pytest.skip("PostgreSQL: TRACKER_TEST_DATABASE_URL is not set")
    name = f"tracker_test_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_db_engine(url)
    tables = [f'"{t.name}"' for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "tracker.sqlite"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        _truncate_postgres(url)
        yield url


@pytest.fixture
def app_config(db_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": db_url,
        "WTF_CSRF_ENABLED": False,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "BASE_URL": "http://tracker.test",
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)

    @app.teardown_request
    def _forget_request_state(exc: BaseException | None) -> None:
        # The fixture keeps one app context open, so test requests would share ``g``
        # (database session, signed-in user, CSRF token). Forget it after each request,
        # as a real request's own app context would.
        from flask import g

        from tracker.db import _close_session

        _close_session(exc)
        for key in list(g):
            g.pop(key, None)

    with app.app_context():
        yield app
    get_engine(app).dispose()


@pytest.fixture
def another_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Another app instance on the same database (another worker), engine disposed after."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        built.append(create_app({**app_config, **overrides}))
        return built[-1]

    yield build
    for extra in built:
        get_engine(extra).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking data; tests commit what they arrange.

    It begins deferred so that it does not hold SQLite's write lock while the code
    under test writes; call ``rollback()`` before re-reading what another connection wrote.
    """
    with new_session(get_engine(app)) as session:
        yield session


@pytest.fixture
def dump_database(app: Flask) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table, to show that a refused command changed nothing."""

    def dump() -> dict[str, list[tuple[Any, ...]]]:
        with get_engine(app).connect() as conn:
            return {
                table.name: sorted(
                    (tuple(map(repr, row)) for row in conn.execute(sa.select(table))),
                )
                for table in SQLModel.metadata.sorted_tables
            }

    return dump


class UnexpectedSMTP(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _no_unexpected_smtp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens SMTP without the loopback ``smtp_server`` fixture."""
    if "smtp_server" in request.fixturenames:
        return

    def guarded(self: smtplib.SMTP, host: str = "localhost", port: int = 0, *a: Any) -> Any:
        raise UnexpectedSMTP(f"test opened SMTP to {host}:{port} without smtp_server")

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


DEFAULT_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap scrypt in tests (N=2**12): the real cost is there for attackers, not the suite."""
    monkeypatch.setattr("tracker.services.passwords.PASSWORD_HASH_METHOD", "scrypt:4096:8:1")


@pytest.fixture
def make_user(session: Session) -> Callable[..., Any]:
    """Create and commit a user: ``make_user(role="owner", organisation=org, email=...)``."""
    from tracker.models import Role
    from tracker.services import users as user_service

    counter = iter(range(1, 10_000))

    def make(role: str = "owner", password: str = DEFAULT_PASSWORD, **fields: Any) -> Any:
        number = next(counter)
        fields.setdefault("email", f"{role}{number}@example.org")
        fields.setdefault("name", f"{role.title()} {number}")
        user = user_service.create_user(session, role=Role(role), password=password, **fields)
        session.commit()
        return user

    return make


def _sign_in(client: FlaskClient, user: Any, password: str = DEFAULT_PASSWORD) -> Any:
    response = client.post("/auth/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., Any]:
    """Sign ``user`` in on the test client through the real sign-in form."""

    def sign_in(user: Any, password: str = DEFAULT_PASSWORD) -> Any:
        return _sign_in(client, user, password)

    return sign_in


@pytest.fixture
def client_for(app: Flask) -> Callable[..., FlaskClient]:
    """A new test client signed in as ``user`` through the real sign-in form."""

    def signed_in(user: Any, password: str = DEFAULT_PASSWORD) -> FlaskClient:
        client = app.test_client()
        _sign_in(client, user, password)
        return client

    return signed_in


def _committing(session: Session, build: Callable[..., Any]) -> Callable[..., Any]:
    """``build`` from tests/factories.py as a factory fixture: the same call, then commit."""

    def make(*args: Any, **overrides: Any) -> Any:
        made = build(session, *args, **overrides)
        session.commit()
        return made

    return make


@pytest.fixture
def make_organisation(session: Session) -> Callable[..., Any]:
    """Create and commit an organisation: ``make_organisation(name=..., short_name=...)``."""
    return _committing(session, factories.make_organisation)


@pytest.fixture
def make_programme(session: Session) -> Callable[..., Any]:
    """Create and commit a programme: ``make_programme(deadline=..., country=...)``."""
    return _committing(session, factories.make_programme)


@pytest.fixture
def make_action(session: Session) -> Callable[..., Any]:
    """Create and commit an action: ``make_action(programme, text=..., status=...)``."""
    return _committing(session, factories.make_action)


# --- Reminders issue 4: a real SMTP server on loopback ---


class CollectingSMTPServer:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it accepts.

    ``stop()`` and ``start()`` take it down and bring it back on the same port, to
    test that the outbox loses nothing while the mail server is away.
    """

    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.host = "127.0.0.1"
        self.messages: list[Any] = []
        # The client address of each connection a message came over (one per session).
        self.peers: set[Any] = set()
        self.controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        from email import policy

        self.peers.add(session.peer)

        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(self) -> dict[str, Any]:
        """The settings that point tracker at this server."""
        return {"MAIL_HOST": self.host, "MAIL_PORT": self.port, "MAIL_SECURITY": "none"}


@pytest.fixture
def smtp_server() -> Iterator[CollectingSMTPServer]:
    """A real SMTP server on a free loopback port, collecting messages (aiosmtpd)."""
    server = CollectingSMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- browser tests (issue 5): a live server on the test app, and headless Chromium ---

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served on a free loopback port in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def sign_in_page(page: Any, base: str, email: str) -> None:
    """Sign ``email`` in through the real form in Chromium, landing on the home page."""
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright; skipped without it, except under CI=true."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"CI=true but Chromium is missing at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("CI=true but the playwright package is not installed")
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of its own (not the suite's migrated template), for upgrade tests."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: TRACKER_TEST_DATABASE_URL is not set")
    name = f"tracker_upgrade_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
