"""One tap from the reminder (issue 18), on the Cambodia story through a real SMTP server:
the links in an owner's mail, what each does, when a link stops working, and that the
secret never reaches a log line."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import DEFAULT_PASSWORD
from tests.reminder_scenario import Cambodia, load_cambodia
from tracker.db import get_engine
from tracker.mail import MailSettings
from tracker.models import (
    Action,
    ActionEvent,
    EventKind,
    EvidenceFile,
    LineState,
    LoginAttempt,
    ReminderLine,
    Status,
    User,
    Verification,
)
from tracker.reminders import links, one_tap
from tracker.reminders import policy as reminder_policy
from tracker.reminders.tick import run_tick
from tracker.services.passwords import hash_password

UTC = dt.UTC
LIAISON = "liaison@mfaic.example"  # owns action 2, due 31 Dec 2025 (follows the deadline)
FIRST_MAIL = dt.datetime(2025, 12, 1, 2, tzinfo=UTC)  # the 30-day reminder, 09:00 in Phnom Penh
PDF = b"%PDF-1.4\n% signed border survey agreement\n%%EOF\n"
LINK = re.compile(r"^\s+(On track|Blocked|Done|Open): (\S+/r/(\S+))$")


def links_in(message: Any) -> dict[int, dict[str, str]]:
    """{action id: {"On track": path, ...}} from a reminder's plain-text body."""
    found: dict[int, dict[str, str]] = {}
    current = None
    for line in message.get_body(preferencelist=("plain",)).get_content().splitlines():
        if match := re.search(r"/actions/(\d+)$", line.strip()):
            current = int(match.group(1))
        elif (match := LINK.match(line)) and current is not None:
            found.setdefault(current, {})[match.group(1)] = "/r/" + match.group(3)
    return found


def tick(app: Flask, at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        result = run_tick(get_engine(app), at, MailSettings.from_config(app.config))
    assert result.failed == 0


def mails_to(smtp_server: Any, who: str) -> list[Any]:
    return [m for m in smtp_server.messages if str(m["To"]) == who]


@pytest.fixture
def story(app: Flask, session: Session, smtp_server: Any) -> Iterator[Cambodia]:
    """The Cambodia story, without the 2030 extension, and the 30-day mails of 1 Dec 2025."""
    loaded = load_cambodia(session)
    app.config.update(smtp_server.config())
    tick(app, FIRST_MAIL)
    # The links were signed at the tick: the test goes on an hour later, with a running clock.
    with time_machine.travel(FIRST_MAIL + dt.timedelta(hours=1)):
        yield loaded


def _liaison_links(story: Cambodia, smtp_server: Any) -> dict[str, str]:
    action_id = story.actions[2].id
    (mail,) = mails_to(smtp_server, LIAISON)
    return links_in(mail)[action_id or 0]


def _post(client: FlaskClient, path: str, files: tuple[tuple[bytes, str], ...] = (),
          **fields: str) -> Any:  # fmt: skip
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page.get_data(as_text=True))
    assert version is not None
    data: dict[str, Any] = {"version": version.group(1)} | fields
    data["evidence_files"] = [FileStorage(io.BytesIO(c), filename=n) for c, n in files]
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _action(session: Session, action_id: int | None) -> Action:
    session.rollback()
    found = session.get(Action, action_id, populate_existing=True)
    assert found is not None
    return found


def test_each_owner_line_carries_four_links_and_others_none(
    story: Cambodia, smtp_server: Any
) -> None:
    """An owner's action has On track, Blocked, Done and Open; the coordinators' unassigned
    and escalation lines have none (they are not the coordinator's to report)."""
    found = _liaison_links(story, smtp_server)
    assert sorted(found) == ["Blocked", "Done", "On track", "Open"]
    html = mails_to(smtp_server, LIAISON)[0].get_body(("html",)).get_content()
    assert html.count("/r/") == 4
    coordinator = mails_to(smtp_server, "coordinator@cmaa.example")[0]
    coordinator_links = links_in(coordinator)
    assert list(coordinator_links) == [story.actions[1].id]  # their own action 1 only


