"""The two-programme demo (issue 11): Norland is its own space beside Cambodia."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlmodel import Session, select

from tracker.models import DeadlineChange, Programme, Treaty, User
from tracker.services import policy


def test_norland_demo_is_a_separate_space(runner: FlaskCliRunner, session: Session) -> None:
    """load-demo --norland adds Norland with its own coordinator; neither programme's
    coordinator can read the other; Cambodia gets no CCM programme or deadline."""
    first = runner.invoke(args=["load-demo", "--norland"])
    assert first.exit_code == 0 and "Norland demo programme added" in first.output
    again = runner.invoke(args=["load-demo", "--norland"])
    assert again.exit_code == 0 and "Norland" not in again.output
    programmes = {p.country: p for p in session.exec(select(Programme))}
    assert set(programmes) == {"Cambodia", "Norland"}
    assert all(p.treaty == Treaty.APMBC for p in programmes.values())
    cambodia_deadlines = session.exec(
        select(DeadlineChange).where(DeadlineChange.programme_id == programmes["Cambodia"].id)
    ).all()
    assert cambodia_deadlines  # APMBC only: no CCM programme is invented for Cambodia
    norland = session.exec(select(User).where(User.email == "coordinator@norland.example")).one()
    cambodia = session.exec(select(User).where(User.email == "coordinator@cmaa.example")).one()
    assert norland.is_demo and norland.name.startswith("Demo:")
    assert policy.access_for(session, norland).programme_ids == {programmes["Norland"].id}
    assert policy.access_for(session, cambodia).programme_ids == {programmes["Cambodia"].id}
