"""Reminders in the reader's language (issue 12): the same lines, each mail in its own language."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from flask import Flask, render_template_string
from sqlmodel import Session, select

from tests.reminder_scenario import load_cambodia
from tests.test_khmer_pages import english_left, load_english_msgids
from tracker.db import get_engine
from tracker.mail import MailSettings
from tracker.models import Organisation, ReminderLine, Role
from tracker.reminders.tick import run_tick
from tracker.services import users as user_service
from tracker.services.journal import reschedule_reminders

UTC = dt.UTC


def _parsed(message: Any) -> EmailMessage:
    raw = message.as_bytes() if hasattr(message, "as_bytes") else bytes(message)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def test_same_reminder_lines_each_in_its_readers_language(
    app: Flask, session: Session, smtp_server: Any
) -> None:
    """Two members of the owning ministry get the same items: one in Khmer, one in English."""
    story = load_cambodia(session)
    mfaic = session.exec(select(Organisation).where(Organisation.short_name == "MFAIC")).one()
    liaison = story.users["liaison@mfaic.example"]
    user_service.set_language(session, liaison, "km")
    deputy = user_service.create_user(
        session, email="deputy@mfaic.example", name="MFAIC deputy", role=Role.owner,
        organisation=mfaic, password="a long enough passphrase", language="en",
    )  # fmt: skip
    action = story.actions[2]  # follows the 31 Dec 2025 deadline: 90 days before is 2 Oct
    action.owner_user_id, action.owner_organisation_id = None, mfaic.id
    session.add(action)
    reschedule_reminders(session, [action.id])
    session.commit()
    app.config.update(smtp_server.config())
    result = run_tick(
        get_engine(app),
        dt.datetime(2025, 10, 2, 2, tzinfo=UTC),
        MailSettings.from_config(app.config),
    )
    assert result.failed == 0
    mails = {str(m["To"]): _parsed(m) for m in smtp_server.messages}
    khmer, english = mails["liaison@mfaic.example"], mails["deputy@mfaic.example"]

    # The same lines for both, recorded once per recipient.
    session.rollback()
    lines = {
        who: sorted(
            (line.kind.value, line.action_id, line.offset_days)
            for line in session.exec(
                select(ReminderLine).where(ReminderLine.recipient_user_id == who)
            )
        )
        for who in (liaison.id, deputy.id)
    }
    assert lines[liaison.id] == lines[deputy.id] and lines[liaison.id]

    def links(message: EmailMessage) -> list[str]:
        return sorted(re.findall(r"/actions/(\d+)", _body(message, "plain")))

    assert links(khmer) == links(english) == [str(action.id)]

    # Each in its reader's language, subject included.
    assert str(english["Subject"]).startswith("Tracker reminders:")
    assert str(khmer["Subject"]).startswith("ការរំលឹកពី Tracker៖")
    assert "Your actions" in _body(english, "plain")
    khmer_text = _body(khmer, "plain")
    assert "សកម្មភាពរបស់អ្នក" in khmer_text and "Your actions" not in khmer_text
    assert "31 ធ្នូ 2025" in khmer_text  # Babel's Khmer month, Latin digits
    assert "31 Dec 2025" in _body(english, "plain")
    assert english_left(_body(khmer, "html"), load_english_msgids()) == []
    assert '<html lang="km">' in _body(khmer, "html")
    # Mail in Khmer leaves the pages' own translations alone (mail has catalogues of its own).
    with app.test_request_context():
        assert render_template_string("{{ _('Your actions') }}") == "Your actions"
