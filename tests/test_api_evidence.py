"""The API's evidence operations (issue 18): list, upload (the web form's rules), download."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import ExifTags, Image
from sqlmodel import Session, select

from tests.test_evidence import PDF, jpeg_with_gps
from tracker.models import ActionEvent, EvidenceFile, Status, TokenScope
from tracker.services import tokens as token_service


@pytest.fixture
def world(session: Session, make_user, make_organisation, make_action, make_programme) -> Any:
    own = make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")
    programme = make_programme(deadline=dt.date(2030, 12, 31))
    owner = make_user(role="owner", organisation=own)
    viewer = make_user(role="viewer")
    elsewhere = make_programme(deadline=dt.date(2030, 12, 31), open_to_everyone=False)
    action = make_action(programme, owner_organisation_id=own.id, status=Status.in_progress)
    hidden = make_action(elsewhere, owner_organisation_id=own.id)

    def bearer(user: Any, scope: TokenScope) -> dict[str, str]:
        secret = token_service.create_token(session, user, f"t {scope}", scope).secret
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return {
        "action": action,
        "hidden": hidden,
        "owner": bearer(owner, TokenScope.write),
        "owner_read": bearer(owner, TokenScope.read),
        "viewer": bearer(viewer, TokenScope.write),
    }


def _upload(client: FlaskClient, action: Any, headers: dict[str, str], content: bytes,
            name: str, **fields: str) -> Any:  # fmt: skip
    data = {"version": str(action.version), "file": (io.BytesIO(content), name)} | fields
    return client.post(
        f"/api/v1/actions/{action.id}/evidence", data=data, headers=headers,
        content_type="multipart/form-data",
    )  # fmt: skip


def test_upload_list_and_download(client: FlaskClient, session: Session, world: Any) -> None:
    """A write token attaches a file (a history entry), the list names it, the download is
    an attachment that cannot run; an image arrives without its GPS tags."""
    response = _upload(client, world["action"], world["owner"], PDF, "letter.pdf",
                       comment="Signed letter")  # fmt: skip
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = response.get_json()
    assert stored["name"] == "letter.pdf" and stored["content_type"] == "application/pdf"
    event = session.get(ActionEvent, stored["event_id"])
    assert event is not None and event.comment == "Signed letter"
    listed = client.get(f"/api/v1/actions/{world['action'].id}/evidence", headers=world["owner"])
    assert [f["name"] for f in listed.get_json()["files"]] == ["letter.pdf"]
    download = client.get(stored["download_url"], headers=world["owner_read"])
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox"

    session.rollback()
    version = str(session.get(type(world["action"]), world["action"].id).version)
    photo = _upload(client, world["action"], world["owner"], jpeg_with_gps(), "area.jpg",
                    version=version)  # fmt: skip
    assert photo.status_code == 200, photo.get_data(as_text=True)
    data = client.get(photo.get_json()["download_url"], headers=world["owner"]).data
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_refused_uploads_store_nothing(client: FlaskClient, world: Any, dump_database: Any) -> None:
    """Wrong content for the name, SVG, a read token, a viewer, an action outside the
    person's programmes, a stale version, JSON instead of a form: refused, nothing stored."""
    kept = ("evidence_file", "action_event", "action")  # api_token records its last use

    def dump() -> dict[str, Any]:
        return {name: rows for name, rows in dump_database().items() if name in kept}

    before = dump()
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    cases = [
        (world["action"], world["owner"], png.getvalue(), "scan.pdf", {}, 422),
        (world["action"], world["owner"], b"<svg onload='x'/>", "a.svg", {}, 422),
        (world["action"], world["owner_read"], PDF, "a.pdf", {}, 403),
        (world["action"], world["viewer"], PDF, "a.pdf", {}, 403),
        (world["hidden"], world["owner"], PDF, "a.pdf", {}, 404),
        (world["action"], world["owner"], PDF, "a.pdf", {"version": "99"}, 409),
    ]
    for action, headers, content, name, fields, code in cases:
        response = _upload(client, action, headers, content, name, **fields)
        assert response.status_code == code, (name, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"
    as_json = client.post(
        f"/api/v1/actions/{world['action'].id}/evidence", json={"version": 1},
        headers=world["owner"],
    )  # fmt: skip
    assert as_json.status_code == 415
    assert dump() == before


def test_withdrawn_or_hidden_files_are_not_served(
    client: FlaskClient, session: Session, world: Any
) -> None:
    """A withdrawn file answers 410 gone; a file of a hidden action, or none, 404."""
    stored = _upload(client, world["action"], world["owner"], PDF, "a.pdf").get_json()
    session.rollback()
    row = session.get(EvidenceFile, stored["id"])
    assert row is not None
    row.withdrawn_at = dt.datetime.now(dt.UTC)
    session.add(row)
    session.commit()
    gone = client.get(f"/api/v1/evidence/{stored['id']}", headers=world["owner"])
    assert gone.status_code == 410 and gone.get_json()["type"].endswith("#problem-gone")
    listed = client.get(f"/api/v1/actions/{world['action'].id}/evidence", headers=world["owner"])
    assert listed.get_json()["files"][0]["download_url"] is None
    assert client.get("/api/v1/evidence/424242", headers=world["owner"]).status_code == 404
    hidden = client.get(f"/api/v1/actions/{world['hidden'].id}/evidence", headers=world["owner"])
    assert hidden.status_code == 404
    assert len(session.exec(select(EvidenceFile)).all()) == 1
