"""Upgrading to programme spaces (issue 11) takes nothing away from anyone."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from tests.factories import insert_row
from tracker import migrate
from tracker.models import Action, Programme, Role, Status, User, utcnow
from tracker.services import policy

BEFORE = "0012"  # the newest revision before programme spaces


def _arrange_old_database(engine: sa.Engine) -> dict[str, int]:
    """Today's data at the previous head: global roles, two programmes, an organisation."""
    now = utcnow().replace(tzinfo=None)
    ids: dict[str, int] = {}
    with engine.begin() as conn:
        ids["org"] = insert_row(
            conn, "organisation", name="Authority", short_name="NMAA", created_at=now
        )
        for role in ("admin", "coordinator", "owner", "viewer"):
            ids[role] = insert_row(
                conn, "user", email=f"{role}@example.org", name=role.title(), role=role,
                organisation_id=ids["org"] if role == "owner" else None, active=True,
                must_change_password=False, session_version=1, is_demo=False, created_at=now,
            )  # fmt: skip
        for number, country in enumerate(("Northland", "Southland"), start=1):
            programme = insert_row(
                conn, "programme", country=country, treaty="APMBC", article="5",
                timezone="UTC", remind_before_days="30", remind_overdue_every_days=7,
                escalate_overdue_days=14, escalate_idle_days=60, countdown_days="30",
                created_at=now,
            )  # fmt: skip
            ids[f"programme{number}"] = programme
            report = insert_row(
                conn, "report", programme_id=programme, publisher="Mine Action Review",
                checksum=f"{number:064d}", warnings="", imported_at=now,
            )  # fmt: skip
            recommendation = insert_row(
                conn, "recommendation", report_id=report, position=1, text="Survey."
            )
            ids[f"action{number}"] = insert_row(
                conn, "action", programme_id=programme, recommendation_id=recommendation,
                title="Survey", owner_organisation_id=ids["org"], status="not_started",
                follows_deadline=True, version=1, created_at=now, updated_at=now,
            )  # fmt: skip
    return ids


def test_upgrade_keeps_what_everyone_could_do(empty_engine: sa.Engine) -> None:
    """After the upgrade each user holds their old role in every programme, every
    organisation takes part everywhere, coordinators may create programmes: every
    user can read, change, assign and manage exactly what they could before."""
    migrate.upgrade(empty_engine, BEFORE)
    ids = _arrange_old_database(empty_engine)
    migrate.upgrade(empty_engine)
    with Session(empty_engine) as session:
        users = {u.role.value: u for u in session.exec(select(User))}
        actions = list(session.exec(select(Action).order_by(Action.id)))
        programmes = list(session.exec(select(Programme)))
        assert len(actions) == 2 and len(programmes) == 2
        for action in actions:
            for role, user in users.items():
                assert policy.may(user, policy.Do.read, action), role
            assert policy.can_update(users["admin"], action)
            assert policy.can_update(users["coordinator"], action)
            assert policy.can_update(users["owner"], action)  # through the organisation
            assert not policy.can_update(users["viewer"], action)
            assert policy.can_assign(users["coordinator"], action)
            assert not policy.can_assign(users["owner"], action)
            assert policy.allowed_transitions(users["owner"], action) == {
                Status.in_progress, Status.blocked, Status.implemented,
            }  # fmt: skip
            assert policy.effective_owner_active(session, action)
            assert policy.can_own(users["owner"], action)
        for programme in programmes:
            assert policy.can_manage_deadlines(users["coordinator"], programme)
            assert not policy.can_manage_deadlines(users["owner"], programme)
        assert policy.may(users["coordinator"], policy.Do.create_programme)
        assert not policy.may(users["owner"], policy.Do.create_programme)
        assert policy.as_access(users["viewer"]).role_in(ids["programme1"]) == Role.viewer
        assert policy.as_access(users["admin"]).programme_ids is None
