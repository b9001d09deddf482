"""A large tick delivered by more than one process: each mail once, the counts summed.

Issue 15: composing is Python work, so on PostgreSQL a tick with many mails starts a
second process (``python -m tracker.mail_worker``) claiming from the same outbox.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.test_reminders_delivery import WEEK_BEFORE, arrange_owners, statuses
from tracker.db import get_engine, new_session
from tracker.mail import MailSettings
from tracker.models import MessageKind, OutboxMessage
from tracker.reminders import delivery, planner, processes
from tracker.reminders.tick import run_tick

OWNERS = 30  # 31 mails: each owner's, and the coordinator's countdown


def _planned(app: Flask, session: Session, make_user: Any, smtp_server: Any) -> MailSettings:
    arrange_owners(session, make_user, count=OWNERS)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    with new_session(get_engine(app), write=True) as writer, writer.begin():
        plan = planner.plan_reminders(writer, WEEK_BEFORE, domain=settings.domain)
    assert len(plan.message_ids) == OWNERS + 1
    return settings


def _each_once(session: Session, smtp_server: Any) -> None:
    session.rollback()
    outbox = list(session.exec(select(OutboxMessage)))
    assert Counter(str(m["Message-ID"]) for m in smtp_server.messages) == Counter(
        {m.message_id: 1 for m in outbox}
    )
    assert statuses(session) == {"sent": OWNERS + 1}


def test_a_helper_process_delivers_what_is_due_with_the_ticks_settings(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """The helper alone: it builds the app from the job, not from the environment, and
    reports its counts to the tick that started it."""
    settings = _planned(app, session, make_user, smtp_server)
    engine = get_engine(app)
    result = delivery.DeliveryResult()
    helper = processes._start(processes._setup(engine, app.config))
    helper.give(processes._job(WEEK_BEFORE, settings))
    processes._collect(helper, result, settings)
    assert result.errors == []
    assert result.sent == OWNERS + 1
    _each_once(session, smtp_server)
    # Composed by the helper with the tick's base URL, as the web workers check its links.
    owners = [m for m in smtp_server.messages if str(m["To"]).startswith("owner")]
    assert len(owners) == OWNERS
    for message in owners:
        assert app.config["BASE_URL"] + "/actions/" in message.get_body(("plain",)).get_content()


def test_two_processes_send_each_mail_once_and_count_them_all(
    app: Flask, session: Session, make_user: Any, smtp_server: Any, monkeypatch: Any
) -> None:
    """A tick with two processes (on SQLite too, if asked: slower there, never wrong)."""
    monkeypatch.setattr(processes, "MIN_MESSAGES", 5)
    arrange_owners(session, make_user, count=OWNERS)
    app.config.update(smtp_server.config(), MAIL_DELIVERY_PROCESSES=2)
    settings = MailSettings.from_config(app.config)
    result = run_tick(get_engine(app), WEEK_BEFORE, settings)
    assert result.planned == OWNERS + 1
    assert result.sent == OWNERS + 1
    assert result.failed == 0
    _each_once(session, smtp_server)


@pytest.mark.parametrize("needed", [True, False])
def test_helpers_started_while_planning_deliver_or_are_dismissed(
    app: Flask, session: Session, make_user: Any, smtp_server: Any, monkeypatch: Any, needed: bool
) -> None:
    """A tick that looks at many actions starts its helper while planning; if it plans
    too few mails to share, the helper exits unused and the tick delivers alone."""
    monkeypatch.setattr(processes, "EARLY_ACTIONS", 1)
    monkeypatch.setattr(processes, "MIN_MESSAGES", 5 if needed else 1000)
    arrange_owners(session, make_user, count=OWNERS)
    app.config.update(smtp_server.config(), MAIL_DELIVERY_PROCESSES=2)
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    with processes.standby(engine, WEEK_BEFORE, settings, app.config) as crew:
        assert crew.waiting == []
        with new_session(engine, write=True) as writer, writer.begin():
            planner.plan_reminders(
                writer, WEEK_BEFORE, domain=settings.domain, on_scan=crew.warm_up
            )
        assert len(crew.waiting) == 1  # started while planning
        helper = crew.waiting[0]
        result = crew.deliver()
    assert helper.process.returncode == 0 and crew.waiting == []
    assert result.processes == (2 if needed else 1)
    assert result.sent == OWNERS + 1 and result.errors == []
    _each_once(session, smtp_server)


@pytest.mark.parametrize("broken", ["job", "settings"])
def test_a_helper_that_fails_leaves_the_tick_to_deliver_alone(
    app: Flask, session: Session, make_user: Any, smtp_server: Any, broken: str
) -> None:
    """A helper that cannot run (a job it cannot read, or settings that build no app,
    refused before any job) is one error line; the tick, told by its exit status, still
    sends everything."""
    settings = _planned(app, session, make_user, smtp_server)
    result = delivery.deliver_pending(get_engine(app), WEEK_BEFORE, settings)
    if broken == "job":
        setup, job = processes._setup(get_engine(app), app.config), b"not a job"
    else:
        setup, job = b'{"no config": true}\n', processes._job(WEEK_BEFORE, settings)
    helper = processes._start(setup)
    helper.give(job)
    processes._collect(helper, result, settings)
    assert result.sent == OWNERS + 1
    assert len(result.errors) == 1 and "exited with 1" in result.errors[0]
    _each_once(session, smtp_server)


def test_one_process_on_sqlite_for_a_throttled_relay_and_for_a_small_tick(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """Two processes only where they help: PostgreSQL with two cores, no rate to keep."""
    engine = get_engine(app)
    settings = MailSettings.from_config(app.config)
    two_cores = (os.cpu_count() or 1) > 1
    expected = 2 if engine.dialect.name == "postgresql" and two_cores else 1
    assert processes.process_count(engine, app.config, settings) == expected
    throttled = MailSettings.from_config({**app.config, "MAIL_MAX_PER_MINUTE": 30})
    assert processes.process_count(engine, {"MAIL_DELIVERY_PROCESSES": 3}, throttled) == 1
    assert processes.process_count(engine, {"MAIL_DELIVERY_PROCESSES": 3}, settings) == 3
    # 31 mails: too few to be worth a second process, whatever the setting.
    settings = _planned(app, session, make_user, smtp_server)
    app.config["MAIL_DELIVERY_PROCESSES"] = 2
    result = processes.Crew(engine, WEEK_BEFORE, settings, app.config).deliver()
    assert result.processes == 1 and result.sent == OWNERS + 1


@pytest.mark.parametrize(
    ("wanted", "due", "helpers"),
    [(2, 0, 0), (2, 399, 0), (2, 400, 1), (2, 5000, 1), (3, 500, 1), (3, 1990, 2), (1, 5000, 0)],
)
def test_each_process_gets_two_hundred_mails_or_there_is_one_fewer(
    wanted: int, due: int, helpers: int
) -> None:
    """Starting a process costs about 0.6 s: a small tick stays in one."""
    assert processes.helpers_for(wanted, due) == helpers


def test_a_run_reads_on_batch_after_batch_oldest_first_missing_none(
    app: Flask, session: Session, smtp_server: Any
) -> None:
    """130 mails due over three instants (ties broken by id): three batches and a bit,
    each mail once, in the order they became due (``outbox.candidates`` reads on)."""
    instants = [WEEK_BEFORE - dt.timedelta(minutes=m) for m in (30, 5, 5, 10)]
    for number in range(130):
        session.add(
            OutboxMessage(
                message_id=f"<m{number}@tracker.test>",
                kind=MessageKind.invitation,
                recipient_email=f"person{number}@example.org",
                subject=f"Mail {number}",
                body_text="Welcome.",
                next_attempt_at=instants[number % 4],
            )
        )
    session.commit()
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    result = delivery.deliver_pending(get_engine(app), WEEK_BEFORE, settings)
    assert result.sent == 130
    session.rollback()
    expected = [
        m.message_id
        for m in session.exec(
            select(OutboxMessage).order_by(
                col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)
            )
        )
    ]
    assert [str(m["Message-ID"]) for m in smtp_server.messages] == expected
    assert statuses(session) == {"sent": 130}
