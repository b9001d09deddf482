"""The Cambodia demo: real deadline history, five actions, loaded once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, func, select

from tracker.models import Action, Organisation, Programme, Report
from tracker.services import programmes as programme_service


def test_load_demo_is_idempotent(runner: FlaskCliRunner, session: Session) -> None:
    """Loading twice leaves one programme, one report, five actions, five organisations."""
    first = runner.invoke(args=["load-demo"])
    second = runner.invoke(args=["load-demo"])
    assert first.exit_code == 0 and "loaded" in first.output
    assert second.exit_code == 0 and "already loaded" in second.output
    counts = [
        session.exec(select(func.count()).select_from(m)).one() for m in (Programme, Report, Action)
    ]
    assert counts == [1, 1, 5]
    shorts = set(session.exec(select(Organisation.short_name)))
    assert shorts >= {"CMAA", "RCAF", "NPMEC", "MFAIC", "MEF"}


def test_demo_deadline_is_2030_with_full_history(runner: FlaskCliRunner, session: Session) -> None:
    """Cambodia's current deadline is 31 Dec 2030 after three extensions; actions follow it."""
    runner.invoke(args=["load-demo"])
    programme = session.exec(select(Programme)).one()
    assert programme.timezone == "Asia/Phnom_Penh"
    history = programme_service.deadline_history(session, programme.id)
    assert [h.new_on for h in history] == [
        dt.date(2010, 1, 1), dt.date(2020, 1, 1), dt.date(2025, 12, 31), dt.date(2030, 12, 31),
    ]  # fmt: skip
    assert programme_service.current_deadline(session, programme.id) == dt.date(2030, 12, 31)
    following = session.exec(select(Action).where(Action.follows_deadline)).all()
    assert following and {a.due_on for a in following} == {dt.date(2030, 12, 31)}
    report = session.exec(select(Report)).one()
    assert "31 December 2025" in report.warnings


def test_programme_page_shows_deadline_scorecard_and_actions(
    runner: FlaskCliRunner, client: FlaskClient, make_user: Any, login: Any
) -> None:
    """The first page shows the deadline, its history, the scorecard and the five actions."""
    runner.invoke(args=["load-demo"])
    login(make_user(role="viewer"))
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "Cambodia", "31 Dec 2030", "Twenty-Second Meeting of the States Parties",
        "Land release outputs and Article 5 compliance", "7.4", "Good",
        "border with Thailand", "Not started",
    ):  # fmt: skip
        assert text in html, text
