"""A reminder reads exactly as before, byte for byte, in English and in Khmer.

The mail's templates and what fills them were rewritten for speed (issue 15), and a
reader must not see the difference. ``tests/golden/`` holds the subject, text and
HTML of one mail with every section (own actions with their one-tap links and "… and
N more", unassigned, to verify, an escalation digest, a countdown) and text that must
be escaped. A deliberate change of wording regenerates them:
``TRACKER_WRITE_GOLDEN=1 pytest tests/test_reminders_golden.py``, then read the diff.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale

from tracker.mail import MailSettings
from tracker.models import User
from tracker.reminders.compose import ActionItem, CountdownItem, ReminderMail, render_reminder
from tracker.reminders.digest import EscalationDigest
from tracker.reminders.links import link_urls

GOLDEN = Path(__file__).parent / "golden"
SETTINGS = MailSettings(
    host=None, port=25, security="none", username=None, password=None, sender="t <t@x.org>",
    timeout=5, outbox_dir="/nonexistent", base_url="http://tracker.test",
)  # fmt: skip
ISSUED_AT = dt.datetime(2026, 12, 2, 12, 17, tzinfo=dt.UTC)


RECIPIENT = User(id=7, name="Sokha", email="sokha@example.org", session_version=2)


def _item(number: int, *, title: str, late: bool = False, links: bool = False) -> ActionItem:
    urls = link_urls(SETTINGS.base_url, "golden-secret", RECIPIENT, number, 3, issued_at=ISSUED_AT)
    return ActionItem(
        id=number, title=title, programme="Cambodia", due_on=dt.date(2026, 11, 20 + number),
        when="12 days late" if late else "in 3 days", status="In progress",
        owner='Dara & "CMAA" <ops>', url=f"http://tracker.test/actions/{number}",
        reason="30 days late" if late else "", late=late, programme_label="Cambodia APMBC",
        links=urls if links else {},
    )  # fmt: skip


def _mail() -> ReminderMail:
    return ReminderMail(
        recipient="Sokha <O'Neil>",
        own=[
            _item(1, title="Clear <b>Area 5</b> & mark it", late=True, links=True),
            _item(2, title="ជម្រះតំបន់ ៥", links=True),
        ],
        own_more=3,
        own_more_late=1,
        unassigned=[_item(3, title="Survey 'north' strip")],
        unassigned_more=1,
        verification=[_item(4, title='Report "done"')],
        escalation=[
            EscalationDigest(
                programme="Cambodia (APMBC)",
                programme_label="Cambodia APMBC",
                total=1234,
                overdue=1,
                idle=1233,
                list_url="http://tracker.test/actions?programme=1&escalated=1",
                overdue_days=30,
                idle_days=60,
                most_overdue=[_item(5, title="Fence <Zone> B", late=True)],
                longest_idle=[_item(6, title="Idle & waiting")],
            )
        ],
        countdown=[
            CountdownItem(
                programme="Cambodia (APMBC)",
                deadline=dt.date(2030, 12, 31),
                programme_label="Cambodia APMBC",
                days_left=1490,
                implemented=12,
                total=1200,
                overdue=3,
                due_soon=4,
                by_owner=[("CMAA & co", 5, 1), ("<Dara>", 1, 0)],
            )
        ],
        all_lines_url="http://tracker.test/reminders/mail/99",
    )


@pytest.mark.parametrize("language", ["en", "km"])
def test_reminder_reads_exactly_as_before(app: Flask, language: str) -> None:
    """Subject, text and HTML of a full reminder are the same bytes as the golden copy."""
    with app.test_request_context(), force_locale(language):
        subject, text, html = render_reminder(_mail(), SETTINGS)
    rendered = {"subject.txt": subject + "\n", "txt": text, "html": html}
    for suffix, body in rendered.items():
        path = GOLDEN / f"reminder.{language}.{suffix}"
        if os.environ.get("TRACKER_WRITE_GOLDEN"):
            path.write_text(body, encoding="utf-8")
        assert body == path.read_text(encoding="utf-8"), path.name
