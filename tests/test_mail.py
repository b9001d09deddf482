"""Mail bodies as a person reads them (snapshots), and the transports."""

from __future__ import annotations

import datetime as dt
import os
import re
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from tests.reminder_scenario import load_cambodia
from tracker.db import get_engine
from tracker.mail import FileTransport, MailError, MailSettings, build_message, send
from tracker.models import OutboxMessage
from tracker.reminders.tick import run_tick

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    text = text.replace("\r\n", "\n")
    if UPDATE or not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; UPDATE_SNAPSHOTS=1 to accept"


def test_reminder_mails_read_as_expected(app: Flask, session: Session, smtp_server: Any) -> None:
    """On 1 Dec 2025 the coordinator's and an owner's mails say what the snapshots say."""
    load_cambodia(session)
    app.config.update(smtp_server.config())
    run_tick(
        get_engine(app),
        dt.datetime(2025, 12, 1, 2, tzinfo=dt.UTC),
        MailSettings.from_config(app.config),
    )
    by_to = {str(m["To"]): m for m in smtp_server.messages}
    for who, name in (
        ("coordinator@cmaa.example", "coordinator"),
        ("liaison@mfaic.example", "owner"),
    ):
        message = by_to[who]
        text = message.get_body(("plain",)).get_content()
        # One-tap links (issue 18) carry a signature of the send instant: masked.
        text = re.sub(r"/r/[A-Za-z0-9._-]+", "/r/<token>", text)
        check_snapshot(f"reminder_{name}.txt", f"Subject: {message['Subject']}\n\n" + text)
        html = message.get_body(("html",)).get_content()
        assert "http://tracker.test/settings/notifications" in html
        assert message["Message-ID"].startswith("<reminder.")


def test_file_transport_writes_one_eml_per_message_id(tmp_path: Path) -> None:
    """Sending the same message twice leaves one .eml file, readable as a mail."""
    settings = MailSettings.from_config({"OUTBOX_DIR": str(tmp_path)})
    message = build_message(
        settings, to="a@example.org", subject="Hello", text="Body", html="<p>Body</p>",
        message_id="<fixed@localhost>",
    )  # fmt: skip
    FileTransport(tmp_path).send(message)
    send(message, settings)
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<fixed@localhost>"
    assert parsed.get_body(("plain",)).get_content().strip() == "Body"


def test_smtp_refused_connection_is_a_mail_error(smtp_server: Any) -> None:
    """An SMTP server that is down raises MailError (which the outbox retries), not a crash."""
    settings = MailSettings.from_config(smtp_server.config() | {"MAIL_TIMEOUT": 2})
    smtp_server.stop()
    message = build_message(settings, to="a@example.org", subject="s", text="t", html=None,
                            message_id="<x@localhost>")  # fmt: skip
    with pytest.raises(MailError):
        send(message, settings)


def test_invitation_is_queued_with_a_one_use_link(
    app: Flask, session: Session, make_user: Any, smtp_server: Any
) -> None:
    """An invitation goes out through the outbox; its link works once; the body is then cleared."""
    from tracker.services import account_mail

    user = make_user(role="owner", email="new@example.org", name="New Person")
    account_mail.send_invitation(
        session, user, "http://tracker.test", settings=MailSettings.from_config(app.config)
    )
    session.commit()
    app.config.update(smtp_server.config())
    run_tick(get_engine(app), dt.datetime.now(dt.UTC), MailSettings.from_config(app.config))
    [mail] = smtp_server.messages
    text = mail.get_body(("plain",)).get_content()
    check_snapshot("invitation.txt", text.split("/auth/reset/")[0])
    token = text.split("/auth/reset/")[1].split()[0]
    client = app.test_client()
    page = client.post(
        f"/auth/reset/{token}",
        data={"password": "a long new passphrase 7", "confirm": "a long new passphrase 7"},
    )
    assert page.status_code == 302
    again = client.get(f"/auth/reset/{token}")
    assert again.status_code == 410
    session.rollback()
    stored = session.exec(select(OutboxMessage)).one()
    assert stored.body_text is None and token not in (stored.subject or "")


def test_built_message_reads_back_as_written() -> None:
    """The bytes a transport hands over: Khmer headers encoded, CRLF lines of at most 998
    octets (a longer line goes base64), the text and HTML read back as composed."""
    settings = MailSettings.from_config({"MAIL_FROM": "ទីស្នាក់ការ Tracker <tracker@example.org>"})
    subject = "ការរំលឹកពី Tracker៖ " + "កម្ពុជា APMBC, " * 8
    html = "<p>" + "ក" * 400 + "</p>\n<p>short</p>"
    message = build_message(
        settings, to="a@example.org", subject=subject, text="សួស្តី\nline two",
        html=html, message_id="<m@example.org>",
    )  # fmt: skip
    raw = message.as_bytes()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]).strip() == subject.strip()
    assert parsed["From"].addresses[0].display_name == "ទីស្នាក់ការ Tracker"
    assert (parsed["Message-ID"], message.recipients) == ("<m@example.org>", ("a@example.org",))
    plain, rich = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain["Content-Transfer-Encoding"] == "8bit"
    assert plain.get_content().replace("\r\n", "\n") == "សួស្តី\nline two\n"
    assert rich["Content-Transfer-Encoding"] == "base64"
    assert rich.get_content().replace("\r\n", "\n") == html + "\n"
