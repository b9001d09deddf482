"""The reminder commands as a person runs them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session

from tests.reminder_scenario import load_cambodia
from tracker.reminders.scheduler import JOB_ID, build_scheduler


def test_naive_now_exits_2_with_one_line(runner: FlaskCliRunner) -> None:
    """A --now without offset is refused with status 2 and one line."""
    result = runner.invoke(args=["send-reminders", "--now", "2025-10-02T09:00"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "no UTC offset" in result.output


def test_dry_run_writes_nothing(
    runner: FlaskCliRunner, session: Session, dump_database: Any, app: Flask
) -> None:
    """--dry-run lists who would get which mail and leaves every table as it was."""
    load_cambodia(session)
    before = dump_database()
    result = runner.invoke(
        args=["send-reminders", "--now", "2025-12-01T09:00:00+07:00", "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["planned"] == 4 and payload["sent"] == 0
    assert sorted(payload["would_send"]) == [
        "coordinator@cmaa.example", "im@cmaa.example", "liaison@mfaic.example", "qa@cmaa.example",
    ]  # fmt: skip
    assert dump_database() == before


def test_json_counts_and_eml_files_without_smtp(
    runner: FlaskCliRunner, session: Session, app: Flask
) -> None:
    """Without MAIL_HOST each mail becomes an .eml file; --json prints the five counts."""
    load_cambodia(session)
    result = runner.invoke(args=["send-reminders", "--now", "2025-12-01T02:00Z", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload) == {"planned", "sent", "failed", "cancelled", "skipped"}
    assert (payload["planned"], payload["sent"], payload["failed"]) == (4, 4, 0)
    assert payload["skipped"] > 0
    from pathlib import Path

    files = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 4
    again = json.loads(
        runner.invoke(args=["send-reminders", "--now", "2025-12-01T02:05Z", "--json"]).output
    )
    assert again == {"planned": 0, "sent": 0, "failed": 0, "cancelled": 0, "skipped": 0}


def test_scheduler_has_one_fixed_coalescing_job(app: Flask) -> None:
    """The scheduler runs one job with a fixed id, coalesced, one instance, every interval."""
    app.config["SCHEDULER_INTERVAL_MINUTES"] = 7
    scheduler = build_scheduler(app)
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == [JOB_ID]
    job = jobs[0]
    assert job.coalesce is True and job.max_instances == 1
    assert job.trigger.interval == dt.timedelta(minutes=7)


def test_tick_writes_heartbeat(runner: FlaskCliRunner, session: Session) -> None:
    """After a tick the heartbeat says it ran just now; before, it says never and is stale."""
    from tracker.reminders import scheduler_heartbeat

    assert scheduler_heartbeat(session).never_ran
    runner.invoke(args=["send-reminders"])
    session.rollback()
    status = scheduler_heartbeat(session)
    assert status.age_minutes == 0 and not status.stale
    later = status.last_tick_at + dt.timedelta(minutes=16)  # type: ignore[operator]
    assert scheduler_heartbeat(session, now=later, interval_minutes=5).stale
