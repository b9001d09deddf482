"""Updating an action: each rule, the events it writes, and no lost update."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, col, select

from tests.factories import make_action, make_programme
from tracker.db import get_engine, new_session
from tracker.models import Action, ActionEvent, EventKind, Meeting, Organisation, Status
from tracker.services import programmes as programme_service
from tracker.services.workflow import (
    UNASSIGNED,
    ActionChange,
    Forbidden,
    InvalidChange,
    Owner,
    StaleVersion,
    update_action,
)

D = dt.date


@pytest.fixture
def org(make_organisation) -> Organisation:
    return make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")


@pytest.fixture
def owner(make_user, org):
    return make_user(role="owner", organisation=org, name="Sokha")


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator", name="Dara")


@pytest.fixture
def action(session: Session, org) -> Action:
    made = make_action(session, owner_organisation_id=org.id)
    session.commit()
    return made


def _events(session: Session, action_id: int, kind: EventKind | None = None) -> list[ActionEvent]:
    session.rollback()
    query = select(ActionEvent).where(ActionEvent.action_id == action_id)
    if kind:
        query = query.where(ActionEvent.kind == kind)
    return list(session.exec(query.order_by(col(ActionEvent.id))))


def _save(session: Session, action: Action, actor, change: ActionChange, version: int = 1):
    updated = update_action(session, action.id, actor, version, change)
    session.commit()
    return updated


def test_owner_moves_to_in_progress_with_comment(session, action, owner) -> None:
    """The status changes, the version goes up and one event records from, to, who and why."""
    updated = _save(session, action, owner, ActionChange(status="in_progress", comment="Started"))
    assert (updated.status, updated.version) == (Status.in_progress, 2)
    [event] = _events(session, action.id, EventKind.status_changed)
    assert (event.status_from, event.status_to) == (Status.not_started, Status.in_progress)
    assert (event.actor_id, event.comment) == (owner.id, "Started")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (ActionChange(status="blocked"), "comment", "comment"),
        (ActionChange(status="implemented"), "comment", "evidence"),
        (ActionChange(status="finished", comment="x"), "status", "Unknown status"),
        (ActionChange(status="in_progress", comment="x" * 10_001), "comment", "10,000"),
        (
            ActionChange(status="implemented", evidence_url="javascript:alert(1)"),
            "evidence_url",
            "http",
        ),
        (ActionChange(status="implemented", evidence_url="ftp://x.org/a"), "evidence_url", "http"),
        (ActionChange(status="implemented", evidence_url="https://"), "evidence_url", "http"),
        (ActionChange(), "comment", "Nothing to save"),
        (ActionChange(status="not_started"), "comment", "Nothing to save"),
    ],
)
def test_invalid_changes_are_refused_and_change_nothing(
    session, action, owner, dump_database, change, field, message
) -> None:
    """Each broken rule names its field, says why, and leaves the database as it was."""
    before = dump_database()
    with pytest.raises(InvalidChange) as refused:
        update_action(session, action.id, owner, 1, change)
    session.rollback()
    assert refused.value.field == field
    assert message in refused.value.message
    assert dump_database() == before


def test_implemented_with_evidence_link_only(session, action, owner) -> None:
    """An evidence link is enough to mark an action implemented; it is kept on the event."""
    url = "https://example.org/workplan.pdf"
    _save(session, action, owner, ActionChange(status="implemented", evidence_url=url))
    [event] = _events(session, action.id, EventKind.status_changed)
    assert event.evidence_url == url and event.status_to == Status.implemented


def test_transition_outside_table_is_invalid(session, action, owner) -> None:
    """An owner cannot move an implemented action back to blocked."""
    action.status = Status.implemented
    session.add(action)
    session.commit()
    with pytest.raises(InvalidChange) as refused:
        update_action(session, action.id, owner, 1, ActionChange(status="blocked", comment="x"))
    assert refused.value.field == "status"
    assert "cannot move" in refused.value.message


def test_owner_cannot_close_as_not_applicable(session, action, owner) -> None:
    """Closing as not applicable is a coordinator's move: the owner is refused, with why."""
    with pytest.raises(Forbidden) as refused:
        update_action(
            session, action.id, owner, 1, ActionChange(status="not_applicable", comment="n/a")
        )
    assert "coordinator" in refused.value.message


