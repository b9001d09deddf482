"""A hand-built programme for the summary, meeting and export tests (issue 5).

Every change goes through ``update_action`` with a past timestamp, so the journal
holds a known history and the figures below are known exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from tests.factories import make_organisation, make_programme, make_report
from tracker.models import Action, Organisation, Programme, Recommendation, Role, User
from tracker.services import actions as action_service
from tracker.services import memberships as membership_service
from tracker.services import users as user_service
from tracker.services.workflow import ActionChange, Owner, update_action

TODAY = dt.date(2025, 6, 15)
DEADLINE = dt.date(2030, 12, 31)


def at(day: str, hour: int = 3) -> dt.datetime:
    """03:00 UTC is 10:00 in Phnom Penh, the same calendar day."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), dt.UTC)


@dataclass
class World:
    programme: Programme
    coordinator: User
    owner_a: User
    organisation: Organisation
    actions: list[Action]


def add_action(
    session: Session, programme: Programme, text: str, when: str, position: int = 1
) -> Action:
    report = make_report(session, programme)
    recommendation = Recommendation(report_id=report.id, position=position, text=text)
    session.add(recommendation)
    session.flush()
    return action_service.create_action(
        session, recommendation, programme.id, due_on=DEADLINE, at=at(when)
    )


def change(
    session: Session, action: Action, actor: User, when: str, hour: int = 3, **fields: Any
) -> Action:
    session.refresh(action)
    return update_action(
        session,
        action.id,
        actor,
        action.version,
        ActionChange(**fields),
        meeting=fields.pop("meeting", None) if "meeting" in fields else None,
        at=at(when, hour),
    )


def build_world(session: Session) -> World:
    """Six actions; as of 15 Jun 2025: 1 overdue, 1 due in 30 days, 2 in 90, 2 unassigned."""
    # A programme from before verification (issue 14): implemented counts as reported;
    # the verified figures have their own tests (test_verification_scenario).
    programme = make_programme(session, deadline=DEADLINE, requires_verification=False)
    organisation = make_organisation(session, name="Norland Demining Authority", short_name="NDA")
    membership_service.add_organisation(session, organisation, programme)
    coordinator = user_service.create_user(
        session, email="coord@example.org", name="Cora Ordinator", role=Role.coordinator
    )
    owner_a = user_service.create_user(
        session, email="anna@example.org", name="Anna Owner", role=Role.owner
    )
    texts = [
        '=HYPERLINK("http://evil.example") publish the workplan',
        "Train more deminers",
        "Fund the national authority",
        "Survey the northern lakes",
        "Agree the border areas",
        "Clean up the database",
    ]
    actions = [add_action(session, programme, t, "2025-01-10") for t in texts[:5]]
    a1, a2, a3, a4, a5 = actions
    why = "Agreed with the owner."
    change(session, a1, coordinator, "2025-01-12", owner=Owner(user_id=owner_a.id), reason=why)
    change(session, a1, coordinator, "2025-01-12", 4, due_on=dt.date(2025, 6, 1), reason=why)
    change(session, a2, coordinator, "2025-01-12", owner=Owner(user_id=owner_a.id), reason=why)
    change(session, a2, coordinator, "2025-01-12", 4, due_on=dt.date(2025, 7, 1), reason=why)
    change(
        session, a3, coordinator, "2025-01-12", owner=Owner(organisation_id=organisation.id),
        reason=why,
    )  # fmt: skip
    change(session, a2, owner_a, "2025-02-01", status="in_progress")
    change(session, a3, coordinator, "2025-02-01", status="in_progress")
    change(session, a3, coordinator, "2025-03-05", status="implemented", comment="Law adopted.")
    change(session, a4, coordinator, "2025-04-01", status="not_applicable", comment="No lakes.")
    change(session, a5, coordinator, "2025-04-20", due_on=dt.date(2025, 8, 20), reason=why)
    change(session, a5, coordinator, "2025-05-01", status="blocked", comment="Waiting.")
    actions.append(add_action(session, programme, texts[5], "2025-05-20"))
    session.commit()
    return World(programme, coordinator, owner_a, organisation, actions)
