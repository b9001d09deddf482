"""The reminders pages: notification settings, forgot password, admin mail page, preview."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.factories import make_action, make_programme
from tracker.mail import MailSettings
from tracker.models import MessageKind, MessageStatus, OutboxMessage, User


def test_pause_reminders_with_reason_and_resume(
    client: FlaskClient, session: Session, make_user: Any, login: Any
) -> None:
    """A person pauses reminders until a date with a reason, sees it, and resumes."""
    user = make_user(role="owner")
    login(user)
    until = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = client.post("/settings/notifications", data={"until": until, "reason": "On leave"})
    assert response.status_code == 302
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "Reminders are paused until" in page and "On leave" in page
    session.rollback()
    stored = session.get(User, user.id, populate_existing=True)
    assert stored is not None and stored.reminders_paused_until == dt.date.fromisoformat(until)
    client.post("/settings/notifications", data={"action": "resume"})
    session.rollback()
    stored = session.get(User, user.id, populate_existing=True)
    assert stored is not None and stored.reminders_paused_until is None


def test_pause_without_reason_is_refused_and_keeps_input(
    client: FlaskClient, make_user: Any, login: Any
) -> None:
    """No reason: 422, the typed date kept, the reason field marked invalid."""
    login(make_user(role="owner"))
    until = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post("/settings/notifications", data={"until": until, "reason": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{until}"' in html
    reason_field = html.split('id="reason"')[1].split(">")[0]
    assert 'aria-invalid="true"' in reason_field


def test_forgot_password_answers_the_same_for_unknown_addresses(
    client: FlaskClient, session: Session, make_user: Any
) -> None:
    """Known or unknown address, the page says the same; only the known one queues a mail."""
    make_user(role="owner", email="known@example.org")
    known = client.post("/auth/forgot", data={"email": "known@example.org"}, follow_redirects=True)
    unknown = client.post(
        "/auth/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200

    def strip(response: Any) -> str:
        # The CSRF token carries a timestamp: two pages a second apart differ only in it.
        text = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
        return text.replace("known@", "X@").replace("nobody@", "X@")

    assert strip(known) == strip(unknown)
    session.rollback()
    queued = session.exec(select(OutboxMessage)).all()
    assert [(m.kind, m.recipient_email) for m in queued] == [
        (MessageKind.password_reset, "known@example.org")
    ]


def test_reset_link_expires_after_an_hour(
    app: Flask, client: FlaskClient, session: Session, make_user: Any
) -> None:
    """A reset link older than one hour is refused (410) and offers a new one."""
    from tracker.services import account_mail

    user = make_user(role="owner")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)
    settings = MailSettings.from_config(app.config)
    message = account_mail.send_password_reset(session, user.email, settings=settings, now=past)
    session.commit()
    assert message is not None and message.body_text is not None
    token = message.body_text.split("/auth/reset/")[1].split()[0]
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 410
    assert "Ask for a new link" in response.get_data(as_text=True)


def test_admin_sees_dead_messages_and_retries(
    client: FlaskClient, session: Session, make_user: Any, login: Any
) -> None:
    """The mail page lists a dead message with its error; Retry puts it back to pending."""
    admin = make_user(role="admin")
    message = OutboxMessage(
        message_id="<dead@localhost>", kind=MessageKind.reminder, recipient_email="x@example.org",
        status=MessageStatus.dead, attempts=6, last_error="SMTPServerDisconnected: gone",
    )  # fmt: skip
    session.add(message)
    session.commit()
    login(admin)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "x@example.org" in page and "SMTPServerDisconnected: gone" in page
    assert "Reminders have never run" in page
    response = client.post(f"/admin/mail/{message.id}/retry")
    assert response.status_code == 302
    session.rollback()
    status = session.exec(select(OutboxMessage.status)).one()
    assert MessageStatus(status) == MessageStatus.pending


def test_mail_page_is_for_admins_only(client: FlaskClient, make_user: Any, login: Any) -> None:
    """A coordinator gets 403 on the admin mail page."""
    login(make_user(role="coordinator"))
    assert client.get("/admin/mail").status_code == 403


def test_preview_lists_the_next_30_days(
    client: FlaskClient, session: Session, make_user: Any, login: Any
) -> None:
    """A coordinator sees who will get what in the next 30 days; an owner may not look."""
    coordinator = make_user(role="coordinator")
    owner = make_user(role="owner", email="owner-preview@example.org")
    programme = make_programme(session, deadline=dt.date.today() + dt.timedelta(days=20))
    make_action(session, programme, text="Publish the workplan.", owner_user_id=owner.id)
    session.commit()
    login(coordinator)
    html = client.get("/reminders/preview").get_data(as_text=True)
    assert "owner-preview@example.org" in html and "Publish the workplan." in html
    assert (
        "due in 14 days" in html
        and "due in 7 days" in html
        and "due in 1 day<" in html.replace("\n", "<").replace(" <", "<")
    )
    assert "deadline countdown" in html
    client.post("/auth/logout")
    login(owner)
    assert client.get("/reminders/preview").status_code == 403
