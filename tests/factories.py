"""Small builders for arranging data in tests, with overridable defaults.

Each takes the session and flushes; ``tests/conftest.py`` offers them as factory
fixtures that also commit (``make_action(**overrides)``, ``make_organisation(...)``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from tracker.models import (
    DeadlineKind,
    Organisation,
    Programme,
    Recommendation,
    Report,
    Treaty,
)
from tracker.services import actions as action_service
from tracker.services import memberships as membership_service
from tracker.services import programmes as programme_service

_counter = itertools.count(1)


def make_organisation(session: Session, **overrides: Any) -> Organisation:
    number = next(_counter)
    fields: dict[str, Any] = {
        "name": f"Mine Action Authority {number}",
        "short_name": f"MAA{number}",
    } | overrides
    organisation = Organisation(**fields)
    session.add(organisation)
    session.flush()
    return organisation


def make_programme(
    session: Session,
    *,
    deadline: dt.date | None = dt.date(2025, 12, 31),
    open_to_everyone: bool = True,
    **overrides: Any,
) -> Programme:
    """A programme; by default every user holds their default role in it and every
    organisation takes part, as after the upgrade (issue 11). Tests of programme
    separation pass ``open_to_everyone=False`` and name the members themselves."""
    fields: dict[str, Any] = {
        "country": f"Norland {next(_counter)}",
        "treaty": Treaty.APMBC,
        "article": "5",
        "timezone": "Asia/Phnom_Penh",
    } | overrides
    programme = Programme(**fields)
    session.add(programme)
    session.flush()
    if open_to_everyone:
        membership_service.open_programme_to_everyone(session, programme)
    if deadline:
        programme_service.record_deadline_change(
            session, programme, kind=DeadlineKind.original, new_on=deadline,
            decided_on=dt.date(2000, 1, 1),
        )  # fmt: skip
    return programme


def make_report(session: Session, programme: Programme, **overrides: Any) -> Report:
    fields: dict[str, Any] = {
        "programme_id": programme.id,
        "edition": "Clearing the Mines 2023",
        "year": 2023,
        "checksum": f"{next(_counter):064d}",
    } | overrides
    report = Report(**fields)
    session.add(report)
    session.flush()
    return report


def make_action(
    session: Session,
    programme: Programme | None = None,
    *,
    text: str = "The authority should publish its workplan.",
    **overrides: Any,
):
    """An action made the way the importer makes one, then changed by ``overrides``."""
    programme = programme or make_programme(session)
    report = make_report(session, programme)
    recommendation = Recommendation(report_id=report.id, position=1, text=text)
    session.add(recommendation)
    session.flush()
    assert programme.id is not None
    due = programme_service.current_deadline(session, programme.id)
    action = action_service.create_action(session, recommendation, programme.id, due_on=due)
    for key, value in overrides.items():
        setattr(action, key, value)
    session.add(action)
    session.flush()
    return action


def insert_row(conn: sa.Connection, table: str, **values: object) -> int:
    """A row written with plain SQL, for a database at an older revision (upgrade tests)."""
    columns = ", ".join(f'"{k}"' for k in values)
    marks = ", ".join(f":{k}" for k in values)
    row = conn.execute(
        sa.text(f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) RETURNING id'),
        values,
    )
    return int(row.scalar_one())