def test_other_organisation_and_viewer_are_forbidden(session, action, make_user) -> None:
    """An owner of another organisation and a viewer cannot change the action at all."""
    other_org = Organisation(name="Other", short_name="OTH")
    session.add(other_org)
    session.commit()
    stranger = make_user(role="owner", organisation=other_org)
    viewer = make_user(role="viewer")
    for user in (stranger, viewer):
        with pytest.raises(Forbidden):
            update_action(session, action.id, user, 1, ActionChange(status="in_progress"))
    session.rollback()
    assert _events(session, action.id, EventKind.status_changed) == []


def test_same_status_with_comment_records_comment_event(session, action, owner) -> None:
    """Saving the current status with a comment journals a comment, nothing else."""
    updated = _save(
        session, action, owner, ActionChange(status="not_started", comment="Meeting set")
    )
    assert updated.status == Status.not_started and updated.version == 2
    [event] = [e for e in _events(session, action.id) if e.kind != EventKind.created]
    assert (event.kind, event.comment) == (EventKind.comment, "Meeting set")


def test_reopen_needs_comment(session, action, coordinator) -> None:
    """A coordinator reopens a closed action only with a comment saying why."""
    action.status = Status.implemented
    session.add(action)
    session.commit()
    with pytest.raises(InvalidChange) as refused:
        update_action(session, action.id, coordinator, 1, ActionChange(status="in_progress"))
    assert refused.value.field == "comment"
    session.rollback()
    updated = _save(
        session, action, coordinator, ActionChange(status="in_progress", comment="Evidence weak")
    )
    assert updated.status == Status.in_progress


def test_owner_change_needs_reason_and_is_journalled(
    session, action, coordinator, owner, org
) -> None:
    """Reassigning needs a reason; the event has the owner before and after and the reason."""
    with pytest.raises(InvalidChange) as refused:
        update_action(
            session, action.id, coordinator, 1, ActionChange(owner=Owner(user_id=owner.id))
        )
    assert refused.value.field == "reason"
    session.rollback()
    updated = _save(
        session,
        action,
        coordinator,
        ActionChange(owner=Owner(user_id=owner.id), reason="Sokha leads the workplan"),
    )
    assert (updated.owner_user_id, updated.owner_organisation_id) == (owner.id, None)
    [event] = _events(session, action.id, EventKind.owner_changed)
    assert (event.owner_organisation_from, event.owner_organisation_to) == (org.id, None)
    assert (event.owner_user_from, event.owner_user_to) == (None, owner.id)
    assert event.comment == "Sokha leads the workplan"
    _save(session, updated, coordinator, ActionChange(owner=UNASSIGNED, reason="Left"), version=2)
    session.rollback()
    assert session.get(Action, action.id).owner_user_id is None


def test_owner_cannot_reassign_or_redate(session, action, owner) -> None:
    """Owner and due date changes are coordinators' work: an owner is refused with why."""
    with pytest.raises(Forbidden):
        update_action(session, action.id, owner, 1, ActionChange(owner=UNASSIGNED, reason="x"))
    with pytest.raises(Forbidden):
        update_action(session, action.id, owner, 1, ActionChange(due_on=D(2025, 6, 30), reason="x"))


def test_cannot_assign_to_viewer(session, action, coordinator, make_user) -> None:
    """Only an active person who can act may be named owner."""
    viewer = make_user(role="viewer")
    with pytest.raises(InvalidChange) as refused:
        update_action(
            session,
            action.id,
            coordinator,
            1,
            ActionChange(owner=Owner(user_id=viewer.id), reason="x"),
        )
    assert refused.value.field == "owner"


def test_pin_and_unpin_due_date(session, action, coordinator) -> None:
    """Pinning sets a date that no longer follows the deadline; unpinning follows it again."""
    pinned = _save(
        session,
        action,
        coordinator,
        ActionChange(due_on=D(2030, 6, 30), reason="Agreed at meeting"),
    )
    assert (pinned.due_on, pinned.follows_deadline) == (D(2030, 6, 30), False)
    followed = _save(
        session, action, coordinator, ActionChange(unpin=True, reason="Back"), version=2
    )
    deadline = programme_service.current_deadline(session, action.programme_id)
    assert (followed.due_on, followed.follows_deadline) == (deadline, True)
    events = _events(session, action.id, EventKind.due_date_changed)
    assert [(e.due_from, e.due_to, e.follows_deadline_to, e.comment) for e in events] == [
        (deadline, D(2030, 6, 30), False, "Agreed at meeting"),
        (D(2030, 6, 30), deadline, True, "Back"),
    ]


