"""Many actions at once (issue 14): selection by filter, the confirmation page's versions,
one savepoint per action; what another worker changed meanwhile is refused, not lost."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD
from tests.factories import make_action, make_programme
from tracker.models import Action, ActionEvent, EventKind, Status

SELECTED = 200
EDITED_MEANWHILE = 20


def _world(session: Session, make_user: Any, make_organisation: Any) -> dict[str, Any]:
    """200 not-started actions of one organisation, 5 in progress (outside the filter)."""
    nda = make_organisation(name="Norland Demining Authority", short_name="NDA")
    ops = make_organisation(name="Norland operators", short_name="OPS")
    coordinator = make_user(role="coordinator", name="Coordinator")
    owner = make_user(role="owner", organisation=nda, name="NDA owner")
    programme = make_programme(session)
    actions = [
        make_action(session, programme, owner_organisation_id=nda.id) for _ in range(SELECTED)
    ]
    for _ in range(5):
        make_action(session, programme, owner_organisation_id=nda.id, status=Status.in_progress)
    session.commit()
    return {
        "programme": programme, "coordinator": coordinator, "owner": owner,
        "ops": ops, "actions": actions,
    }  # fmt: skip


def _confirm_all_matching(client: Any, programme_id: int, **change: str) -> tuple[str, list[str]]:
    """The list's "select all that match" with the filter, then the confirmation page."""
    response = client.post(
        "/actions/bulk/confirm",
        data={
            "all_matching": "1",
            "f-programme": str(programme_id),
            "f-status": "not_started",
            **change,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    return page, re.findall(r'name="item" value="(\d+:\d+)"', page)


def _other_worker_edits(app: Any, owner: Any, action_ids: list[int], session: Session) -> None:
    """Another app instance (its own engine and connections) saves each of these actions."""
    client = app.test_client()
    assert (
        client.post(
            "/auth/login", data={"email": owner.email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
    for action_id in action_ids:
        version = session.get(Action, action_id, populate_existing=True).version  # type: ignore[union-attr]
        response = client.post(
            f"/actions/{action_id}/update",
            data={"version": str(version), "status": "in_progress", "comment": "Started."},
        )
        assert response.status_code == 303


def test_two_hundred_reassigned_while_another_worker_edits_twenty(
    app: Flask,
    another_app: Any,
    session: Session,
    make_user: Any,
    make_organisation: Any,
    client_for: Any,
) -> None:
    """Select 200 by filter, confirm, another worker saves 20 of them, then save: those 20
    are refused as stale and listed, 180 are reassigned, each with its own event and the
    one reason; the 20 keep the other worker's change and get no bulk event."""
    world = _world(session, make_user, make_organisation)
    client = client_for(world["coordinator"])
    page, items = _confirm_all_matching(
        client, world["programme"].id,
        owner=f"organisation:{world['ops'].id}", reason="Operators take over (review).",
    )  # fmt: skip
    assert len(items) == SELECTED and "Operators take over" not in page.split("<form")[0]
    edited = [a.id for a in world["actions"][::10]][:EDITED_MEANWHILE]
    _other_worker_edits(another_app(), world["owner"], edited, session)

    started = time.perf_counter()
    response = client.post(
        "/actions/bulk/apply",
        data={"item": items, "owner": f"organisation:{world['ops'].id}",
              "reason": "Operators take over (review)."},
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    print(f"bulk of {SELECTED} applied in {elapsed:.2f} s")
    assert response.status_code == 200
    result = response.get_data(as_text=True)
    assert "180 actions changed" in result and "20 were not changed" in result
    refused = result.split('class="bulk-refused"')[1].split("</ul>")[0]
    assert sorted(int(i) for i in re.findall(r"/actions/(\d+)\"", refused)) == sorted(edited)
    assert refused.count("Changed by someone since the confirmation page.") == EDITED_MEANWHILE

    session.rollback()  # end the test's read transaction: SQLite would show its snapshot
    by_id = {a.id: a for a in session.exec(select(Action))}
    moved = session.exec(
        select(ActionEvent).where(ActionEvent.kind == EventKind.owner_changed)
    ).all()
    assert len(moved) == SELECTED - EDITED_MEANWHILE
    assert {e.comment for e in moved} == {"Operators take over (review)."}
    assert {e.action_id for e in moved}.isdisjoint(edited)
    for action in world["actions"]:
        now = by_id[action.id]
        if action.id in edited:  # the other worker's save stands; nothing of the bulk
            assert (now.status, now.owner_organisation_id) == (
                Status.in_progress,
                action.owner_organisation_id,
            )
        else:
            assert now.owner_organisation_id == world["ops"].id and now.version == 2

    # Saving the same confirmation again changes nothing: every version is stale now.
    again = client.post(
        "/actions/bulk/apply",
        data={"item": items, "owner": f"organisation:{world['ops'].id}", "reason": "Again."},
    )
    assert "0 actions changed" in again.get_data(as_text=True)
    assert (
        len(session.exec(select(ActionEvent.id).where(col(ActionEvent.comment) == "Again.")).all())
        == 0
    )


def test_owner_bulk_changes_status_of_own_actions_only(
    session: Session, make_user: Any, make_organisation: Any, client_for: Any
) -> None:
    """An owner ticks their own actions and another organisation's: theirs move to in
    progress with the comment, the other is refused as not allowed; owner changes are 403
    per item, never half-applied."""
    world = _world(session, make_user, make_organisation)
    foreign = make_action(session, world["programme"], owner_organisation_id=world["ops"].id)
    session.commit()
    client = client_for(world["owner"])
    mine = [a.id for a in world["actions"][:3]]
    items = [f"{i}:1" for i in [*mine, foreign.id]]
    response = client.post(
        "/actions/bulk/apply",
        data={"item": items, "status": "in_progress", "comment": "Teams deployed."},
    )
    result = response.get_data(as_text=True)
    assert "3 actions changed" in result and "Not allowed." in result
    session.expire_all()
    assert {session.get(Action, i).status for i in mine} == {Status.in_progress}  # type: ignore[union-attr]
    assert session.get(Action, foreign.id).status == Status.not_started  # type: ignore[union-attr]

    response = client.post(
        "/actions/bulk/apply",
        data={"item": [f"{mine[0]}:2"], "owner": "none", "reason": "Not ours."},
    )
    assert "Not allowed." in response.get_data(as_text=True)
    assert session.get(Action, mine[0], populate_existing=True).owner_organisation_id is not None  # type: ignore[union-attr]


def test_bulk_refuses_the_whole_request_when_nothing_or_too_much(
    session: Session, make_user: Any, make_organisation: Any, client_for: Any
) -> None:
    """No change, no reason for a reassignment, or more than 1,000: 422, nothing changed."""
    world = _world(session, make_user, make_organisation)
    client = client_for(world["coordinator"])
    ids = [str(a.id) for a in world["actions"][:2]]
    assert client.post("/actions/bulk/confirm", data={"id": ids}).status_code == 422
    response = client.post("/actions/bulk/confirm", data={"id": ids, "owner": "none"})
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    too_many = [f"{n}:1" for n in range(1, 1003)]
    response = client.post("/actions/bulk/apply", data={"item": too_many, "status": "blocked"})
    assert response.status_code == 422
    assert (
        session.exec(select(ActionEvent).where(ActionEvent.kind != EventKind.created)).all() == []
    )


def test_other_programmes_actions_are_not_found(
    session: Session, make_user: Any, make_organisation: Any, client_for: Any
) -> None:
    """An id of a programme the coordinator does not belong to: refused as not found."""
    world = _world(session, make_user, make_organisation)
    elsewhere = make_programme(session, open_to_everyone=False)
    hidden = make_action(session, elsewhere)
    session.commit()
    client = client_for(world["coordinator"])
    response = client.post(
        "/actions/bulk/apply", data={"item": [f"{hidden.id}:1"], "status": "in_progress"}
    )
    assert "Not found." in response.get_data(as_text=True)
    assert session.get(Action, hidden.id, populate_existing=True).status == Status.not_started  # type: ignore[union-attr]


def test_api_bulk_two_hundred_with_twenty_edited_meanwhile(
    app: Flask, another_app: Any, session: Session, make_user: Any, make_organisation: Any
) -> None:
    """The same through the API: the 200 read by the same filter, 20 saved by another
    worker, one POST /actions/bulk: 200 answers, one result per action, 20 stale with the
    current version, 180 changed with the new one, each with its event."""
    from tracker.services import tokens as token_service

    world = _world(session, make_user, make_organisation)
    secret = token_service.create_token(session, world["coordinator"], "bulk", "write").secret
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    listed = client.get(
        "/api/v1/actions",
        query_string={"programme": world["programme"].id, "status": "not_started",
                      "per_page": 200},
        headers=headers,
    ).get_json()  # fmt: skip
    items = [{"id": a["id"], "version": a["version"]} for a in listed["items"]]
    assert len(items) == SELECTED
    edited = [a.id for a in world["actions"][::10]][:EDITED_MEANWHILE]
    _other_worker_edits(another_app(), world["owner"], edited, session)

    change = {"owner": {"organisation_id": world["ops"].id}, "reason": "Operators take over."}
    started = time.perf_counter()
    response = client.post(
        "/api/v1/actions/bulk", json={"items": items, "change": change}, headers=headers
    )
    print(f"API bulk of {SELECTED} in {time.perf_counter() - started:.2f} s")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert (body["changed"], body["refused"]) == (SELECTED - EDITED_MEANWHILE, EDITED_MEANWHILE)
    assert [r["id"] for r in body["items"]] == [i["id"] for i in items]
    stale = {r["id"]: r for r in body["items"] if r["outcome"] == "refused"}
    assert sorted(stale) == sorted(edited)
    assert {(r["reason"], r["version"]) for r in stale.values()} == {("stale", 2)}
    assert {r["version"] for r in body["items"] if r["outcome"] == "changed"} == {2}
    session.rollback()
    moved = session.exec(
        select(ActionEvent.action_id).where(ActionEvent.kind == EventKind.owner_changed)
    ).all()
    assert len(moved) == SELECTED - EDITED_MEANWHILE and set(moved).isdisjoint(edited)

    refused = client.post(
        "/api/v1/actions/bulk", json={"items": items[:1], "change": {}}, headers=headers
    )
    assert refused.status_code == 422


def test_select_all_follows_a_typed_owner_and_never_widens(
    session: Session, make_user: Any, make_organisation: Any, client_for: Any
) -> None:
    """'Select all that match' with the owner typed in the filter: exactly that person's
    actions; a name that finds nobody selects nothing (422), never every owner's."""
    world = _world(session, make_user, make_organisation)
    person = make_user(role="owner", name="Sokha Owner", email="sokha@example.org")
    theirs = [make_action(session, world["programme"], owner_user_id=person.id) for _ in range(2)]
    session.commit()
    client = client_for(world["coordinator"])
    base = {"all_matching": "1", "f-programme": str(world["programme"].id), "status": "blocked",
            "comment": "Waiting."}  # fmt: skip
    page = client.post("/actions/bulk/confirm", data=base | {"f-owner": person.email})
    items = re.findall(r'name="item" value="(\d+):\d+"', page.get_data(as_text=True))
    assert sorted(int(i) for i in items) == sorted(a.id for a in theirs)
    nobody = client.post("/actions/bulk/confirm", data=base | {"f-owner": "Nobody Such"})
    assert nobody.status_code == 422 and 'name="item"' not in nobody.get_data(as_text=True)