def test_done_with_a_file_changes_the_action_once(
    story: Cambodia, session: Session, client: FlaskClient, smtp_server: Any
) -> None:
    """The mail's Done link with a file attached: the action is reported implemented (for
    verification, as Cambodia requires it), journalled as the recipient from the reminder
    with the file; the same link then refuses."""
    done = _liaison_links(story, smtp_server)["Done"]
    page = client.get(done).get_data(as_text=True)
    assert "Cambodia should implement Prime Minister" in page and "Not started" in page
    response = _post(client, done, files=((PDF, "border survey.pdf"),), choice="done")
    assert response.status_code == 200, response.get_data(as_text=True)
    action = _action(session, story.actions[2].id)
    assert action.status == Status.implemented
    assert action.verification == Verification.awaiting  # as the form reports it
    event = session.exec(
        select(ActionEvent)
        .where(ActionEvent.action_id == action.id, ActionEvent.kind == EventKind.status_changed)
        .order_by(col(ActionEvent.id).desc())
    ).first()
    assert event is not None and event.via == "reminder"
    assert event.actor_id == story.users[LIAISON].id
    (stored,) = session.exec(select(EvidenceFile)).all()
    assert (stored.event_id, stored.name, stored.content) == (event.id, "border survey.pdf", PDF)
    again = client.get(done)
    assert again.status_code == 403 and "used already" in again.get_data(as_text=True)
    assert client.post(done, data={"version": str(action.version)}).status_code == 403
    assert len(session.exec(select(EvidenceFile)).all()) == 1


def test_expired_tampered_and_someone_elses_links_are_refused(
    story: Cambodia, session: Session, app: Flask, client_for: Any, smtp_server: Any,
    dump_database: Any,
) -> None:  # fmt: skip
    """Expired (15 days on), tampered, signed with another key, another recipient's (no
    longer the owner; or opened where someone else is signed in): refused, plainly, with
    the way to sign in, nothing changed, and each failure counted against the address."""
    found = _liaison_links(story, smtp_server)
    client = app.test_client()
    before = dump_database()
    with time_machine.travel(FIRST_MAIL + dt.timedelta(days=15), tick=False):
        expired = client.get(found["On track"])
    assert expired.status_code == 403 and "expired" in expired.get_data(as_text=True)
    token = found["Done"].removeprefix("/r/")
    payload, rest = token.split(".", 1)
    tampered_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for bad in (f"/r/{tampered_payload}.{rest}", f"/r/{token[:-3]}xyz", "/r/not-a-token"):
        response = client.get(bad)
        assert response.status_code == 403 and "not valid" in response.get_data(as_text=True)
        assert 'href="/auth/login"' in response.get_data(as_text=True)
    liaison = session.get(User, story.users[LIAISON].id)
    assert liaison is not None
    two, five = story.actions[2], story.actions[5]
    other_key = links.sign_link(
        "another-secret", liaison, two.id or 0, two.version, links.Choice.done
    )
    assert client.get(f"/r/{other_key}").status_code == 403
    # Action 5 is IM's; a link for it made out to the liaison is not the liaison's to use.
    key = app.config["SECRET_KEY"]
    not_theirs = links.sign_link(key, liaison, five.id or 0, five.version, links.Choice.on_track)
    refused = client.get(f"/r/{not_theirs}")
    assert refused.status_code == 403 and "no longer yours" in refused.get_data(as_text=True)
    assert dump_database() == before | {"login_attempt": dump_database()["login_attempt"]}
    session.rollback()
    attempts = session.exec(select(LoginAttempt).where(LoginAttempt.address == "127.0.0.1"))
    assert len(attempts.all()) == 6
    # Someone else signed in on this browser: refused, and not counted as a guess.
    qa = session.get(User, story.users["qa@cmaa.example"].id)
    assert qa is not None
    qa.password_hash = hash_password(DEFAULT_PASSWORD)
    session.add(qa)
    session.commit()
    elsewhere = client_for(qa).get(found["On track"])
    assert elsewhere.status_code == 403 and "sent to someone else" in elsewhere.get_data(
        as_text=True
    )


