"""Review meetings: the "as of" snapshot, changes since the previous meeting, decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD
from tests.summary_data import World, add_action, at, build_world, change
from tracker.models import Action, ActionEvent, DeadlineKind, Meeting, Status
from tracker.services import meetings as meeting_service
from tracker.services import programmes as programme_service
from tracker.services import snapshot as snapshot_service
from tracker.services import users as user_service
from tracker.services.workflow import Owner


def _state_now(session: Session, programme_id: int) -> dict[int, tuple[Any, ...]]:
    session.expire_all()
    actions = session.exec(select(Action).where(Action.programme_id == programme_id))
    return {a.id: (a.status, a.owner_user_id, a.owner_organisation_id, a.due_on) for a in actions}


def _snapshot_state(snapshot: snapshot_service.Snapshot) -> dict[int, tuple[Any, ...]]:
    return {
        s.action_id: (s.status, s.owner_user_id, s.owner_organisation_id, s.due_on)
        for s in snapshot.actions
    }


def test_as_of_snapshot_equals_state_recorded_at_three_meetings(session: Session) -> None:
    """At each of three meetings the rebuilt state equals the actions' state at that time."""
    world = build_world(session)  # history up to 20 May 2025
    programme, coordinator = world.programme, world.coordinator
    a1, a2, _a3, _a4, a5, a6 = world.actions
    recorded = {}
    first = meeting_service.record_meeting(
        session, programme, held_on=dt.date(2025, 5, 31), title="Q2 review", actor=coordinator
    )
    session.commit()
    recorded[first.id] = _state_now(session, programme.id)

    # After the first meeting: changes dated June, one of them late on the meeting's own
    # day in UTC but already the next day in Phnom Penh (UTC+7), so after the meeting.
    change(session, a6, coordinator, "2025-05-31", 20, owner=Owner(user_id=world.owner_a.id),
           reason="Late evening in Phnom Penh.")  # fmt: skip
    change(session, a5, coordinator, "2025-06-10", status="in_progress", comment="Unblocked.")
    second = meeting_service.record_meeting(
        session, programme, held_on=dt.date(2025, 6, 30), title="Q3 review", actor=coordinator
    )
    meeting_service.apply_decision(
        session, second, a2.id, coordinator, session.get(Action, a2.id).version,
        meeting_service.Decision(due_on=dt.date(2025, 9, 30)), at=at("2025-06-30", 5),
    )  # fmt: skip
    session.commit()
    recorded[second.id] = _state_now(session, programme.id)

    change(session, a2, world.owner_a, "2025-08-01", status="implemented", comment="Done.")
    add_action(session, programme, "A recommendation of the next edition", "2025-08-15")
    programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=dt.date(2035, 12, 31),
        requested_on=dt.date(2025, 8, 20),
    )  # fmt: skip
    third = meeting_service.record_meeting(
        session, programme, held_on=dt.date(2025, 9, 30), title="Q4 review", actor=coordinator
    )
    session.commit()
    recorded[third.id] = _state_now(session, programme.id)

    # Later changes must not leak into any snapshot.
    change(session, a1, coordinator, "2025-10-05", status="implemented", comment="Late.")
    session.commit()
    for meeting in (first, second, third):
        snapshot = snapshot_service.take_snapshot(session, programme, meeting.held_on)
        assert _snapshot_state(snapshot) == recorded[meeting.id], meeting.title
    assert snapshot_service.take_snapshot(session, programme, third.held_on).total == 7


def test_changes_since_previous_meeting(session: Session) -> None:
    """Status moves, newly overdue, re-dated, reassigned, new actions and deadline records."""
    world = build_world(session)
    programme, coordinator = world.programme, world.coordinator
    a1, a2, a3, _a4, a5, a6 = world.actions
    change(session, a5, coordinator, "2025-06-10", status="in_progress", comment="Unblocked.")
    change(session, a6, coordinator, "2025-06-11", owner=Owner(user_id=world.owner_a.id),
           reason="Anna takes it.")  # fmt: skip
    change(session, a3, coordinator, "2025-06-12", due_on=dt.date(2025, 5, 1), reason="Fix.")
    new = add_action(session, programme, "From the 2025 edition", "2025-06-20")
    programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=dt.date(2035, 12, 31),
        requested_on=dt.date(2025, 6, 25),
    )  # fmt: skip
    session.commit()
    changes = snapshot_service.changes_between(
        session, programme, dt.date(2025, 5, 31), dt.date(2025, 7, 2)
    )
    assert changes.counts == {"status": 1, "overdue": 2, "redated": 1, "reassigned": 1, "new": 1}
    assert [m.action_id for m in changes.of("status")] == [a5.id]
    assert changes.of("status")[0].status_from == Status.blocked
    # a1 (due 1 Jun) and a2 (due 1 Jul) are open and past due on 2 Jul, not on 31 May.
    assert [m.action_id for m in changes.of("overdue")] == [a1.id, a2.id]
    assert [(m.action_id, m.due_to) for m in changes.of("redated")] == [
        (a3.id, dt.date(2025, 5, 1))
    ]
    assert [(m.owner_from, m.owner_to) for m in changes.of("reassigned")] == [(None, "Anna Owner")]
    assert [m.action_id for m in changes.of("new")] == [new.id]
    assert [c.new_on for c in changes.deadline_changes] == [dt.date(2035, 12, 31)]


