"""Naming verifiers from the command line (issue 14): ``add-member ... --verifier``, as the
members page's verifier box does, audited as the command line's change."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from tests.factories import make_action, make_programme
from tracker.models import AuditEntry, Membership
from tracker.services import policy, verifiers


def test_add_member_names_and_unnames_a_verifier(
    session: Session, runner: FlaskCliRunner, make_user: Any
) -> None:
    """--verifier names a member (added or already there) a verifier, who may then verify
    what others own; a repeat changes nothing; --no-verifier takes it back; each change is
    in the audit trail as the command line's."""
    qa = make_user(role="owner", email="qa@cmaa.example")
    owner = make_user(role="owner")
    programme = make_programme(session, open_to_everyone=False)
    action = make_action(session, programme, owner_user_id=owner.id)
    session.commit()
    reference = str(programme.id)

    added = runner.invoke(args=["add-member", qa.email, reference, "owner", "--verifier"])
    assert added.exit_code == 0, added.output
    assert added.output.strip().endswith(": added as owner; now a verifier")
    session.rollback()
    assert verifiers.verifier_ids(session, programme.id) == [qa.id]
    policy.forget_access(session)
    assert policy.refusal(qa, policy.Do.verify, action) is None

    again = runner.invoke(args=["add-member", qa.email, reference, "owner", "--verifier"])
    assert again.exit_code == 0
    assert again.output.strip().endswith(": already owner; already a verifier")

    taken_back = runner.invoke(args=["add-member", qa.email, reference, "owner", "--no-verifier"])
    assert taken_back.exit_code == 0
    assert taken_back.output.strip().endswith(": already owner; no longer a verifier")
    session.rollback()
    assert verifiers.verifier_ids(session, programme.id) == []

    unchanged = runner.invoke(args=["add-member", qa.email, reference, "coordinator"])
    assert unchanged.exit_code == 0 and "verifier" not in unchanged.output
    entries = session.exec(
        select(AuditEntry)
        .where(AuditEntry.kind == "programme.verifier_changed")
        .order_by(col(AuditEntry.id))
    ).all()
    assert [(e.actor_id, e.address, json.loads(e.new or "")) for e in entries] == [
        (None, "command line", {"verifies": True}),
        (None, "command line", {"verifies": False}),
    ]


def test_a_viewer_cannot_be_a_verifier_and_nothing_is_added(
    session: Session, runner: FlaskCliRunner, make_user: Any, dump_database: Any
) -> None:
    """A viewer named verifier exits 2 with one line, and the membership is not added either;
    --verifier with --organisation (a body, not a person) exits 2 too."""
    viewer = make_user(role="viewer")
    programme = make_programme(session, open_to_everyone=False)
    session.commit()
    before = dump_database()
    refused = runner.invoke(
        args=["add-member", viewer.email, str(programme.id), "viewer", "--verifier"]
    )
    assert refused.exit_code == 2
    assert len(refused.output.strip().splitlines()) == 1 and "verifier" in refused.output
    organisation = runner.invoke(
        args=["add-member", "--organisation", "CMAA", str(programme.id), "--verifier"]
    )
    assert organisation.exit_code == 2
    assert dump_database() == before
    assert session.exec(select(Membership).where(Membership.user_id == viewer.id)).first() is None
