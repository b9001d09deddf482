"""Upgrading to verified completion (issue 14) moves no progress figure."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from tests.factories import insert_row
from tracker import migrate
from tracker.models import Action, Membership, Programme, Status, Verification, utcnow
from tracker.services import snapshot
from tracker.services import summary as summary_service

BEFORE = "0013"  # the newest revision before verification


def _arrange_old_database(engine: sa.Engine) -> int:
    """A programme at the previous head: one action implemented a week ago (with its
    journal), one in progress, one not applicable, one not started; returns its id."""
    week_ago = (utcnow() - dt.timedelta(days=7)).replace(tzinfo=None)
    with engine.begin() as conn:
        user = insert_row(
            conn, "user", email="owner@example.org", name="Owner", role="owner", active=True,
            must_change_password=False, session_version=1, is_demo=False, created_at=week_ago,
            may_create_programmes=False,
        )  # fmt: skip
        programme = insert_row(
            conn, "programme", country="Northland", treaty="APMBC", article="5",
            timezone="UTC", remind_before_days="30", remind_overdue_every_days=7,
            escalate_overdue_days=14, escalate_idle_days=60, countdown_days="30",
            created_at=week_ago, published=False,
        )  # fmt: skip
        insert_row(
            conn, "membership", user_id=user, programme_id=programme, role="owner",
            created_at=week_ago, changed_at=week_ago,
        )  # fmt: skip
        report = insert_row(
            conn, "report", programme_id=programme, publisher="Mine Action Review",
            checksum="1" * 64, warnings="", imported_at=week_ago,
        )  # fmt: skip
        statuses = ("implemented", "in_progress", "not_applicable", "not_started")
        for position, status in enumerate(statuses, start=1):
            recommendation = insert_row(
                conn, "recommendation", report_id=report, position=position, text="Survey."
            )
            action = insert_row(
                conn, "action", programme_id=programme, recommendation_id=recommendation,
                title=f"Action {position}", status=status, follows_deadline=True, version=2,
                created_at=week_ago, updated_at=week_ago,
            )  # fmt: skip
            insert_row(
                conn, "action_event", action_id=action, kind="created", at=week_ago,
                status_to="not_started",
            )  # fmt: skip
            if status != "not_started":
                insert_row(
                    conn, "action_event", action_id=action, kind="status_changed",
                    at=week_ago + dt.timedelta(minutes=1), actor_id=user,
                    status_from="not_started", status_to=status, comment="Done.",
                )  # fmt: skip
    return programme


def test_upgrade_verifies_what_was_implemented(empty_engine: sa.Engine) -> None:
    """Implemented actions become verified, the others need none; the existing programme
    does not require verification and nobody is made a verifier; progress (now, and as of
    yesterday) is what it was, and stays so when a coordinator switches verification on."""
    migrate.upgrade(empty_engine, BEFORE)
    programme_id = _arrange_old_database(empty_engine)
    migrate.upgrade(empty_engine)
    with Session(empty_engine) as session:
        states = {a.title: (a.status, a.verification) for a in session.exec(select(Action))}
        assert states == {
            "Action 1": (Status.implemented, Verification.verified),
            "Action 2": (Status.in_progress, Verification.not_required),
            "Action 3": (Status.not_applicable, Verification.not_required),
            "Action 4": (Status.not_started, Verification.not_required),
        }
        programme = session.get(Programme, programme_id)
        assert programme is not None and programme.requires_verification is False
        assert not any(m.verifies for m in session.exec(select(Membership)))

        figures = summary_service.count_figures(session, programme_id, dt.date.today())
        assert (figures.implemented, figures.verified, figures.awaiting) == (1, 1, 0)
        assert figures.percent_done == figures.percent_implemented == 100 / 3
        yesterday = snapshot.take_snapshot(session, programme, dt.date.today() - dt.timedelta(1))
        assert (yesterday.verified, yesterday.awaiting) == (1, 0)
        assert yesterday.percent_done == yesterday.percent_implemented == 100 / 3

        programme.requires_verification = True
        session.add(programme)
        session.commit()
        figures = summary_service.count_figures(session, programme_id, dt.date.today())
        assert figures.requires_verification and figures.percent_done == 100 / 3