def test_failed_links_are_throttled_like_sign_in(
    story: Cambodia, app: Flask, smtp_server: Any
) -> None:
    """After 20 refused links from one address in 15 minutes, even a good link waits (429)."""
    good = _liaison_links(story, smtp_server)["Open"]
    client = app.test_client()
    for number in range(20):
        assert client.get(f"/r/bad-{number}").status_code == 403
    throttled = client.get(good)
    assert throttled.status_code == 429 and "Try again in" in throttled.get_data(as_text=True)
    elsewhere = {"REMOTE_ADDR": "203.0.113.7"}
    assert app.test_client().get(good, environ_base=elsewhere).status_code == 200


def test_a_link_stops_working_after_sign_out_everywhere(
    story: Cambodia, session: Session, client_for: Any, app: Flask, smtp_server: Any
) -> None:
    """ "Sign out everywhere" bumps the session version the link carries: it is refused."""
    on_track = _liaison_links(story, smtp_server)["On track"]
    liaison = session.get(User, story.users[LIAISON].id)
    assert liaison is not None
    liaison.password_hash = hash_password(DEFAULT_PASSWORD)
    session.add(liaison)
    session.commit()
    assert app.test_client().get(on_track).status_code == 200
    browser = client_for(liaison)
    assert browser.post("/profile/sign-out-everywhere").status_code == 302
    refused = app.test_client().get(on_track)
    assert refused.status_code == 403
    assert "signed out everywhere" in refused.get_data(as_text=True)


def test_blocked_needs_a_comment_and_the_page_says_what_changed(
    story: Cambodia, session: Session, app: Flask, smtp_server: Any
) -> None:
    """Blocked without a comment is refused at the field (422, as the form); a change made
    since the mail is shown before the button; with a comment it is saved."""
    blocked = _liaison_links(story, smtp_server)["Blocked"]
    client = app.test_client()
    refused = _post(client, blocked, choice="blocked")
    assert refused.status_code == 422
    assert 'id="comment-error"' in refused.get_data(as_text=True)
    coordinator = session.get(User, story.users["coordinator@cmaa.example"].id)
    from tracker.services.workflow import ActionChange, update_action

    action = _action(session, story.actions[2].id)
    update_action(session, action.id or 0, coordinator, action.version,  # type: ignore[arg-type]
                  ActionChange(comment="Joint boundary commission meets in January"))  # fmt: skip
    session.commit()
    page = client.get(blocked).get_data(as_text=True)
    assert "Changed since the reminder was sent" in page
    assert "Joint boundary commission meets in January" in page
    saved = _post(client, blocked, choice="blocked", comment="Waiting for the commission")
    assert saved.status_code == 200
    assert _action(session, story.actions[2].id).status == Status.blocked