def test_due_date_before_programme_is_refused(session, action, coordinator) -> None:
    """A due date before the programme existed is refused at the due date field."""
    with pytest.raises(InvalidChange) as refused:
        update_action(
            session, action.id, coordinator, 1, ActionChange(due_on=D(1990, 1, 1), reason="x")
        )
    assert refused.value.field == "due_on"


def test_meeting_and_instant_go_on_every_event(session, action, coordinator, owner) -> None:
    """Changes decided at a meeting name it; the given instant is recorded."""
    meeting = Meeting(programme_id=action.programme_id, held_on=D(2026, 3, 1), title="Q1 review")
    session.add(meeting)
    session.commit()
    at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    update_action(
        session,
        action.id,
        coordinator,
        1,
        ActionChange(
            status="in_progress", comment="Go", owner=Owner(user_id=owner.id), reason="Met"
        ),
        meeting=meeting,
        at=at,
    )
    session.commit()
    events = [e for e in _events(session, action.id) if e.kind != EventKind.created]
    assert {e.kind for e in events} == {EventKind.status_changed, EventKind.owner_changed}
    assert all(e.meeting_id == meeting.id and e.at == at for e in events)


def test_two_sessions_same_version_second_is_stale(app: Flask, action, owner, coordinator) -> None:
    """Two people save from the same version: the first wins, the second is told, nothing lost."""
    engine = get_engine(app)
    with new_session(engine, write=True) as first:
        update_action(first, action.id, owner, 1, ActionChange(status="in_progress", comment="A"))
        first.commit()
    with new_session(engine, write=True) as second:
        with pytest.raises(StaleVersion) as stale:
            update_action(
                second, action.id, coordinator, 1, ActionChange(status="blocked", comment="B")
            )
        second.rollback()
    assert stale.value.current.version == 2
    assert stale.value.current.status == Status.in_progress
    assert [(e.kind, e.comment) for e in stale.value.events] == [(EventKind.status_changed, "A")]
    with new_session(engine) as check:
        comments = [e.comment for e in _events(check, action.id) if e.comment]
        assert comments == ["A"]


def test_conditional_update_catches_a_save_in_between(app: Flask, db_url, action, owner) -> None:
    """A save committed between reading and writing makes the UPDATE match no row: stale."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE: no window to race in")
    engine = get_engine(app)
    with new_session(engine, write=True) as slow:
        fired = []

        @sa.event.listens_for(slow, "do_orm_execute")
        def _interleave(state) -> None:  # another person saves just before our UPDATE
            if state.is_update and not fired:
                fired.append(True)
                with engine.begin() as conn:
                    conn.execute(
                        sa.update(Action).where(col(Action.id) == action.id).values(version=2)
                    )

        with pytest.raises(StaleVersion):
            update_action(
                slow, action.id, owner, 1, ActionChange(status="in_progress", comment="x")
            )
        slow.rollback()
    assert fired
    with new_session(engine) as check:
        assert check.get(Action, action.id).status == Status.not_started


def test_programme_deadline_decision_bumps_version(session, action, owner) -> None:
    """A deadline move re-dates following actions and bumps their version: stale for a reader."""
    programme = make_programme(session)  # unrelated programme must not matter
    assert programme.id != action.programme_id
    from tracker.models import DeadlineKind, Programme

    prog = session.get(Programme, action.programme_id)
    programme_service.record_deadline_change(
        session, prog, kind=DeadlineKind.extension, new_on=D(2030, 12, 31), decided_on=D(2025, 1, 1)
    )
    session.commit()
    with pytest.raises(StaleVersion) as stale:
        update_action(session, action.id, owner, 1, ActionChange(status="in_progress", comment="x"))
    assert [e.kind for e in stale.value.events] == [EventKind.due_date_changed]
