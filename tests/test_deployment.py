"""The production shape on PostgreSQL: two gunicorn workers and concurrent reminder ticks.

Updates go through both workers while ``send-reminders`` ticks run in parallel
processes; every update is either applied once or refused as a conflict, and every
planned mail arrives once.
"""

from __future__ import annotations

import datetime as dt
import email
import http.cookiejar
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from tracker.db import create_db_engine, session_scope
from tracker.seed import synthetic
from tracker.services import users as user_service

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "deployment-test-password"
TODAY = dt.datetime.now(dt.UTC).date()
UPDATERS = 4
UPDATES_EACH = 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _empty(url: str) -> sa.Engine:
    engine = create_db_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return engine


class Browser:
    """A signed-in person with their own cookies, speaking HTTP to the gunicorn server."""

    def __init__(self, base: str, email_address: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )
        page = self.get("/auth/login")
        self.post("/auth/login", {"email": email_address, "password": PASSWORD}, page)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as answer:
            return str(answer.read().decode())

    def post(self, path: str, data: dict[str, str], page: str) -> int:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the page"
        body = urllib.parse.urlencode(data | {"csrf_token": token.group(1)}).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _start_gunicorn(env: dict[str, str], port: int, log: Any) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--workers", "2",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise AssertionError("gunicorn did not start; see its log")


@pytest.mark.slow
def test_two_workers_and_parallel_ticks_lose_and_duplicate_nothing(
    pg_database: str, smtp_server: Any, tmp_path: Path
) -> None:
    """Updates via two workers: applied once or 409; ticks in parallel: each mail sent once."""
    engine = _empty(pg_database)
    with session_scope(engine=engine) as session:
        # The generator makes the first coordinator a coordinator of every programme.
        synthetic.seed_synthetic(session, synthetic.SyntheticPlan(2, 40, 3, seed=5, today=TODAY))
    with engine.begin() as conn:
        coordinator = conn.execute(
            sa.text("SELECT id, email FROM \"user\" WHERE role = 'coordinator' ORDER BY id")
        ).first()
        assert coordinator is not None
        conn.execute(
            sa.text('UPDATE "user" SET password_hash = :h WHERE id = :i'),
            {"h": user_service.hash_password(PASSWORD), "i": coordinator.id},
        )
        targets = dict(
            conn.execute(
                sa.text(
                    "SELECT id, version FROM action WHERE status IN ('in_progress', 'blocked') "
                    "ORDER BY id LIMIT 5"
                )
            ).all()
        )
    assert len(targets) == 5

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
    env |= {
        "TRACKER_DATABASE_URL": pg_database,
        "TRACKER_SECRET_KEY": "deployment-test-secret",
        "TRACKER_BASE_URL": "http://tracker.test",
        "TRACKER_OUTBOX_DIR": str(tmp_path / "outbox"),
    } | {f"TRACKER_{k}": str(v) for k, v in smtp_server.config().items()}
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    log_file = log.open("wb")
    server = _start_gunicorn(env, port, log_file)
    outcomes: list[tuple[str, int, int]] = []  # (marker, action id, HTTP status)
    errors: list[BaseException] = []

    def update_actions(number: int) -> None:
        try:
            browser = Browser(f"http://127.0.0.1:{port}", coordinator.email)
            rng = random.Random(number)
            for step in range(UPDATES_EACH):
                action_id = rng.choice(sorted(targets))
                page = browser.get(f"/actions/{action_id}")
                version = re.search(r'name="version" value="(\d+)"', page)
                assert version
                marker = f"deploy-test {number}-{step}"
                status = browser.post(
                    f"/actions/{action_id}/update",
                    {"version": version.group(1), "status": rng.choice(["in_progress", "blocked"]),
                     "comment": marker, "owner": "keep", "due_mode": "keep"},
                    page,
                )  # fmt: skip
                outcomes.append((marker, action_id, status))
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)

    def tick(at: dt.datetime) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(BIN / "flask"), "--app", "tracker", "send-reminders", "--json",
             "--now", at.isoformat()],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    try:
        threads = [threading.Thread(target=update_actions, args=(n,)) for n in range(UPDATERS)]
        for thread in threads:
            thread.start()
        now = dt.datetime.combine(TODAY, dt.time(12, 17), tzinfo=dt.UTC)
        tick_results = []
        for at in (now, now + dt.timedelta(minutes=1), now + dt.timedelta(days=8)):
            ticks = [tick(at), tick(at)]  # two schedulers by mistake, at the same moment
            for process in ticks:
                out, err = process.communicate(timeout=120)
                assert process.returncode == 0, err
                tick_results.append(json.loads(out.strip().splitlines()[-1]))
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log_file.close()
    assert not errors, errors

    # Every update was answered: applied (303) or refused as stale (409), nothing else.
    assert len(outcomes) == UPDATERS * UPDATES_EACH
    assert {status for _, _, status in outcomes} <= {303, 409}
    applied = [(marker, action) for marker, action, status in outcomes if status == 303]
    assert applied
    with engine.connect() as conn:
        recorded = conn.execute(
            sa.text(
                "SELECT comment, action_id FROM action_event WHERE comment LIKE 'deploy-test %'"
            )
        ).all()
        versions = dict(
            conn.execute(
                sa.text("SELECT id, version FROM action WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": list(targets)},
            ).all()
        )
        sent = conn.execute(sa.text("SELECT message_id, status FROM outbox_message")).all()
    # Each applied update is in the history exactly once; no refused one is.
    assert sorted(recorded) == sorted(applied)
    for action_id, before in targets.items():
        assert versions[action_id] == before + sum(1 for _, a in applied if a == action_id)

    # Both workers served updates.
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    update_pids = {
        x["pid"] for x in lines if x.get("method") == "POST" and "/update" in x.get("path", "")
    }
    assert len(update_pids) == 2

    # Each planned mail was planned once and arrived once, whichever tick sent it.
    assert sum(r["planned"] for r in tick_results) == len(sent) > 0
    assert {status for _, status in sent} == {"sent"}
    received = [email.message_from_bytes(m.as_bytes())["Message-ID"] for m in smtp_server.messages]
    assert sorted(received) == sorted(message_id for message_id, _ in sent)
    engine.dispose()
