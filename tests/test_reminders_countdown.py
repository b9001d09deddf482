"""The countdown section's figures, counted from the programme's actions as they are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask_babel import force_locale
from sqlmodel import Session

from tests.factories import make_action, make_organisation, make_programme
from tracker.models import Status
from tracker.reminders.compose import _read_countdown

TODAY = dt.date(2026, 3, 1)
DEADLINE = dt.date(2030, 12, 31)


def _arrange(session: Session, make_user: Any) -> Any:
    programme = make_programme(session, deadline=DEADLINE)
    authority = make_organisation(session, short_name="CMAA")
    dara = make_user(name="Dara <QA>")
    late, soon, later = dt.date(2026, 2, 1), dt.date(2026, 3, 20), dt.date(2026, 9, 1)
    for owner, status, due_on in [
        ({"owner_user_id": dara.id}, Status.in_progress, late),
        ({"owner_user_id": dara.id}, Status.not_started, soon),
        ({"owner_user_id": dara.id}, Status.implemented, late),  # closed: counted, not open
        ({"owner_organisation_id": authority.id}, Status.blocked, late),
        ({"owner_organisation_id": authority.id}, Status.in_progress, later),
        ({"owner_organisation_id": authority.id}, Status.not_applicable, late),  # left out
        ({}, Status.not_started, TODAY),  # unassigned, due today: due soon, not overdue
        ({}, Status.in_progress, None),  # no due date
    ]:
        make_action(session, programme, status=status, due_on=due_on, **owner)
    make_action(session, make_programme(session), status=Status.blocked, due_on=late)  # elsewhere
    session.commit()
    return programme


def _countdown_in(app: Flask, session: Session, make_user: Any, language: str) -> Any:
    """The section as a mail in ``language`` reads it, for the arranged programme."""
    programme = _arrange(session, make_user)
    with app.test_request_context(), force_locale(language):
        return _read_countdown(session, programme, DEADLINE, TODAY)


def test_countdown_counts_each_owners_open_and_overdue_actions(
    app: Flask, session: Session, make_user: Any
) -> None:
    item = _countdown_in(app, session, make_user, "en")
    assert (item.total, item.implemented, item.overdue, item.due_soon) == (7, 1, 2, 2)
    assert item.days_left == (DEADLINE - TODAY).days
    assert item.by_owner == [("CMAA", 2, 1), ("Dara <QA>", 2, 1), ("unassigned", 2, 0)]


def test_countdown_names_unassigned_actions_in_the_readers_language(
    app: Flask, session: Session, make_user: Any
) -> None:
    item = _countdown_in(app, session, make_user, "km")
    names = [name for name, _open, _late in item.by_owner]
    assert "unassigned" not in names and len(names) == 3
    assert {"CMAA", "Dara <QA>"} < set(names)
