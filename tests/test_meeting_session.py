"""The meeting as a working session: planned meetings, the agenda, one save for every decision."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD
from tests.summary_data import World, add_action, at, build_world, change
from tracker.models import Action, ActionEvent, AgendaItem, EventKind, Meeting, MeetingAttendee
from tracker.services import agenda as agenda_service
from tracker.services import meetings as meeting_service
from tracker.services import users as user_service

KHMER_COMMENT = "អនុម័ត"


def _signed_in_coordinator(session: Session, world: World, login: Any) -> None:
    world.coordinator.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(world.coordinator)
    session.commit()
    login(world.coordinator)


def _meeting(session: Session, world: World, day: dt.date, title: str = "TWG") -> Meeting:
    meeting = meeting_service.record_meeting(
        session, world.programme, held_on=day, title=title, actor=world.coordinator
    )
    session.commit()
    return meeting


def test_ten_decisions_in_one_save_with_one_stale(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """Ten agenda decisions saved in one request, one of them stale: nine are recorded (one
    event per change, each naming the meeting); the stale one is reported, nothing of it is
    saved, and the page keeps what was typed for it with the version to save on top of."""
    world = build_world(session)
    extra = [add_action(session, world.programme, f"New ask {n}", "2025-05-25") for n in range(4)]
    session.commit()
    actions = [*world.actions, *extra]
    _signed_in_coordinator(session, world, login)
    meeting = _meeting(session, world, dt.date(2025, 6, 14))
    for action in actions:
        added = client.post(f"/meetings/{meeting.id}/agenda/add", data={"action_id": action.id})
        assert added.status_code == 303
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    versions = {int(m[1]): m[2] for m in re.finditer(r'name="d-(\d+)-version" value="(\d+)"', page)}
    assert sorted(versions) == sorted(a.id for a in actions)

    a1, a2, a3, a4, a5, a6, n1, n2, n3, n4 = actions
    # Someone else saves n4 while the meeting is deciding.
    change(session, n4, world.coordinator, "2025-06-14", 5, comment="Changed meanwhile.")
    session.commit()
    org = f"organisation:{world.organisation.id}"
    typed = {
        a1.id: {"due_on": "2025-09-30", "comment": "Give them a quarter."},
        a2.id: {"status": "blocked", "comment": "Waits for the budget law."},
        a3.id: {"comment": "Law published."},
        a4.id: {"comment": "Still no lakes."},
        a5.id: {"status": "in_progress", "comment": "Unblocked by the ministry."},
        a6.id: {"owner": f"user:{world.owner_a.id}", "comment": "Anna takes it."},
        n1.id: {"owner": org, "due_on": "2026-03-31", "comment": "NDA leads, by March."},
        n2.id: {"status": "in_progress", "due_on": "2026-06-30", "comment": "Started."},
        n3.id: {"comment": KHMER_COMMENT},
        n4.id: {"status": "in_progress", "comment": "Typed for the stale one."},
    }
    data: dict[str, Any] = {"item": [str(a.id) for a in actions]}
    for action in actions:
        data[f"d-{action.id}-version"] = versions[action.id]
        for name, value in typed[action.id].items():
            data[f"d-{action.id}-{name}"] = value
    response = client.post(f"/meetings/{meeting.id}/agenda/decisions", data=data)

    assert response.status_code == 409
    body = response.get_data(as_text=True)
    session.rollback()
    events = session.exec(
        select(ActionEvent)
        .where(ActionEvent.meeting_id == meeting.id)
        .order_by(col(ActionEvent.id))
    ).all()
    by_action: dict[int, list[EventKind]] = {}
    for event in events:
        by_action.setdefault(event.action_id, []).append(event.kind)
    assert by_action == {
        a1.id: [EventKind.due_date_changed],
        a2.id: [EventKind.status_changed],
        a3.id: [EventKind.comment],
        a4.id: [EventKind.comment],
        a5.id: [EventKind.status_changed],
        a6.id: [EventKind.owner_changed],
        n1.id: [EventKind.owner_changed, EventKind.due_date_changed],
        n2.id: [EventKind.status_changed, EventKind.due_date_changed],
        n3.id: [EventKind.comment],
    }
    assert len(events) == 11 and all(e.meeting_id == meeting.id for e in events)
    session.expire_all()
    assert session.get(Action, a1.id).due_on == dt.date(2025, 9, 30)
    assert session.get(Action, n1.id).owner_organisation_id == world.organisation.id
    stale_now = session.get(Action, n4.id)
    assert stale_now.status.value == "not_started"  # nothing of the stale item was saved
    # The stale item: reported, typed values kept, its version now the current one.
    assert "changed by someone else" in body
    item = body[body.index(f'id="item-{n4.id}"') :]
    item = item[: item.index("</li>")]
    assert "Typed for the stale one." in item and "Changed meanwhile." in item
    assert re.search(r'<option value="in_progress" selected>', item)
    assert f'name="d-{n4.id}-version" value="{stale_now.version}"' in item
    # The recorded ones are shown as decided, their fields blank again.
    first = body[body.index(f'id="item-{a3.id}"') :]
    assert "Law published." in first[: first.index("</li>")]
    assert f'name="d-{a3.id}-comment" rows="2"></textarea>' in first

    # Saving again records the stale one on top of what changed meanwhile.
    again = client.post(
        f"/meetings/{meeting.id}/agenda/decisions",
        data={
            "item": [str(n4.id)],
            f"d-{n4.id}-version": str(stale_now.version),
            f"d-{n4.id}-status": "in_progress",
            f"d-{n4.id}-comment": "Typed for the stale one.",
        },
    )
    assert again.status_code == 303
    session.rollback()
    session.expire_all()
    assert session.get(Action, n4.id).status.value == "in_progress"


def test_invalid_item_is_marked_and_the_others_recorded(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """A decision the workflow refuses (no comment for a block) is marked on its item with
    what was typed (422); the other item of the same save is recorded."""
    world = build_world(session)
    _signed_in_coordinator(session, world, login)
    meeting = _meeting(session, world, dt.date(2025, 6, 14))
    a1, a2 = world.actions[:2]
    for action in (a1, a2):
        agenda_service.add_agenda_item(session, meeting, action.id)
        session.refresh(action)
    session.commit()
    response = client.post(
        f"/meetings/{meeting.id}/agenda/decisions",
        data={
            "item": [str(a1.id), str(a2.id)],
            f"d-{a1.id}-version": str(a1.version),
            f"d-{a1.id}-comment": "Noted.",
            f"d-{a2.id}-version": str(a2.version),
            f"d-{a2.id}-status": "blocked",
            f"d-{a2.id}-due_on": "2025-02-30",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    item = body[body.index(f'id="item-{a2.id}"') :]
    assert 'aria-invalid="true"' in item[: item.index("</li>")]
    assert 'value="2025-02-30"' in item
    session.rollback()
    kinds = session.exec(
        select(ActionEvent.action_id).where(ActionEvent.meeting_id == meeting.id)
    ).all()
    assert kinds == [a1.id]


def test_agenda_built_from_the_programme(session: Session) -> None:
    """The proposal: overdue, blocked, due before the next planned meeting, changed since the
    previous meeting; closed actions never; a second build adds only what is new."""
    world = build_world(session)
    a1, a2, a3, a4, a5, a6 = world.actions
    _meeting(session, world, dt.date(2025, 5, 31), "May")
    june = _meeting(session, world, dt.date(2025, 6, 14), "June")
    _meeting(session, world, dt.date(2025, 7, 15), "July")  # the next planned one
    change(session, a6, world.coordinator, "2025-06-10", comment="Discussed by mail.")
    session.commit()
    proposal = dict(agenda_service.propose_agenda(session, june, dt.date(2025, 6, 14)))
    assert proposal == {
        a1.id: ["overdue"],  # due 1 Jun
        a2.id: ["due_soon"],  # due 1 Jul, before the July meeting
        a5.id: ["blocked"],
        a6.id: ["changed"],  # commented after the May meeting
    }
    assert a3.id not in proposal and a4.id not in proposal  # implemented, not applicable
    assert agenda_service.prepare_agenda(session, june, dt.date(2025, 6, 14)) == 4
    assert agenda_service.prepare_agenda(session, june, dt.date(2025, 6, 14)) == 0
    session.commit()
    items = agenda_service.list_agenda(session, june.id)
    assert [i.action_id for i in items] == [a1.id, a2.id, a5.id, a6.id]  # by due date


def test_coordinator_orders_adds_and_removes_items(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """Move up and down, add by number, remove: each a POST, the agenda keeps the order."""
    world = build_world(session)
    _signed_in_coordinator(session, world, login)
    meeting = _meeting(session, world, dt.date(2025, 6, 14))
    a1, a2, a3 = world.actions[:3]
    for action in (a1, a2, a3):
        assert client.post(
            f"/meetings/{meeting.id}/agenda/add", data={"action_id": action.id}
        ).status_code == 303  # fmt: skip
    client.post(f"/meetings/{meeting.id}/agenda/{a3.id}/move", data={"direction": "up"})
    client.post(f"/meetings/{meeting.id}/agenda/{a1.id}/move", data={"direction": "down"})
    client.post(f"/meetings/{meeting.id}/agenda/{a2.id}/remove")
    bad = client.post(f"/meetings/{meeting.id}/agenda/add", data={"action_id": "999999"})
    assert bad.status_code == 422 and "There is no action 999999" in bad.get_data(as_text=True)
    session.rollback()
    order = session.exec(
        select(AgendaItem.action_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(col(AgendaItem.position))
    ).all()
    assert order == [a3.id, a1.id]
    assert client.get(f"/meetings/{meeting.id}/agenda/{a1.id}/remove").status_code == 405


def test_planned_meeting_with_expected_attendees(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """A meeting dated after today is planned, with people and organisations expected; the
    list names the next planned meeting; the pack lists them as attendees."""
    world = build_world(session)
    _signed_in_coordinator(session, world, login)
    pid = world.programme.id
    today = dt.datetime.now(dt.UTC).date()
    later = (today + dt.timedelta(days=60)).isoformat()
    sooner = (today + dt.timedelta(days=20)).isoformat()
    for day, title in ((later, "Later TWG"), (sooner, "Next TWG")):
        created = client.post(
            f"/programmes/{pid}/meetings",
            data={
                "held_on": day, "title": title, "attendees": "Donor representative",
                "attendee_user": [str(world.owner_a.id)],
                "attendee_organisation": [str(world.organisation.id)],
            },
        )  # fmt: skip
        assert created.status_code == 302
    listing = client.get(f"/programmes/{pid}/meetings").get_data(as_text=True)
    assert re.search(r"Next planned meeting: <a [^>]+>Next TWG</a>", listing)
    meeting = session.exec(select(Meeting).where(Meeting.title == "Next TWG")).one()
    rows = session.exec(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting.id))
    assert {(r.user_id, r.organisation_id) for r in rows} == {
        (world.owner_a.id, None),
        (None, world.organisation.id),
    }
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Expected attendees" in page and "planned" in page
    assert "Anna Owner" in page and "NDA" in page and "Donor representative" in page
    refused = client.post(
        f"/programmes/{pid}/meetings",
        data={"held_on": sooner, "title": "X", "attendee_user": ["12x"]},
    )
    assert refused.status_code == 422 and 'value="X"' in refused.get_data(as_text=True)


def test_next_meeting_changes_start_from_the_last(session: Session, client: FlaskClient,
                                                 login: Any) -> None:  # fmt: skip
    """The next meeting's 'changes since' starts from the end of the previous meeting's day,
    so a decision taken at a meeting is a change for the next one."""
    world = build_world(session)
    _signed_in_coordinator(session, world, login)
    first = _meeting(session, world, dt.date(2025, 6, 14), "June")
    a1 = world.actions[0]
    session.refresh(a1)
    meeting_service.apply_decision(
        session, first, a1.id, world.coordinator, a1.version,
        meeting_service.Decision(due_on=dt.date(2025, 9, 30)), at=at("2025-06-20"),
    )  # fmt: skip
    session.commit()
    second = _meeting(session, world, dt.date(2025, 7, 15), "July")
    page = client.get(f"/meetings/{second.id}").get_data(as_text=True)
    assert "From the end of 14 Jun 2025 (June)" in page
    assert "1 Jun 2025 → 30 Sep 2025" in page
