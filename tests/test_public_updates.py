"""Updates shown on the public page (issue 11): nothing of the journal is public until a
coordinator shows an update; then its comment, evidence link and files appear under the
recommendation, without the name of who wrote it, and hiding it takes them off again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.test_evidence import PDF, _post, png
from tracker.models import ActionEvent, EvidenceFile, Programme, PublishedUpdate, Role, Status

SECRET_COMMENT = "Budget line 42 confirmed by Sokha Owner in the 2025 law."


@pytest.fixture
def world(session: Session, make_user, make_organisation, make_action, make_programme) -> Any:
    """A published programme whose owner has posted a comment with a file and a link."""
    own = make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")
    people = {
        "owner": make_user(role="owner", organisation=own, name="Sokha Owner"),
        "coordinator": make_user(role="coordinator", name="Dara Coordinator"),
        "viewer": make_user(role="viewer", name="Vivi Viewer"),
    }
    programme = make_programme(country="Cambodia", deadline=dt.date(2030, 12, 31))
    elsewhere = make_programme(country="Lao PDR", open_to_everyone=False)
    outsider = make_user(
        role="coordinator", name="Lao Coordinator", programmes=[(elsewhere, Role.coordinator)]
    )
    action = make_action(programme, owner_organisation_id=own.id, status=Status.in_progress)
    session.commit()
    return {"programme": programme, "action": action, "outsider": outsider, **people}


def _owner_update(session: Session, world: Any, client_for: Any) -> tuple[ActionEvent, int]:
    response = _post(
        client_for(world["owner"]),
        world["action"],
        [(PDF, "budget-law.pdf")],
        comment=SECRET_COMMENT,
        evidence_url="https://example.org/budget-law-2025",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    session.rollback()
    event = session.exec(
        select(ActionEvent)
        .where(ActionEvent.action_id == world["action"].id, col(ActionEvent.comment).is_not(None))
        .order_by(col(ActionEvent.id).desc())
    ).first()
    assert event is not None and event.id is not None
    file = session.exec(select(EvidenceFile).where(EvidenceFile.event_id == event.id)).one()
    assert file.id is not None
    return event, file.id


def _show(client: FlaskClient, world: Any, event_id: int, public: str = "1") -> Any:
    return client.post(
        f"/actions/{world['action'].id}/events/{event_id}/public", data={"public": public}
    )


def _publish_programme(client: FlaskClient, programme: Programme) -> str:
    assert (
        client.post(f"/programmes/{programme.id}/publish", data={"publish": "1"}).status_code == 303
    )
    return "/p/cambodia-apmbc"


def test_an_update_is_public_only_once_a_coordinator_shows_it(
    session: Session, world: Any, client_for: Any, client: FlaskClient
) -> None:
    """Published programme: the comment is absent until shown; then the comment, the link
    and the file appear (no author name), the file downloads without sign-in as an
    attachment; hidden again, all of it goes and the file is a 404."""
    event, file_id = _owner_update(session, world, client_for)
    coordinator = client_for(world["coordinator"])
    page_url = _publish_programme(coordinator, world["programme"])
    file_url = f"{page_url}/files/{file_id}"

    anonymous = client.get(page_url).get_data(as_text=True)
    assert SECRET_COMMENT not in anonymous and "budget-law.pdf" not in anonymous
    assert client.get(file_url).status_code == 404

    assert _show(coordinator, world, event.id).status_code == 303
    # The summary cache sees the change at once (its data generation counts the marks).
    page = client.get(page_url).get_data(as_text=True)
    assert SECRET_COMMENT in page and "https://example.org/budget-law-2025" in page
    assert f'href="{file_url}"' in page
    assert "Dara Coordinator" not in page and "Sokha Owner</" not in page
    download = client.get(file_url)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox"
    data = client.get(f"{page_url}.json").get_json()
    (update,) = next(r for r in data["recommendations"] if r["action_id"] == world["action"].id)[
        "updates"
    ]
    assert update["comment"] == SECRET_COMMENT
    assert update["files"] == [
        {"name": "budget-law.pdf", "type": "application/pdf", "size": len(PDF), "path": file_url}
    ]
    history = coordinator.get(f"/actions/{world['action'].id}").get_data(as_text=True)
    assert "On the public page since" in history and "Hide from the public page" in history

    assert _show(coordinator, world, event.id, public="0").status_code == 303
    page = client.get(page_url).get_data(as_text=True)
    assert SECRET_COMMENT not in page and "budget-law.pdf" not in page
    assert client.get(file_url).status_code == 404
    session.rollback()
    assert session.exec(select(PublishedUpdate)).all() == []


def test_withdrawn_files_and_unpublished_programmes_serve_nothing(
    session: Session, world: Any, client_for: Any, client: FlaskClient
) -> None:
    """A public update's withdrawn file is a 404 on the public page's address, and so is
    every file once the programme is unpublished."""
    event, file_id = _owner_update(session, world, client_for)
    coordinator = client_for(world["coordinator"])
    page_url = _publish_programme(coordinator, world["programme"])
    assert _show(coordinator, world, event.id).status_code == 303
    assert client.get(f"{page_url}/files/{file_id}").status_code == 200
    owner = client_for(world["owner"])
    assert (
        owner.post(f"/evidence/{file_id}/withdraw", data={"reason": "wrong file"}).status_code
        == 303
    )
    assert client.get(f"{page_url}/files/{file_id}").status_code == 404
    assert "budget-law.pdf" not in client.get(page_url).get_data(as_text=True)

    # Another file, shown, then the programme unpublished: the same 404.
    session.rollback()
    session.refresh(world["action"])
    response = _post(owner, world["action"], [(png(), "marked-area.png")], comment="Marked.")
    assert response.status_code == 303
    session.rollback()
    second = session.exec(select(EvidenceFile).where(EvidenceFile.name == "marked-area.png")).one()
    assert _show(coordinator, world, second.event_id).status_code == 303
    assert client.get(f"{page_url}/files/{second.id}").status_code == 200
    assert (
        coordinator.post(
            f"/programmes/{world['programme'].id}/publish", data={"publish": "0"}
        ).status_code
        == 303
    )
    assert client.get(f"{page_url}/files/{second.id}").status_code == 404


def test_only_the_programmes_coordinators_show_updates(
    session: Session, world: Any, client_for: Any
) -> None:
    """The owner and a viewer are refused (403), a coordinator of another programme sees
    nothing there (404), an entry with nothing to show is refused at the entry (422), and
    none of them stores a mark."""
    event, _file_id = _owner_update(session, world, client_for)
    assert _show(client_for(world["owner"]), world, event.id).status_code == 403
    assert _show(client_for(world["viewer"]), world, event.id).status_code == 403
    assert _show(client_for(world["outsider"]), world, event.id).status_code == 404
    created = session.exec(
        select(ActionEvent).where(
            ActionEvent.action_id == world["action"].id, ActionEvent.kind == "created"
        )
    ).one()
    refused = _show(client_for(world["coordinator"]), world, created.id)
    assert refused.status_code == 422
    assert "no comment, evidence link or file to show" in refused.get_data(as_text=True)
    # An event of another action through this action's address is not there.
    other = _show(client_for(world["coordinator"]), world, 10**6)
    assert other.status_code == 404
    session.rollback()
    assert session.exec(select(PublishedUpdate)).all() == []
