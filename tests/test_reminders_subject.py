"""What a reminder mail's subject and counts say: the programme, what is in it, plurals."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from tracker.mail import MailSettings
from tracker.reminders.compose import ActionItem, CountdownItem, ReminderMail, render_reminder

SETTINGS = MailSettings(
    host=None, port=25, security="none", username=None, password=None, sender="t <t@x.org>",
    timeout=5, outbox_dir="/nonexistent", base_url="http://tracker.test",
)  # fmt: skip


def _item(number: int, *, late: bool) -> ActionItem:
    return ActionItem(
        id=number, title=f"Action {number}", programme="Cambodia", due_on=dt.date(2025, 12, 1),
        when="12 days late" if late else "in 3 days", status="In progress", owner="Dara",
        url=f"http://tracker.test/actions/{number}", late=late, programme_label="Cambodia APMBC",
    )  # fmt: skip


def _countdown(days_left: int, total: int = 5) -> CountdownItem:
    return CountdownItem(
        programme="Cambodia (APMBC)", deadline=dt.date(2030, 12, 31), days_left=days_left,
        implemented=1, total=total, overdue=0, due_soon=0, by_owner=[("CMAA", 1, 0)],
        programme_label="Cambodia APMBC",
    )  # fmt: skip


def test_subject_names_the_programme_and_what_is_due_and_late(app: Flask) -> None:
    """Two due and one late: 'Cambodia APMBC: 2 actions due, 1 late'."""
    mail = ReminderMail(
        "Dara", own=[_item(1, late=False), _item(2, late=False), _item(3, late=True)]
    )
    with app.test_request_context():
        assert mail.subject() == "Tracker reminders: Cambodia APMBC: 2 actions due, 1 late"


def test_subject_counts_are_plural_only_above_one_and_grouped(app: Flask) -> None:
    """One action is '1 action', never '1 actions'; a big number is grouped: '1,826 days'."""
    with app.test_request_context():
        assert ReminderMail("D", own=[_item(1, late=False)]).subject() == (
            "Tracker reminders: Cambodia APMBC: 1 action due"
        )
        assert ReminderMail("D", own=[_item(1, late=True)]).subject() == (
            "Tracker reminders: Cambodia APMBC: 1 action late"
        )
        assert ReminderMail("D", countdown=[_countdown(1)]).subject() == (
            "Tracker reminders: Cambodia APMBC: 1 day to the treaty deadline"
        )
        assert ReminderMail("D", countdown=[_countdown(1826)]).subject() == (
            "Tracker reminders: Cambodia APMBC: 1,826 days to the treaty deadline"
        )


def test_countdown_body_says_one_day_and_groups_numbers(app: Flask) -> None:
    """The countdown says '1 day left' (not '1 days'), and its counts are grouped as elsewhere."""
    with app.test_request_context():
        _subject, text, html = render_reminder(
            ReminderMail("D", countdown=[_countdown(1, total=1200)]), SETTINGS
        )
    for body in (text, html):
        assert "(1 day left)" in body and "1 days" not in body
        assert "1 / 1,200" in body


def test_subject_in_khmer_counts_each_section(app: Flask) -> None:
    """A Khmer reader's subject says every count in Khmer: the counted phrases are in the
    catalogue (they were passed through a helper Babel's extractor did not see)."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    escalation = SimpleNamespace(total=4, programme_label="Cambodia APMBC")
    mail = ReminderMail(
        "Dara",
        own=[_item(1, late=False), _item(2, late=False), _item(3, late=True)],
        unassigned=[_item(4, late=False)],
        verification=[_item(5, late=False)],
        verification_more=2,
        escalation=[escalation],
        countdown=[_countdown(1826)],
    )
    with app.test_request_context(), force_locale("km"):
        subject = mail.subject()
    assert subject == (
        "ការរំលឹកពី Tracker៖ Cambodia APMBC: សកម្មភាព 2 ដល់កាលកំណត់, 1 ហួសកាលកំណត់; "
        "1 មិនទាន់ចាត់តាំង; 3 ត្រូវផ្ទៀងផ្ទាត់; 4 ត្រូវលើកឡើងទៅថ្នាក់លើ; "
        "នៅសល់ 1,826 ថ្ងៃដល់កាលកំណត់នៃសន្ធិសញ្ញា"
    )
    with app.test_request_context():
        assert mail.subject() == (
            "Tracker reminders: Cambodia APMBC: 2 actions due, 1 late; 1 unassigned; "
            "3 to verify; 4 to escalate; 1,826 days to the treaty deadline"
        )
