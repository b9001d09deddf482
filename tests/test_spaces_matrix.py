"""The separation matrix (issue 11): every route and API operation, taken from the app's
URL map so that a route added later is covered, x every programme role x a programme
the person belongs to and one they do not. Nothing of the other programme is read or
written, and nothing answers 5xx."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, SQLModel, select

from tests.test_spaces import Two
from tests.test_spaces import two as two
from tracker.db import get_engine
from tracker.models import (
    DeadlineKind,
    EventKind,
    EvidenceFile,
    Meeting,
    Report,
    Role,
    TokenScope,
    User,
    utcnow,
)
from tracker.services import memberships, tokens
from tracker.services import programmes as programme_service
from tracker.services.journal import record_event

# Arguments that name something inside one programme: with the other programme's
# value the answer must be 404, the same as for something that does not exist.
PROGRAMME_SCOPED = {
    "programme_id", "action_id", "meeting_id", "change_id", "report_id", "file_id",
    "event_id",
}  # fmt: skip
SKIP = {
    "static",
    "auth.logout",
    "profile.sign_out_everywhere",
    "profile.end_session",
}  # these end the session
# Answers 503 by design while no scheduler runs (the suite runs none).
EXPECTED_503 = {"main.healthz_scheduler"}


def _ids(session: Session, world: Two, programme: str) -> dict[str, Any]:
    """A value for every URL argument, inside ``programme`` (north or south)."""
    target = getattr(world, programme)
    action = getattr(world, f"{programme}_action")
    meeting = Meeting(programme_id=target.id, held_on=dt.date(2025, 1, 6), title="Review")
    session.add(meeting)
    change = programme_service.record_deadline_change(
        session, target, kind=DeadlineKind.extension, new_on=dt.date(2027, 12, 31),
        requested_on=dt.date(2025, 1, 1),
    ).change  # fmt: skip
    session.commit()
    report = session.exec(select(Report).where(Report.programme_id == target.id)).first()
    evidence = _evidence_file(session, action.id)
    return {
        "programme_id": target.id,
        "action_id": action.id,
        "recommendation_id": action.recommendation_id,
        "meeting_id": meeting.id,
        "change_id": change.id,
        "report_id": report.id if report is not None else 0,
        "user_id": getattr(world, f"{programme}_owner").id,
        "organisation_id": getattr(world, f"{programme}_org").id,
        "message_id": 1,
        "token_id": 1,
        "token": "not-a-token",
        "file_id": evidence.id,
        "event_id": evidence.event_id,
        "name": "no-such-programme",
    }


def _evidence_file(session: Session, action_id: int) -> EvidenceFile:
    """An evidence file on the action (issue 18), stored as an update stores one."""
    event = record_event(session, action_id, EventKind.comment, at=utcnow(), comment="Scan")
    session.flush()
    evidence = EvidenceFile(
        action_id=action_id, event_id=event.id, name="scan.pdf", content_type="application/pdf",
        size=8, sha256="0" * 64, content=b"%PDF-1.4",
    )  # fmt: skip
    session.add(evidence)
    session.commit()
    return evidence


def _rules(app: Flask) -> list[tuple[str, str, set[str], Any]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, method, set(rule.arguments), rule))
    return rules


def _dump_of(app: Flask, programme_id: int) -> dict[str, list[Any]]:
    """Every row of the tables that carry a programme, for ``programme_id``."""
    out: dict[str, list[Any]] = {}
    with get_engine(app).connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if "programme_id" in table.c:
                rows = conn.execute(sa.select(table).where(table.c.programme_id == programme_id))
                out[table.name] = sorted(map(repr, rows))
        action = SQLModel.metadata.tables["action"]
        event = SQLModel.metadata.tables["action_event"]
        ids = sa.select(action.c.id).where(action.c.programme_id == programme_id)
        out["action_event"] = sorted(
            map(repr, conn.execute(sa.select(event).where(event.c.action_id.in_(ids))))
        )
    return out


FORM = {
    "version": "1", "status": "in_progress", "comment": "Matrix", "owner": "none",
    "reason": "Matrix", "new_on": "2030-01-01", "requested_on": "2025-01-01",
    "decided_on": "2025-01-02", "decided_by": "Meeting", "note": "n", "outcome": "granted",
    "held_on": "2025-01-06", "title": "Matrix", "email": "south_owner@example.org",
    "role": "viewer", "publish": "1", "action_id": "", "organisation_id": "",
    "verifies": "1", "requires_verification": "0",
}  # fmt: skip


@pytest.mark.parametrize("role", ["coordinator", "owner", "viewer"])
def test_no_route_reads_or_writes_another_programme(
    app: Flask,
    session: Session,
    client: FlaskClient,
    two: Two,
    login: Any,
    make_user: Any,
    role: str,
) -> None:
    """As a coordinator, owner or viewer of Northland only: every route with Southland's
    ids is 404 and changes nothing of Southland; with Northland's ids nothing is 5xx."""
    person: User = {
        "coordinator": two.north_coordinator,
        "owner": two.north_owner,
    }.get(role) or make_user(role="viewer", email="north_viewer@example.org")
    if role == "viewer":
        for membership_programme in (two.north, two.south):
            memberships.remove_member(session, person, membership_programme)
        memberships.add_member(session, person, two.north, Role.viewer)
        session.commit()
    inside = _ids(session, two, "north")
    outside = _ids(session, two, "south")
    FORM["action_id"] = str(outside["action_id"])
    FORM["organisation_id"] = str(outside["organisation_id"])
    secret = tokens.create_token(session, person, "matrix", TokenScope.write).secret
    session.commit()
    login(person)
    bearer = {"Authorization": f"Bearer {secret}"}
    south_before = _dump_of(app, outside["programme_id"])
    problems: list[str] = []
    for endpoint, method, arguments, rule in _rules(app):
        for where, values in (("outside", outside), ("inside", inside)):
            url = rule.build({a: values[a] for a in arguments}, append_unknown=False)[1]
            headers = bearer if url.startswith("/api/") else {}
            if method == "GET":
                response = client.get(url, headers=headers)
            elif method == "PATCH":
                response = client.patch(
                    url, json={"version": 1, "status": "in_progress"}, headers=headers
                )
            else:
                # Issue 14: the bulk forms name their actions in the body, not the address.
                selection = {"item": f"{values['action_id']}:1", "id": str(values["action_id"])}
                response = client.open(url, method=method, data=FORM | selection, headers=headers)
            code = response.status_code
            response.get_data()  # read streamed bodies to the end, then end the request
            response.close()
            if code >= 500 and not (code == 503 and endpoint in EXPECTED_503):
                problems.append(f"{method} {url} ({where}): {code}")
            if where == "outside" and arguments & PROGRAMME_SCOPED and code != 404:
                problems.append(f"{method} {url} ({where}): {code}, not 404")
    assert problems == []
    assert _dump_of(app, outside["programme_id"]) == south_before
