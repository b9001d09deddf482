"""Backups that are proven: taken under a steady writer, restored, migrated and compared."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, select

from tests.conftest import PG_URL
from tests.reminder_scenario import load_cambodia
from tracker import migrate
from tracker.db import create_db_engine, get_engine, new_session
from tracker.mail import MailSettings
from tracker.models import Action, MessageStatus, OutboxMessage, User
from tracker.reminders.tick import run_tick
from tracker.services import workflow

UTC = dt.UTC
SEASON = [dt.date(2025, 9, 1) + dt.timedelta(days=n) for n in range(0, 45, 3)]


@pytest.fixture
def scratch_database(db_url: str) -> Iterator[str]:
    """An empty database to restore into: a new SQLite path, or a new PostgreSQL database."""
    if db_url.startswith("sqlite"):
        path = Path(sa.engine.make_url(db_url).database or "").with_name("restored.sqlite")
        yield f"sqlite:///{path}"
        return
    assert PG_URL
    name = f"tracker_restore_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class Writer(threading.Thread):
    """Keeps commenting on actions through the workflow, noting each acknowledged version."""

    def __init__(self, app: Flask, actor_id: int, action_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.app, self.actor_id, self.action_ids = app, actor_id, action_ids
        self.acknowledged: list[tuple[int, int, float]] = []  # action, version, when
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        number = 0
        try:
            with self.app.app_context():
                while not self.stop.is_set():
                    action_id = self.action_ids[number % len(self.action_ids)]
                    with new_session(get_engine(self.app), write=True) as session:
                        actor = session.get(User, self.actor_id)
                        action = session.get(Action, action_id)
                        assert actor is not None and action is not None
                        change = workflow.ActionChange(comment=f"progress note {number}")
                        saved = workflow.update_action(
                            session, action_id, actor, action.version, change
                        )
                        version = saved.version
                        session.commit()
                    self.acknowledged.append((action_id, version, time.monotonic()))
                    number += 1
        except BaseException as exc:  # surfaced by the test
            self.error = exc


def _restore(backup: Path, scratch_url: str, runner: FlaskCliRunner) -> list[str]:
    """Restore the copy into the scratch database as an operator would; the report lines."""
    if scratch_url.startswith("sqlite"):
        shutil.copy(backup, sa.engine.make_url(scratch_url).database or "")
        checked = runner.invoke(args=["check-backup", str(backup)])
    else:
        checked = runner.invoke(args=["check-backup", str(backup), "--scratch-url", scratch_url])
    assert checked.exit_code == 0, checked.output
    return checked.output.splitlines()


def test_backup_under_a_writer_restores_every_acknowledged_update_and_no_mail_twice(
    app: Flask,
    another_app: Any,
    session: Session,
    runner: FlaskCliRunner,
    smtp_server: Any,
    scratch_database: str,
    tmp_path: Path,
) -> None:
    """The demo and a reminder season, backed up while a writer keeps updating actions,
    restored into a fresh database and migrated: every update acknowledged before the
    backup began is there, and no mail marked sent in the backup is sent again."""
    story = load_cambodia(session)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    for day in SEASON:
        run_tick(get_engine(app), dt.datetime.combine(day, dt.time(2), UTC), settings)
    sent_before = {str(m["Message-ID"]) for m in smtp_server.messages}
    assert sent_before, "the season sent reminders"

    coordinator = story.users["coordinator@cmaa.example"]
    writer = Writer(
        app, int(coordinator.id or 0), sorted(int(a.id or 0) for a in story.actions.values())
    )
    writer.start()
    while len(writer.acknowledged) < 5 and writer.error is None:
        time.sleep(0.05)
    backup = tmp_path / "tracker.backup"
    began = time.monotonic()
    result = runner.invoke(args=["backup", str(backup)])
    ended = time.monotonic()
    while not [a for a in writer.acknowledged if a[2] > ended] and writer.error is None:
        time.sleep(0.05)
    writer.stop.set()
    writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert [a for a in writer.acknowledged if a[2] > ended], "the writer kept writing"

    lines = _restore(backup, scratch_database, runner)
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert lines[0].endswith(f"backup at revision {head}")
    assert "action: 5" in lines

    restored = create_db_engine(scratch_database)
    migrate.upgrade(restored)
    with Session(restored) as copy:
        versions = {a.id: a.version for a in copy.exec(select(Action))}
        sent_in_copy = {
            m.message_id
            for m in copy.exec(
                select(OutboxMessage).where(OutboxMessage.status == MessageStatus.sent)
            )
        }
    restored.dispose()
    before_backup = [(a, v) for a, v, at in writer.acknowledged if at < began]
    assert before_backup
    missing = [(a, v) for a, v in before_backup if versions[a] < v]
    assert missing == []
    assert {m.strip("<>") for m in sent_in_copy} == {m.strip("<>") for m in sent_before}

    # The restored copy runs its next tick: nothing sent before the backup goes out again.
    restored_app = another_app(DATABASE_URL=scratch_database, **smtp_server.config())
    with restored_app.app_context():
        already = len(smtp_server.messages)
        last = dt.datetime.combine(SEASON[-1], dt.time(2), UTC)
        for hours in (1, 24):
            run_tick(get_engine(restored_app), last + dt.timedelta(hours=hours), settings)
    again = {str(m["Message-ID"]) for m in smtp_server.messages[already:]}
    assert again & sent_before == set()
    checked = create_db_engine(scratch_database)
    try:
        with Session(checked) as copy:
            sent_after = copy.exec(
                select(OutboxMessage).where(OutboxMessage.status == MessageStatus.sent)
            ).all()
    finally:
        # An engine left to the garbage collector closes its PostgreSQL connection in
        # psycopg's __del__, whose ResourceWarning fails whichever test runs then.
        checked.dispose()
    assert all(m.attempts <= 1 for m in sent_after if m.message_id in sent_in_copy)


def test_check_backup_refuses_what_is_not_a_backup(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """check-backup on a missing file or a file of another kind exits 2 with one line."""
    missing = runner.invoke(args=["check-backup", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "is not a file" in missing.output
    other = tmp_path / "notes.txt"
    other.write_text("not a database")
    refused = runner.invoke(args=["check-backup", str(other)])
    assert refused.exit_code == 2 and "neither a SQLite database nor" in refused.output


def test_backup_refuses_to_overwrite(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """backup never writes over an existing file (an older backup stays as it was)."""
    existing = tmp_path / "old.backup"
    existing.write_bytes(b"an older backup")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 2 and "exists already" in result.output
    assert existing.read_bytes() == b"an older backup"


def test_an_evidence_file_survives_backup_and_restore(
    session: Session,
    runner: FlaskCliRunner,
    scratch_database: str,
    tmp_path: Path,
    make_user: Any,
    make_programme: Any,
    make_action: Any,
) -> None:
    """Evidence files live in the database (issue 18): a backup carries them, check-backup
    counts them, and the restored copy holds the same bytes, name, type and checksum."""
    import hashlib

    from tracker.models import EvidenceFile, Status
    from tracker.services.uploads import Upload

    coordinator = make_user(role="coordinator")
    action = make_action(make_programme(), status=Status.in_progress)
    pdf = b"%PDF-1.4\n% a signed handover certificate\n%%EOF\n"
    change = workflow.ActionChange(comment="Signed", files=(Upload("handover.pdf", pdf),))
    workflow.update_action(session, int(action.id), coordinator, action.version, change)
    session.commit()

    backup = tmp_path / "tracker.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert "evidence_file: 1" in _restore(backup, scratch_database, runner)
    restored = create_db_engine(scratch_database)
    try:
        with Session(restored) as copy:
            kept = copy.exec(select(EvidenceFile)).one()
            assert (kept.name, kept.content_type, bytes(kept.content)) == (
                "handover.pdf", "application/pdf", pdf,
            )  # fmt: skip
            assert kept.sha256 == hashlib.sha256(pdf).hexdigest() and kept.action_id == action.id
    finally:
        restored.dispose()