def _signed_in_world(session: Session, login: Any) -> World:
    """The summary world, with its coordinator signed in on the test client."""
    world = build_world(session)
    world.coordinator.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(world.coordinator)
    session.commit()
    login(world.coordinator)
    return world


def _world_with_meeting(session: Session, login: Any) -> tuple[World, Meeting]:
    """The signed-in world and a "Working group" meeting of its programme on 14 June 2025."""
    world = _signed_in_world(session, login)
    meeting = meeting_service.record_meeting(
        session, world.programme, held_on=dt.date(2025, 6, 14), title="Working group",
        actor=world.coordinator,
    )  # fmt: skip
    session.commit()
    return world, meeting


def test_meeting_page_records_and_shows_decisions(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """A coordinator records a meeting, writes a decision, and the history names the meeting."""
    world = _signed_in_world(session, login)
    pid = world.programme.id
    bad = client.post(f"/programmes/{pid}/meetings", data={"held_on": "2025-13-40", "title": "X"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert 'value="X"' in bad.get_data(as_text=True)
    created = client.post(
        f"/programmes/{pid}/meetings",
        data={"held_on": "2025-06-14", "title": "Working group", "attendees": "CMAA\nMEF"},
    )
    assert created.status_code == 302
    meeting = session.exec(select(Meeting)).one()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "State as of 14 Jun 2025" in page and "first meeting" in page
    a2 = world.actions[1]
    form = client.get(f"/meetings/{meeting.id}/decide?action_id={a2.id}")
    assert form.status_code == 200
    session.refresh(a2)
    stale = client.post(
        f"/meetings/{meeting.id}/decisions",
        data={"action_id": a2.id, "version": a2.version - 1, "due_on": "2025-12-31"},
    )
    assert stale.status_code == 409
    done = client.post(
        f"/meetings/{meeting.id}/decisions",
        data={"action_id": a2.id, "version": a2.version, "due_on": "2025-12-31",
              "comment": "Moved by the working group."},
    )  # fmt: skip
    assert done.status_code == 302
    session.rollback()
    assert session.get(Action, a2.id).due_on == dt.date(2025, 12, 31)
    event = session.exec(
        select(ActionEvent)
        .where(ActionEvent.action_id == a2.id)
        .order_by(col(ActionEvent.id).desc())
    ).first()
    assert event.meeting_id == meeting.id and event.comment == "Moved by the working group."
    assert "Moved by the working group." in client.get(f"/meetings/{meeting.id}").get_data(
        as_text=True
    )


def test_meeting_decision_assigns_an_organisation(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """The decision form offers organisations in the action form's encoding, and it saves."""
    world, meeting = _world_with_meeting(session, login)
    action = world.actions[0]
    choice = f"organisation:{world.organisation.id}"
    page = client.get(f"/meetings/{meeting.id}/decide?action_id={action.id}")
    assert f'value="{choice}"' in page.get_data(as_text=True)
    done = client.post(
        f"/meetings/{meeting.id}/decisions",
        data={"action_id": action.id, "version": action.version, "owner": choice,
              "comment": "The authority takes it on."},
    )  # fmt: skip
    assert done.status_code == 302
    session.expire_all()
    saved = session.get(Action, action.id)
    assert (saved.owner_user_id, saved.owner_organisation_id) == (None, world.organisation.id)


def test_viewers_cannot_record_meetings(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """A viewer sees the meetings list without the form and is refused on POST."""
    world = build_world(session)
    login(make_user(role="viewer"))
    pid = world.programme.id
    assert "Record a meeting" not in client.get(f"/programmes/{pid}/meetings").get_data(
        as_text=True
    )
    refused = client.post(
        f"/programmes/{pid}/meetings", data={"held_on": "2025-06-14", "title": "X"}
    )
    assert refused.status_code == 403


def test_a_decision_with_a_new_date_and_a_comment_is_one_history_entry(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """A new date with a comment is one due-date entry carrying the comment, not two entries."""
    world, meeting = _world_with_meeting(session, login)
    action = world.actions[0]
    before = len(session.exec(select(ActionEvent).where(ActionEvent.action_id == action.id)).all())
    done = client.post(
        f"/meetings/{meeting.id}/decisions",
        data={"action_id": action.id, "version": action.version, "due_on": "2026-03-31",
              "comment": "The working group gives them a quarter."},
    )  # fmt: skip
    assert done.status_code == 302
    session.rollback()
    events = session.exec(
        select(ActionEvent).where(ActionEvent.action_id == action.id).order_by(col(ActionEvent.id))
    ).all()[before:]
    assert [(e.kind.value, e.comment, e.meeting_id) for e in events] == [
        ("due_date_changed", "The working group gives them a quarter.", meeting.id)
    ]
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert page.split('id="history"')[1].count("The working group gives them a quarter.") == 1
