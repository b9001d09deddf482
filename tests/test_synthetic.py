"""seed-synthetic: generated data that is reproducible and keeps the workflow's rules."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, SQLModel, col, func, select

from tracker.db import create_db_engine, get_engine, session_scope
from tracker.models import (
    CLOSED_STATUSES,
    Action,
    ActionEvent,
    EventKind,
    Programme,
    Recommendation,
    Status,
    User,
)
from tracker.seed import synthetic
from tracker.seed.history import LONG_HISTORY_FACTOR
from tracker.services import programmes as programme_service
from tracker.services.policy import TRANSITIONS

TODAY = "2026-03-02"
SEED_ARGS = [
    "seed-synthetic", "--programmes", "3", "--actions", "60", "--events-per-action", "4",
    "--seed", "7", "--today", TODAY,
]  # fmt: skip


def _rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(sa.select(table))), key=lambda r: r[0]
            )
            for table in SQLModel.metadata.sorted_tables
        }


def test_same_seed_gives_the_same_rows(
    runner: FlaskCliRunner, app: Flask, sqlite_template: Path, tmp_path: Path
) -> None:
    """Seeding two empty databases with one seed and day writes identical rows."""
    first = runner.invoke(args=SEED_ARGS)
    assert first.exit_code == 0, first.output
    assert "seeded 3 programmes" in first.output

    other_path = tmp_path / "other.sqlite"
    shutil.copy(sqlite_template, other_path)
    other = create_db_engine(f"sqlite:///{other_path}")
    plan = synthetic.SyntheticPlan(3, 60, 4, seed=7, today=dt.date.fromisoformat(TODAY))
    with session_scope(engine=other) as session:
        synthetic.seed_synthetic(session, plan)
    assert _rows(get_engine(app)) == _rows(other)

    third_path = tmp_path / "third.sqlite"
    shutil.copy(sqlite_template, third_path)
    third = create_db_engine(f"sqlite:///{third_path}")
    with session_scope(engine=third) as session:
        synthetic.seed_synthetic(session, synthetic.SyntheticPlan(3, 60, 4, seed=8))
    assert _rows(third)["action"] != _rows(other)["action"]
    other.dispose()
    third.dispose()


def test_seeded_actions_spread_over_programmes_statuses_and_dates(
    runner: FlaskCliRunner, session: Session
) -> None:
    """N actions over P distinct programmes, every status, some overdue, owners and not."""
    assert runner.invoke(args=SEED_ARGS).exit_code == 0
    today = dt.date.fromisoformat(TODAY)
    programmes = list(session.exec(select(Programme)))
    assert len({(p.country, p.treaty) for p in programmes}) == 3
    actions = list(session.exec(select(Action)))
    assert len(actions) == 60
    per_programme = defaultdict(int)
    for action in actions:
        per_programme[action.programme_id] += 1
    assert sorted(per_programme.values()) == [20, 20, 20]
    assert {a.status for a in actions} == set(Status)
    overdue = [a for a in actions if a.status not in CLOSED_STATUSES and a.due_on < today]
    assert overdue
    assert any(a.owner_user_id is None for a in actions)
    assert any(a.owner_user_id is not None for a in actions)
    assert session.exec(select(func.count()).select_from(Recommendation)).one() == 60
    for programme in programmes:
        assert programme_service.current_deadline(session, programme.id) is not None
    owners = session.exec(select(User).where(col(User.id).in_({a.owner_user_id for a in actions})))
    assert all(u.password_hash is None and u.is_demo for u in owners)


def test_each_history_rebuilds_its_action(runner: FlaskCliRunner, session: Session) -> None:
    """The created event comes first; replaying the events ends in the action's state."""
    assert runner.invoke(args=SEED_ARGS).exit_code == 0
    events: dict[int, list[ActionEvent]] = defaultdict(list)
    for event in session.exec(select(ActionEvent).order_by(col(ActionEvent.at), ActionEvent.id)):
        events[event.action_id].append(event)
    actions = list(session.exec(select(Action)))
    lengths = sorted(len(events[a.id]) for a in actions)
    # One action per programme has a long history; the others have exactly E events.
    assert lengths == [4] * 57 + [4 * LONG_HISTORY_FACTOR] * 3
    for action in actions:
        history = events[action.id]
        assert history[0].kind == EventKind.created
        assert all(e.kind != EventKind.created for e in history[1:])
        status = history[0].status_to
        owner = history[0].owner_user_to
        due = history[0].due_to
        for event in history[1:]:
            if event.kind == EventKind.status_changed:
                assert event.status_from == status
                status = event.status_to
            elif event.kind == EventKind.owner_changed:
                assert event.owner_user_from == owner
                owner = event.owner_user_to
            elif event.kind == EventKind.due_date_changed:
                assert event.due_from == due
                due = event.due_to
        assert (status, owner, due) == (action.status, action.owner_user_id, action.due_on)
        assert action.version == len(history)
        assert action.updated_at == history[-1].at
        assert action.created_at == history[0].at


