"""Reminders of verified completion (issue 14): verifiers get "awaiting verification" in
their digest, at most weekly for each action; owners get nothing while an action awaits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlmodel import Session, select

from tests.factories import make_action, make_programme
from tracker.db import get_engine
from tracker.mail import MailSettings
from tracker.models import LineKind, LineState, ReminderLine
from tracker.reminders.tick import run_tick
from tracker.services import verifiers
from tracker.services.workflow import ActionChange, update_action

UTC = dt.UTC
MONDAY = dt.datetime(2025, 12, 22, 2, tzinfo=UTC)  # 09:00 in Phnom Penh, week 2025-W52
TODAY = dt.date(2025, 12, 22)


def _lines(session: Session, kind: LineKind) -> list[ReminderLine]:
    session.rollback()
    return list(session.exec(select(ReminderLine).where(ReminderLine.kind == kind)))


def test_verifier_digest_weekly_and_owner_silent(
    app: Flask, session: Session, make_user: Any, make_organisation: Any, smtp_server: Any
) -> None:
    """An overdue action reported implemented: its owner gets no reminder; the QA verifier
    (not the verifier of the owning organisation) gets one line this week, none more on
    the next tick, one the next week; once verified the planned line is cancelled."""
    mef = make_organisation(name="Ministry of Economy and Finance", short_name="MEF")
    qa_org = make_organisation(name="CMAA quality assurance", short_name="QA")
    owner = make_user(role="owner", organisation=mef, name="Budget owner")
    mef_verifier = make_user(role="owner", organisation=mef, name="MEF verifier")
    qa = make_user(role="owner", organisation=qa_org, name="QA verifier")
    coordinator = make_user(role="coordinator", name="Coordinator")
    programme = make_programme(session)
    action = make_action(
        session, programme, owner_user_id=owner.id, owner_organisation_id=mef.id,
        due_on=TODAY - dt.timedelta(days=8), follows_deadline=False,
    )  # fmt: skip
    for person in (qa, mef_verifier):
        verifiers.set_verifier(session, person, programme, True)
    session.commit()
    update_action(
        session, action.id, owner, action.version,
        ActionChange(status="implemented", evidence_url="https://example.org/law"),
        at=MONDAY - dt.timedelta(days=1),
    )  # fmt: skip
    session.commit()
    app.config.update(smtp_server.config())
    settings = MailSettings.from_config(app.config)

    run_tick(get_engine(app), MONDAY, settings)
    lines = _lines(session, LineKind.verification)
    assert [(line.recipient_user_id, line.key) for line in lines] == [
        (qa.id, f"verification:a{action.id}:2025-W52:u{qa.id}")
    ]
    assert not [m for m in smtp_server.messages if str(m["To"]) == owner.email]
    mail = next(m for m in smtp_server.messages if str(m["To"]) == qa.email)
    text = str(mail.get_body(("plain",)).get_content())
    assert "Awaiting your verification" in text and f"/actions/{action.id}" in text

    run_tick(get_engine(app), MONDAY + dt.timedelta(days=2), settings)
    assert len(_lines(session, LineKind.verification)) == 1
    run_tick(get_engine(app), MONDAY + dt.timedelta(days=7), settings)
    assert len(_lines(session, LineKind.verification)) == 2

    # Planned (not yet sent) next week, then verified: the send-time re-check cancels it.
    next_week = MONDAY + dt.timedelta(days=14)
    from tracker.db import new_session
    from tracker.reminders import planner

    with new_session(get_engine(app), write=True) as planning:
        planner.plan_reminders(planning, next_week, domain="tracker.test")
        planning.commit()
    session.rollback()
    session.refresh(action)
    update_action(session, action.id, coordinator, action.version, ActionChange(verdict="verify"))
    session.commit()
    run_tick(get_engine(app), next_week + dt.timedelta(minutes=1), settings)
    last = max(_lines(session, LineKind.verification), key=lambda line: line.id or 0)
    assert (last.state, last.reason) == (LineState.cancelled, "no longer awaiting verification")
    assert not _lines(session, LineKind.own)


def test_mail_page_lists_what_awaits_verification(
    app: Flask, session: Session, make_user: Any, smtp_server: Any, client_for: Any
) -> None:
    """The page behind a digest lists its verification lines, as the mail does, each once
    and linked to its action; an action the reader also owns is listed with their own."""
    from tracker.models import OutboxMessage

    qa = make_user(role="owner", name="QA verifier")
    owner = make_user(role="owner", name="Budget owner")
    programme = make_programme(session)
    reported = [
        make_action(session, programme, text=f"Reported {n}.", owner_user_id=owner.id,
                    due_on=TODAY + dt.timedelta(days=60), follows_deadline=False)
        for n in (1, 2)
    ]  # fmt: skip
    verifiers.set_verifier(session, qa, programme, True)
    session.commit()
    for action in reported:
        update_action(
            session, action.id, owner, action.version,
            ActionChange(status="implemented", evidence_url="https://example.org/proof"),
            at=MONDAY - dt.timedelta(days=1),
        )  # fmt: skip
    session.commit()
    app.config.update(smtp_server.config())
    run_tick(get_engine(app), MONDAY, MailSettings.from_config(app.config))
    session.rollback()
    message_id = session.exec(
        select(OutboxMessage.id).where(OutboxMessage.recipient_user_id == qa.id)
    ).one()

    page = client_for(qa).get(f"/reminders/mail/{message_id}").get_data(as_text=True)
    assert "Awaiting your verification (2)" in page
    for action in reported:
        assert page.count(f'href="/actions/{action.id}"') == 1
    assert "Reported 1." in page and "Reported 2." in page
    assert "Budget owner" in page
    assert client_for(owner).get(f"/reminders/mail/{message_id}").status_code == 404