def test_on_track_skips_exactly_the_next_threshold(
    story: Cambodia, session: Session, app: Flask, smtp_server: Any
) -> None:
    """On track on 1 Dec (30 days before): the 14-day reminder is skipped ("confirmed"), the
    7- and 1-day ones come. On track after the 7-day one skips nothing (next is the one-day
    reminder), nor after the due date (next is the first overdue one); after the first
    overdue reminder it skips the second."""
    action_id = story.actions[2].id or 0
    latest = _liaison_links(story, smtp_server)
    client = app.test_client()

    def on_track(at: dt.datetime) -> None:
        with time_machine.travel(at, tick=False):
            response = _post(client, latest["On track"], choice="on_track")
        assert response.status_code == 200, response.get_data(as_text=True)

    on_track(FIRST_MAIL + dt.timedelta(hours=1))
    assert _action(session, action_id).status == Status.in_progress
    lines = session.exec(select(ReminderLine).where(ReminderLine.reason == "confirmed")).all()
    assert [(line.offset_days, line.state) for line in lines] == [(-14, LineState.skipped)]

    mailed: list[dt.date] = []
    day = FIRST_MAIL.date() + dt.timedelta(days=1)
    while day <= dt.date(2026, 1, 16):
        at = dt.datetime.combine(day, dt.time(2), UTC)
        before = len(smtp_server.messages)
        tick(app, at)
        for message in smtp_server.messages[before:]:
            if str(message["To"]) == LIAISON and action_id in links_in(message):
                mailed.append(day)
                latest = links_in(message)[action_id]
        # After the 7-day mail; the day after the due date; after the first overdue mail.
        if day in (dt.date(2025, 12, 24), dt.date(2026, 1, 1), dt.date(2026, 1, 7)):
            on_track(at + dt.timedelta(hours=1))
        day += dt.timedelta(days=1)

    assert mailed == [
        dt.date(2025, 12, 24),  # 7 days before (the 14-day one of 17 Dec was skipped)
        dt.date(2025, 12, 30),  # 1 day before: never skipped
        dt.date(2026, 1, 7),  # the first overdue: never skipped
    ]  # and the second overdue of 14 Jan skipped: confirmed on 7 Jan
    session.rollback()
    confirmed = session.exec(
        select(ReminderLine.offset_days).where(ReminderLine.reason == "confirmed")
    ).all()
    assert sorted(confirmed) == [-14, 14]
    kinds = session.exec(
        select(ActionEvent.kind)
        .where(ActionEvent.action_id == action_id, ActionEvent.via == "reminder")
        .order_by(col(ActionEvent.id))
    ).all()
    assert kinds == [EventKind.status_changed] + [EventKind.confirmed] * 3


def test_the_skip_rule_alone() -> None:
    """The pure rule: the next threshold, never the one-day nor the first overdue one."""
    rules: dict[str, Any] = {
        "before_days": (90, 30, 14, 7, 1), "overdue_every_days": 7, "timezone": "Asia/Phnom_Penh",
    }  # fmt: skip
    due = dt.date(2025, 12, 31)

    def skipped(now: dt.datetime) -> int | None:
        found = reminder_policy.skipped_when_on_track(due, now=now, **rules)
        return found.offset_days if found else None

    assert skipped(dt.datetime(2025, 9, 1, tzinfo=UTC)) == -90
    assert skipped(dt.datetime(2025, 12, 2, tzinfo=UTC)) == -14
    assert skipped(dt.datetime(2025, 12, 25, tzinfo=UTC)) is None  # next: one day before
    assert skipped(dt.datetime(2026, 1, 2, tzinfo=UTC)) is None  # next: first overdue
    assert skipped(dt.datetime(2026, 1, 8, tzinfo=UTC)) == 14
    assert one_tap.VIA_REMINDER == "reminder"


def test_the_token_appears_in_no_log_line(
    story: Cambodia, app: Flask, smtp_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Opening and using a link logs /r/<redacted>, never the token itself."""
    found = _liaison_links(story, smtp_server)
    token = found["On track"].removeprefix("/r/")
    capsys.readouterr()
    client = app.test_client()
    assert _post(client, found["On track"], choice="on_track").status_code == 200
    client.get(found["Done"])
    client.get("/r/" + token[:-4] + "abcd")
    captured = capsys.readouterr().err
    paths = [json.loads(line).get("path") for line in captured.splitlines() if line.startswith("{")]
    assert "/r/<redacted>" in paths
    for secret in (token, found["Done"].removeprefix("/r/"), token[:-4]):
        assert secret not in captured
