"""Digests people can read at scale (issue 15): 20 per section and a page with every line,
the escalation digest per programme, one connection and the delivery's pace."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.factories import make_action, make_programme
from tests.reminder_scenario import set_status
from tracker.db import get_engine, new_session
from tracker.mail import MailSettings
from tracker.models import (
    Action,
    LineKind,
    LineState,
    MessageStatus,
    OutboxMessage,
    ReminderLine,
    Status,
)
from tracker.reminders import delivery, planner
from tracker.reminders.tick import run_tick
from tracker.services.journal import reschedule_reminders

UTC = dt.UTC
MONDAY = dt.datetime(2025, 12, 22, 2, tzinfo=UTC)  # 09:00 in Phnom Penh
TODAY = dt.date(2025, 12, 22)


def _text(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def _late_actions(session: Session, programme: Any, owner: Any, count: int) -> list[Action]:
    """``count`` actions whose weekly overdue threshold was reached yesterday, k weeks late."""
    actions = []
    for weeks in range(1, count + 1):
        due = TODAY - dt.timedelta(days=7 * weeks + 1)
        actions.append(
            make_action(
                session,
                programme,
                text=f"Late {weeks:02d} weeks.",
                owner_user_id=owner.id,
                due_on=due,
                follows_deadline=False,
            )
        )
    session.commit()
    return actions


def test_section_lists_the_20_most_overdue_and_links_to_every_line(
    app: Flask, session: Session, client: FlaskClient, make_user: Any, login: Any,
    smtp_server: Any,
) -> None:  # fmt: skip
    """25 lines: the mail names the 20 most overdue and '5 more' (less the cancelled one),
    links to a page with every line for the recipient only; all its lines end sent."""
    programme = make_programme(session)
    owner = make_user(role="owner", email="busy@example.org")
    other = make_user(role="owner", email="other@example.org")
    actions = _late_actions(session, programme, owner, 25)
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    with new_session(engine, write=True) as writer, writer.begin():
        planner.plan_reminders(writer, MONDAY, domain=settings.domain)
    most_overdue = actions[-1]
    set_status(session, session.get(Action, most_overdue.id), Status.implemented,
               MONDAY + dt.timedelta(minutes=1))  # fmt: skip
    session.commit()
    delivery.deliver_pending(engine, MONDAY + dt.timedelta(minutes=2), settings)
    mail = next(m for m in smtp_server.messages if str(m["To"]) == owner.email)
    text = _text(mail)
    titles = re.findall(r"^\* (Late \d+ weeks\.)\s*$", text, flags=re.M)
    assert titles == [f"Late {weeks:02d} weeks." for weeks in range(24, 4, -1)]
    assert "… and 4 more actions. Every action of this mail:" in text
    assert "Tracker reminders: Norland" in str(mail["Subject"]) and "24 actions late" in str(
        mail["Subject"]
    )
    link = re.search(r"http://tracker\.test(/reminders/mail/(\d+))", text)
    assert link is not None
    session.rollback()
    lines = session.exec(
        select(ReminderLine).where(ReminderLine.outbox_message_id == int(link.group(2)))
    ).all()
    assert sorted(line.state.value for line in lines) == ["cancelled"] + ["sent"] * 24
    login(owner)
    page = client.get(link.group(1)).get_data(as_text=True)
    assert page.count("Late ") == 24 and "Late 25 weeks." not in page
    client.post("/auth/logout")
    login(other)
    assert client.get(link.group(1)).status_code == 404
    assert client.get("/reminders/mail/999999").status_code == 404


def test_a_second_copy_after_a_lease_expiry_is_identical(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """Many actions due the same day are ordered by id: a re-sent copy lists the same ones."""
    programme = make_programme(session)
    owner = make_user(role="owner")
    due = TODAY - dt.timedelta(days=15)  # two weeks late: the threshold was yesterday
    for number in range(30):
        make_action(session, programme, text=f"Same day {number}.", owner_user_id=owner.id,
                    due_on=due, follows_deadline=False)  # fmt: skip
    session.commit()
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    run_tick(engine, MONDAY, settings)
    # A crash after the send, before it was recorded: the message goes out again.
    with new_session(engine, write=True) as writer, writer.begin():
        message_id = writer.execute(
            sa.select(OutboxMessage.id).where(OutboxMessage.recipient_email == owner.email)  # type: ignore[arg-type]
        ).scalar_one()
        writer.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id)  # type: ignore[arg-type]
            .values(status=MessageStatus.sending, lease_until=MONDAY, claim_token="x")
        )
        writer.execute(
            sa.update(ReminderLine)
            .where(ReminderLine.outbox_message_id == message_id)  # type: ignore[arg-type]
            .values(state=LineState.planned)
        )
    delivery.deliver_pending(engine, MONDAY + dt.timedelta(minutes=11), settings)
    copies = [m for m in smtp_server.messages if str(m["To"]) == owner.email]
    assert len(copies) == 2
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]
    assert _text(copies[0]) == _text(copies[1])
    assert "… and 10 more actions." in _text(copies[0])


def test_escalation_is_one_digest_line_per_coordinator_and_links_to_exactly_those_actions(
    app: Flask, session: Session, client: FlaskClient, make_user: Any, login: Any,
    smtp_server: Any,
) -> None:  # fmt: skip
    """Three escalated actions, two coordinators: two lines (not six), the counts, and a
    list link that shows exactly the three."""
    programme = make_programme(session)
    first = make_user(role="coordinator", email="c1@example.org")
    make_user(role="coordinator", email="c2@example.org")
    for weeks in (3, 5, 8):
        make_action(session, programme, text=f"Escalate {weeks}.", due_on=TODAY -
                    dt.timedelta(days=7 * weeks), follows_deadline=False)  # fmt: skip
    make_action(session, programme, text="Only a week late.",
                due_on=TODAY - dt.timedelta(days=7), follows_deadline=False)  # fmt: skip
    session.commit()
    app.config.update(smtp_server.config())
    run_tick(get_engine(app), MONDAY, MailSettings.from_config(app.config))
    session.rollback()
    escalation = session.exec(
        select(ReminderLine).where(ReminderLine.kind == LineKind.escalation)
    ).all()
    assert len(escalation) == 2 and {line.action_id for line in escalation} == {None}
    assert {line.key.rsplit(":", 1)[0] for line in escalation} == {
        f"escalation:p{programme.id}:2025-W52"
    }
    mail = next(m for m in smtp_server.messages if str(m["To"]) == first.email)
    text = _text(mail)
    assert "3 actions to escalate: 3 overdue 14 days or more, 0 with no update for 60 days." in text
    link = re.search(r"http://tracker\.test(/actions\?programme=\d+&escalated=1)", text)
    assert link is not None
    with time_machine.travel(MONDAY, tick=False):  # the list's "now" is the digest's
        login(first)
        page = client.get(link.group(1)).get_data(as_text=True)
    assert all(f"Escalate {weeks}." in page for weeks in (3, 5, 8))
    assert "Only a week late." not in page


def _four_owners_a_week_late(session: Session, make_user: Any) -> None:
    programme = make_programme(session)
    for number in range(4):
        owner = make_user(role="owner")
        make_action(session, programme, text=f"Mine {number}.", owner_user_id=owner.id,
                    due_on=TODAY - dt.timedelta(days=8), follows_deadline=False)  # fmt: skip
    session.commit()


def test_one_connection_for_the_whole_run(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """Four mails in a tick go over one SMTP connection."""
    _four_owners_a_week_late(session, make_user)
    app.config.update(smtp_server.config())
    result = run_tick(get_engine(app), MONDAY, MailSettings.from_config(app.config))
    assert result.sent == 4
    assert len(smtp_server.peers) == 1


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_delivery_keeps_to_the_rate_and_its_time_budget(
    app: Flask, session: Session, make_user: Any, monkeypatch: Any
) -> None:
    """Two a minute within 45 s: two mails go (at 0 and 30 s), the others stay pending."""
    _four_owners_a_week_late(session, make_user)
    app.config.update(MAIL_MAX_PER_MINUTE=2, MAIL_DELIVERY_SECONDS=45)
    settings = MailSettings.from_config(app.config)
    engine = get_engine(app)
    with new_session(engine, write=True) as writer, writer.begin():
        planner.plan_reminders(writer, MONDAY, domain=settings.domain)
    clock, sent_at = _Clock(), []

    class Recorder:
        def send(self, message: EmailMessage) -> None:
            sent_at.append(clock.now)

        def close(self) -> None:
            pass

    monkeypatch.setattr(delivery.time, "sleep", clock.sleep)
    result = delivery.deliver_pending(engine, MONDAY, settings, transport=Recorder(), clock=clock)
    assert (result.sent, sent_at) == (2, [0.0, 30.0])
    session.rollback()
    statuses = sorted(MessageStatus(s).value for s in session.exec(select(OutboxMessage.status)))
    assert statuses == ["pending", "pending", "sent", "sent"]


def test_organisation_actions_go_to_its_focal_point_when_it_names_one(
    app: Flask, session: Session, client: FlaskClient, make_user: Any, login: Any,
    smtp_server: Any,
) -> None:  # fmt: skip
    """Named on the admin page, the focal point alone is reminded; once inactive, every
    active member again."""
    from tracker.models import Organisation

    body = Organisation(name="Demining Operator", short_name="DOP")
    session.add(body)
    session.commit()
    programme = make_programme(session)
    first = make_user(role="owner", email="first@dop.example", organisation=body)
    focal = make_user(role="owner", email="focal@dop.example", organisation=body)
    make_action(session, programme, text="The operator's action.", owner_organisation_id=body.id,
                due_on=TODAY - dt.timedelta(days=8), follows_deadline=False)  # fmt: skip
    session.commit()
    login(make_user(role="admin"))
    response = client.post(
        f"/admin/organisations/{body.id}",
        data={"name": body.name, "short_name": body.short_name, "focal_point": str(focal.id)},
    )
    assert response.status_code == 302
    refused = client.post(
        f"/admin/organisations/{body.id}",
        data={"name": body.name, "short_name": body.short_name, "focal_point": "999999"},
    )
    assert refused.status_code == 422
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)
    run_tick(get_engine(app), MONDAY, settings)
    assert [str(m["To"]) for m in smtp_server.messages] == [focal.email]
    session.rollback()
    stored = session.get(type(focal), focal.id)
    assert stored is not None
    stored.active = False
    session.add(stored)
    action = session.exec(select(Action)).one()
    action.due_on = TODAY - dt.timedelta(days=15)
    session.add(action)
    reschedule_reminders(session, [action.id])
    session.commit()
    run_tick(get_engine(app), MONDAY + dt.timedelta(minutes=5), settings)
    assert [str(m["To"]) for m in smtp_server.messages[1:]] == [first.email]
