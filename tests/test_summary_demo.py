"""The Cambodia demo story: accounts, owners, a year of history and a recorded meeting."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, func, select

from tracker.models import Action, ActionEvent, Meeting, Programme, Status, User
from tracker.services import snapshot as snapshot_service


def test_demo_story_is_loaded_once_with_unusable_demo_accounts(
    runner: FlaskCliRunner, session: Session
) -> None:
    """Eight demo accounts without passwords, owners on all five actions; a rerun adds nothing."""
    first = runner.invoke(args=["load-demo"])
    assert "year of history" in first.output
    events = session.exec(select(func.count()).select_from(ActionEvent)).one()
    second = runner.invoke(args=["load-demo"])
    assert second.exit_code == 0 and "year of history" not in second.output
    session.rollback()
    assert session.exec(select(func.count()).select_from(ActionEvent)).one() == events
    demo = session.exec(select(User).where(col(User.is_demo))).all()
    assert len(demo) == 8 and all(u.password_hash is None for u in demo)
    assert all(u.name.startswith("Demo:") for u in demo)
    actions = session.exec(select(Action).order_by(col(Action.id))).all()
    assert all(a.owner_user_id for a in actions)
    assert [a.status for a in actions] == [
        Status.blocked, Status.in_progress, Status.implemented, Status.implemented,
        Status.in_progress,
    ]  # fmt: skip
    assert [a.due_on for a in actions] == [
        dt.date(2024, 12, 31), dt.date(2030, 12, 31), dt.date(2024, 3, 31),
        dt.date(2024, 9, 30), dt.date(2030, 12, 31),
    ]  # fmt: skip


def test_demo_march_2024_meeting_shows_its_decision_and_past_state(
    runner: FlaskCliRunner, session: Session
) -> None:
    """The Mar 2024 meeting moved action 4 to 30 Sep 2024; as of then action 3 was in progress."""
    runner.invoke(args=["load-demo"])
    programme = session.exec(select(Programme)).one()
    march = session.exec(select(Meeting).where(Meeting.held_on == dt.date(2024, 3, 14))).one()
    decision = session.exec(select(ActionEvent).where(ActionEvent.meeting_id == march.id)).one()
    assert decision.due_to == dt.date(2024, 9, 30)
    snapshot = snapshot_service.take_snapshot(session, programme, march.held_on)
    states = {s.action_id: (s.status, s.due_on) for s in snapshot.actions}
    assert states[3] == (Status.in_progress, dt.date(2024, 3, 31))
    assert states[4] == (Status.in_progress, dt.date(2024, 9, 30))
    assert states[2] == (Status.not_started, dt.date(2025, 12, 31))
    changes = snapshot_service.changes_between(
        session, programme, dt.date(2023, 12, 12), march.held_on
    )
    assert changes.counts["status"] == 3 and changes.counts["redated"] == 1
