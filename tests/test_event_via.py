"""Where a change was made, in the action's history: a change through the API carries
``via="api"`` (an update, a bulk update, an evidence upload) and the page says "through
the API"; one on the page carries nothing; a meeting's decision names its meeting and day."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import DEFAULT_PASSWORD
from tests.test_api import World, bearer, patch, token_for, version_of
from tests.test_api import world as world
from tests.test_api_evidence import PDF
from tracker.models import Action, ActionEvent, Meeting, Status
from tracker.services import meetings as meeting_service
from tracker.services.passwords import hash_password


def _vias(session: Session, action_id: int) -> list[tuple[str, str | None]]:
    session.commit()  # end the read transaction: the requests committed in their own
    events = session.exec(
        select(ActionEvent).where(ActionEvent.action_id == action_id).order_by(col(ActionEvent.id))
    )
    return [(event.kind.value, event.via) for event in events]


def _page(session: Session, client_for: Any, world: World, action_id: int) -> str:
    coordinator = world.coordinator
    coordinator.password_hash = hash_password(DEFAULT_PASSWORD)
    session.add(coordinator)
    session.commit()
    client = client_for(coordinator)
    return " ".join(client.get(f"/actions/{action_id}").get_data(as_text=True).split())


def test_changes_through_the_api_say_so(
    client: FlaskClient, session: Session, world: World, client_for: Any
) -> None:
    """PATCH, the bulk update and an evidence upload record via "api"; the API's history
    returns it and the action page says "through the API"; a save on the page records
    nothing and says nothing."""
    owner = token_for(session, world.owner)
    assert (
        patch(client, owner, world.mine, {"version": 1, "status": "in_progress"}).status_code == 200
    )
    upload = client.post(
        f"/api/v1/actions/{world.mine}/evidence",
        data={
            "version": str(version_of(client, owner, world.mine)),
            "comment": "Scan",
            "file": (io.BytesIO(PDF), "scan.pdf"),
        },
        headers=bearer(owner),
        content_type="multipart/form-data",
    )
    assert upload.status_code in {200, 201}, upload.get_data(as_text=True)
    coordinator = token_for(session, world.coordinator)
    items = [{"id": world.open_one, "version": version_of(client, coordinator, world.open_one)}]
    bulk = client.post(
        "/api/v1/actions/bulk",
        json={"items": items, "change": {"comment": "Checked by the office."}},
        headers=bearer(coordinator),
    )
    assert bulk.status_code == 200, bulk.get_data(as_text=True)
    assert _vias(session, world.mine) == [
        ("created", None), ("status_changed", "api"), ("comment", "api"),
    ]  # fmt: skip
    assert _vias(session, world.open_one) == [("created", None), ("comment", "api")]
    history = client.get(f"/api/v1/actions/{world.mine}", headers=bearer(owner)).json["history"]
    assert [e["via"] for e in history] == [None, "api", "api"]

    html = _page(session, client_for, world, world.mine)
    assert html.count("· through the API") == 2
    action = session.get(Action, world.theirs)
    assert action is not None
    client = client_for(world.coordinator)
    saved = client.post(
        f"/actions/{world.theirs}/update",
        data={
            "version": str(action.version),
            "status": Status.in_progress.value,
            "comment": "On the page.",
        },
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    assert _vias(session, world.theirs)[-1] == ("status_changed", None)
    assert "through the API" not in _page(session, client_for, world, world.theirs)


def test_a_meeting_decision_names_the_meeting_and_its_day(
    session: Session, world: World, client_for: Any
) -> None:
    """The history of a decision taken at a meeting says which meeting, and when it met."""
    meeting = Meeting(programme_id=world.programme_id, held_on=dt.date(2025, 6, 14),
                      title="Working group")  # fmt: skip
    session.add(meeting)
    session.commit()
    action = session.get(Action, world.mine)
    assert action is not None
    meeting_service.apply_decision(
        session, meeting, world.mine, world.coordinator, action.version,
        meeting_service.Decision(status=Status.blocked, comment="Waits for the budget law."),
    )  # fmt: skip
    session.commit()
    events = _vias(session, world.mine)
    assert ("status_changed", None) in events  # the meeting is named by meeting_id
    html = _page(session, client_for, world, world.mine)
    assert "· at the meeting “Working group” of 14 Jun 2025" in html
