"""The outbox: planned once, delivered at least once, never twice, never lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, select

from tests.factories import make_action, make_programme
from tests.reminder_scenario import load_cambodia, set_status
from tracker.db import get_engine, new_session
from tracker.mail import MailSettings
from tracker.models import (
    LineState,
    MessageStatus,
    OutboxMessage,
    ReminderLine,
    Status,
)
from tracker.reminders import delivery, planner
from tracker.reminders.tick import run_tick

UTC = dt.UTC
# 7 days before 31 Dec 2025, 09:00 in Phnom Penh.
WEEK_BEFORE = dt.datetime(2025, 12, 24, 2, tzinfo=UTC)


def arrange_owners(session: Session, make_user: Any, count: int = 3) -> list[Any]:
    """``count`` owners, each with one action due 31 Dec 2025, and one coordinator."""
    programme = make_programme(session)
    make_user(role="coordinator", email="coordinator@example.org")
    actions = []
    for number in range(count):
        owner = make_user(role="owner", email=f"owner{number}@example.org")
        action = make_action(session, programme, owner_user_id=owner.id, text=f"Action {number}.")
        actions.append(action)
    session.commit()
    return actions


def statuses(session: Session) -> Counter[str]:
    session.rollback()
    return Counter(MessageStatus(s).value for s in session.exec(select(OutboxMessage.status)))


def test_smtp_down_for_three_ticks_loses_nothing_and_sends_once(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """Three ticks fail while SMTP is down; once it is back every mail arrives exactly once."""
    arrange_owners(session, make_user)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    smtp_server.stop()
    for minutes in (0, 5, 10):
        result = run_tick(engine, WEEK_BEFORE + dt.timedelta(minutes=minutes), settings)
        assert result.sent == 0
    assert statuses(session) == {"failed": 4}
    smtp_server.start()
    for minutes in range(15, 65, 5):
        run_tick(engine, WEEK_BEFORE + dt.timedelta(minutes=minutes), settings)
    ids = Counter(str(m["Message-ID"]) for m in smtp_server.messages)
    assert len(ids) == 4 and set(ids.values()) == {1}
    assert statuses(session) == {"sent": 4}
    outbox = {m.message_id for m in session.exec(select(OutboxMessage))}
    assert outbox == set(ids)


def test_failed_message_dies_after_five_retries_and_admin_retry_sends_it(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """Back-off 1 min, 5 min, 30 min, 2 h, 12 h, then dead with the error; a retry sends it."""
    arrange_owners(session, make_user, count=1)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    smtp_server.stop()
    now = WEEK_BEFORE
    seen_waits = []
    for _attempt in range(6):
        run_tick(engine, now, settings)
        session.rollback()
        message = session.exec(select(OutboxMessage)).first()
        assert message is not None
        seen_waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at
    assert list(seen_waits[:5]) == list(delivery.BACKOFF)
    session.rollback()
    messages = list(session.exec(select(OutboxMessage)))
    assert {m.status for m in messages} == {MessageStatus.dead}
    assert all(m.attempts == 6 and m.last_error for m in messages)
    smtp_server.start()
    for message in messages:
        assert delivery.retry_message(session, message, now)
    session.commit()
    session.expire_all()
    run_tick(engine, now, settings)
    assert len(smtp_server.messages) == 2  # the owner's and the coordinator's countdown
    assert statuses(session) == {"sent": 2}


def test_action_closed_between_planning_and_sending_cancels_its_line(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """A line whose action was closed after planning is cancelled; an empty mail is not sent."""
    actions = arrange_owners(session, make_user, count=2)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    with new_session(engine, write=True) as writer, writer.begin():
        plan = planner.plan_reminders(writer, WEEK_BEFORE, domain=settings.domain)
    assert len(plan.message_ids) == 3
    session.rollback()
    set_status(session, session.get(type(actions[0]), actions[0].id), Status.implemented,
               WEEK_BEFORE + dt.timedelta(minutes=1))  # fmt: skip
    session.commit()
    result = delivery.deliver_pending(engine, WEEK_BEFORE + dt.timedelta(minutes=2), settings)
    assert (result.sent, result.cancelled) == (2, 1)
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "coordinator@example.org", "owner1@example.org",
    ]  # fmt: skip
    session.rollback()
    line = session.exec(
        select(ReminderLine).where(
            ReminderLine.action_id == actions[0].id, ReminderLine.offset_days == -7
        )
    ).one()
    assert (line.state, line.reason) == (LineState.cancelled, "action closed")
    # The countdown still counts the closed action as implemented.
    countdown = next(m for m in smtp_server.messages if str(m["To"]) == "coordinator@example.org")
    assert "Implemented: 1 / 2" in countdown.get_body(("plain",)).get_content()


def test_message_left_sending_past_its_lease_is_sent_again_with_its_message_id(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """A crash mid-send leaves 'sending'; after the lease it returns to pending and goes out."""
    arrange_owners(session, make_user, count=1)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    with new_session(engine, write=True) as writer, writer.begin():
        planner.plan_reminders(writer, WEEK_BEFORE, domain=settings.domain)
        writer.execute(
            sa.update(OutboxMessage).values(
                status=MessageStatus.sending, claim_token="crashed",
                lease_until=WEEK_BEFORE + delivery.LEASE,
            )
        )  # fmt: skip
    early = delivery.deliver_pending(engine, WEEK_BEFORE + dt.timedelta(minutes=5), settings)
    assert early.sent == 0
    late = delivery.deliver_pending(engine, WEEK_BEFORE + dt.timedelta(minutes=11), settings)
    assert late.sent == 2
    session.rollback()
    planned_ids = {m.message_id for m in session.exec(select(OutboxMessage))}
    assert {str(m["Message-ID"]) for m in smtp_server.messages} == planned_ids


def test_second_tick_at_the_same_moment_plans_and_sends_nothing(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """Running the same tick twice sends each mail once."""
    arrange_owners(session, make_user, count=2)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    first = run_tick(get_engine(app), WEEK_BEFORE, settings)
    second = run_tick(get_engine(app), WEEK_BEFORE, settings)
    assert (first.planned, first.sent) == (3, 3)
    assert (second.planned, second.sent, second.skipped) == (0, 0, 0)
    assert len(smtp_server.messages) == 3


def test_unassigned_actions_go_to_coordinators(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """No owner, an inactive owner, or an organisation without active member: coordinators hear."""
    from tracker.models import Organisation

    programme = make_programme(session)
    coordinator = make_user(role="coordinator")
    gone = make_user(role="owner")
    gone.active = False
    empty = Organisation(name="Empty", short_name="EMPTY")
    session.add_all([gone, empty])
    session.flush()
    make_action(session, programme, text="No owner.")
    make_action(session, programme, text="Inactive owner.", owner_user_id=gone.id)
    make_action(session, programme, text="Empty organisation.", owner_organisation_id=empty.id)
    session.commit()
    app.config.update(smtp_server.config())
    run_tick(get_engine(app), WEEK_BEFORE, MailSettings.from_config(app.config))
    assert [str(m["To"]) for m in smtp_server.messages] == [coordinator.email]
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    unassigned = text.split("Unassigned actions")[1]
    for title in ("No owner.", "Inactive owner.", "Empty organisation."):
        assert title in unassigned
    assert "(in 7 days)" in unassigned


def _flask(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        [str(flask), "--app", "tracker", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_four_processes_ticking_at_once_send_each_mail_once(
    app: Flask, session: Session, smtp_server: Any, tmp_path: Path
) -> None:
    """Four `send-reminders` processes at the same instant: each message planned once, sent once."""
    load_cambodia(session)
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": app.config["DATABASE_URL"],
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_MAIL_HOST": smtp_server.host,
        "TRACKER_MAIL_PORT": str(smtp_server.port),
        "TRACKER_OUTBOX_DIR": str(tmp_path / "outbox"),
        "TRACKER_BASE_URL": "http://tracker.test",
    }
    now = "2025-12-01T09:00:00+07:00"
    processes = [_flask(env, "send-reminders", "--now", now, "--json") for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err for _out, err in outputs]
    counts = [json.loads(out) for out, _err in outputs]
    session.rollback()
    outbox = list(session.exec(select(OutboxMessage)))
    # Coordinator (escalation + countdown + action 1), liaison and IM (30 days), QA (overdue).
    assert len(outbox) == 4
    assert sum(c["planned"] for c in counts) == 4
    assert sum(c["sent"] for c in counts) == 4
    assert Counter(str(m["Message-ID"]) for m in smtp_server.messages) == Counter(
        {m.message_id: 1 for m in outbox}
    )
    keys = list(session.exec(select(ReminderLine.key)))
    assert len(keys) == len(set(keys))