def test_bad_sizes_and_a_second_run_exit_2(runner: FlaskCliRunner, dump_database: Any) -> None:
    """Fewer actions than programmes, or the same seed again, exit 2 and store nothing."""
    too_few = runner.invoke(args=["seed-synthetic", "--programmes", "5", "--actions", "2"])
    assert too_few.exit_code == 2
    assert too_few.output.strip().splitlines()[-1].startswith("error: --actions")
    assert runner.invoke(args=SEED_ARGS).exit_code == 0
    before = dump_database()
    again = runner.invoke(args=SEED_ARGS)
    assert again.exit_code == 2
    assert "already has a programme" in again.output
    assert dump_database() == before


def test_seeding_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    """Without init-db first, seed-synthetic exits 2 with one line naming the fix."""
    from tracker import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}"})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=SEED_ARGS)
    assert result.exit_code == 2
    assert "run 'flask --app tracker init-db' first" in result.output


def test_every_generated_status_move_is_an_allowed_transition(
    runner: FlaskCliRunner, session: Session
) -> None:
    """Each seeded status change is a move the workflow's transition table allows."""
    assert runner.invoke(args=SEED_ARGS).exit_code == 0
    moves = session.exec(
        select(ActionEvent.status_from, ActionEvent.status_to).where(
            ActionEvent.kind == EventKind.status_changed
        )
    ).all()
    assert moves
    assert {(source, target) for source, target in moves} <= set(TRANSITIONS)


def test_generated_programmes_have_members_like_a_deployment(
    runner: FlaskCliRunner, session: Session
) -> None:
    """Each programme has coordinators, its owners, viewers and its bodies; the first
    coordinator coordinates every programme and so reads every action."""
    from tracker.models import Membership, Participation, Role
    from tracker.services import listing, policy

    assert runner.invoke(args=SEED_ARGS).exit_code == 0
    programmes = {p.id for p in session.exec(select(Programme))}
    head = session.exec(
        select(User).where(User.role == Role.coordinator).order_by(col(User.id))
    ).first()
    assert head is not None
    roles: dict[int, dict[int, Role]] = defaultdict(dict)
    for member in session.exec(select(Membership)):
        roles[member.programme_id][member.user_id] = member.role
    assert set(roles) == programmes
    for programme_id, members in roles.items():
        assert members[head.id] == Role.coordinator
        held = list(members.values())
        assert held.count(Role.coordinator) >= 2
        assert held.count(Role.viewer) == 2
        owners = session.exec(
            select(Action.owner_user_id).where(
                Action.programme_id == programme_id, col(Action.owner_user_id).is_not(None)
            )
        ).all()
        assert owners and all(members.get(owner) == Role.owner for owner in owners)
        taking_part = set(
            session.exec(
                select(Participation.organisation_id).where(
                    Participation.programme_id == programme_id
                )
            )
        )
        owning = session.exec(
            select(Action.owner_organisation_id).where(
                Action.programme_id == programme_id,
                col(Action.owner_organisation_id).is_not(None),
            )
        ).all()
        assert len(taking_part) == 3 and set(owning) <= taking_part
    access = policy.access_for(session, head)
    everything = listing.list_actions(session, listing.ActionFilter.from_args({}, reader=access))
    assert everything.total == 60


def test_generated_progress_agrees_between_headline_and_burnup(
    runner: FlaskCliRunner, session: Session
) -> None:
    """Generated programmes verify, as every programme does by default: their implemented
    actions count as verified (histories from before verification, as after an upgrade),
    so the headline's verified figure and the burn-up's last point are the same number."""
    from tracker.services import summary as summary_service

    assert runner.invoke(args=SEED_ARGS).exit_code == 0
    programmes = list(session.exec(select(Programme)))
    assert programmes and all(p.requires_verification for p in programmes)
    for programme in programmes:
        summary = summary_service.summarise_programme(
            session, programme, today=dt.date.fromisoformat(TODAY)
        )
        implemented = summary.figures.by_status[Status.implemented]
        assert implemented > 0
        assert summary.figures.verified == implemented == summary.burnup[-1].verified
        assert summary.figures.done == implemented
