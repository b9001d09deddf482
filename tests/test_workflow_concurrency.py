"""No lost update: two processes hammer the same actions; every save is applied or refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.factories import make_action, make_programme
from tracker.models import Action, ActionEvent, EventKind

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_two_processes_lose_no_update(session: Session, db_url: str, make_user) -> None:
    """2 processes x 200 saves: applied + conflicts = 400 and every applied save is journalled."""
    per_process = 200 if db_url.startswith("postgresql") else 60
    coordinator = make_user(role="coordinator")
    programme = make_programme(session)
    actions = [make_action(session, programme) for _ in range(2)]
    session.commit()
    ids = [str(a.id) for a in actions]
    command = [sys.executable, "-m", "tests.workflow_hammer", db_url, str(coordinator.id)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [*command, tag, str(per_process), *ids],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("p1", "p2")
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    applied = [c for r in results for c in r["applied"]]
    conflicts = sum(r["conflicts"] for r in results)
    assert len(applied) + conflicts == 2 * per_process
    session.rollback()
    journalled = session.exec(
        select(ActionEvent.comment).where(ActionEvent.kind == EventKind.comment)
    ).all()
    assert sorted(journalled) == sorted(applied)
    versions = sum(session.get(Action, a.id, populate_existing=True).version for a in actions)
    assert versions == len(actions) + len(applied)
