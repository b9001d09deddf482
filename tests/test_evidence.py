"""Evidence files (issue 18): attached to an update, checked by content, served safely,
withdrawn with a reason; refused files store nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import ExifTags, Image
from sqlmodel import Session, col, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tracker.models import Action, ActionEvent, EventKind, EvidenceFile, Status

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg_with_gps() -> bytes:
    """A small photo whose EXIF names the camera and a place in Cambodia."""
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (11.0, 33.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (104.0, 55.0, 0.0),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(out, "PNG")
    return out.getvalue()


def office(macros: bool = False) -> bytes:
    """A minimal docx, or the same with a VBA project (a docm under any name)."""
    import docx

    document = docx.Document()
    document.add_paragraph("Handover certificate")
    plain = io.BytesIO()
    document.save(plain)
    if not macros:
        return plain.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                )
            z.writestr(info, data)
        z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really")
    return out.getvalue()


@pytest.fixture
def world(session: Session, make_user, make_organisation, make_action, make_programme) -> Any:
    own = make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")
    programme = make_programme(deadline=dt.date(2030, 12, 31))
    people = {
        "owner": make_user(role="owner", organisation=own, name="Sokha Owner"),
        "other_owner": make_user(role="owner", name="Vanna Other"),
        "coordinator": make_user(role="coordinator", name="Dara Coordinator"),
        "viewer": make_user(role="viewer", name="Vivi Viewer"),
    }
    # Made after the people, and open to nobody: none of them may see it.
    elsewhere = make_programme(deadline=dt.date(2030, 12, 31), open_to_everyone=False)
    action = make_action(programme, owner_organisation_id=own.id, status=Status.in_progress)
    hidden = make_action(elsewhere, owner_organisation_id=own.id)
    return {"action": action, "hidden": hidden, **people}


def _post(
    client: FlaskClient, action: Action, files: list[tuple[bytes, str]], **fields: str
) -> Any:
    data: dict[str, Any] = {"version": str(action.version), "status": action.status.value}
    data |= fields
    data["evidence_files"] = [
        FileStorage(io.BytesIO(content), filename=name) for content, name in files
    ]
    # Encoded here, in memory: the test client spools a large body to a temporary file
    # it never closes (a ResourceWarning, an error in this suite).
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(
        f"/actions/{action.id}/update",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _files(session: Session) -> list[EvidenceFile]:
    session.rollback()
    return list(session.exec(select(EvidenceFile).order_by(col(EvidenceFile.id))))


def test_implemented_with_files_only_stores_them_on_the_event(
    session: Session, world: Any, client_for: Any
) -> None:
    """Files alone are evidence for "implemented": stored on the status event, in the history,
    GPS gone from the photo, a thumbnail made, served as attachments that cannot run."""
    client = client_for(world["owner"])
    action = world["action"]
    response = _post(
        client, action, [(PDF, "handover.pdf"), (jpeg_with_gps(), "marked area.jpg")],
        status="implemented",
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = _files(session)
    assert [(f.name, f.content_type) for f in stored] == [
        ("handover.pdf", "application/pdf"),
        ("marked area.jpg", "image/jpeg"),
    ]
    event = session.get(ActionEvent, stored[0].event_id)
    assert event is not None and event.kind == EventKind.status_changed
    assert event.status_to == Status.implemented and not event.comment
    assert stored[0].content == PDF and stored[0].size == len(PDF)
    photo = Image.open(io.BytesIO(stored[1].content))
    assert not photo.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"PhoneMaker" not in stored[1].content and "exif" not in photo.info
    assert stored[1].thumbnail and stored[0].thumbnail is None

    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "handover.pdf" in page and "marked area.jpg" in page and "(PDF, " in page
    download = client.get(f"/evidence/{stored[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox"
    thumbnail = client.get(f"/evidence/{stored[1].id}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    assert thumbnail.headers["Content-Security-Policy"] == "sandbox"
    assert Image.open(io.BytesIO(thumbnail.data)).size[0] <= 320


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (png(), "report.pdf", "its name does not say"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
         "map.svg", "SVG or HTML"),
        (b"<!doctype html><html><body>hi</body></html>", "page.html", "SVG or HTML"),
        (b"<html><script>x</script></html>", "notes.csv", "SVG or HTML"),
        (office(macros=True), "certificate.docx", "contains macros"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.doc", "not a file"),
        (b"MZ\x90\x00" + b"\0" * 100, "tool.exe", "not a file"),
        (b"", "empty.pdf", "is empty"),
    ],
)  # fmt: skip
def test_refused_files_store_nothing(
    world: Any, client_for: Any, dump_database: Any, content: bytes, name: str, says: str
) -> None:
    """A file whose content is not its claimed type, SVG, HTML, macros, other formats:
    422 naming the field, the form kept, nothing stored."""
    client = client_for(world["owner"])
    before = dump_database()
    response = _post(
        client, world["action"], [(content, name)],
        status="implemented", comment="see the file",
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert says in page.replace("&#39;", "'")
    assert 'id="evidence_files-error"' in page and "see the file" in page
    assert dump_database() == before


def test_oversized_file_is_refused_and_the_request_cap_is_a_clear_413(
    app: Any, world: Any, client_for: Any, dump_database: Any
) -> None:
    """Past TRACKER_UPLOAD_MAX_MB: 422 at the field; past MAX_CONTENT_LENGTH: a 413 page
    that says the limits, never a 500; nothing stored either way."""
    app.config["UPLOAD_MAX_MB"] = 1
    client = client_for(world["owner"])
    before = dump_database()
    big = PDF + b"0" * (1024 * 1024)
    response = _post(client, world["action"], [(big, "scan.pdf")], comment="scan")
    assert response.status_code == 422
    assert "larger than 1 MB" in response.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    capped = _post(client, world["action"], [(big, "scan.pdf")], comment="scan")
    assert capped.status_code == 413
    text = capped.get_data(as_text=True)
    assert "Nothing was saved" in text and "each file at most 1 MB" in text
    assert dump_database() == before


def test_office_documents_without_macros_and_csv_are_accepted(
    session: Session, world: Any, client_for: Any
) -> None:
    """A docx, a PNG and a UTF-8 CSV (Khmer text) are kept under their detected types."""
    csv_text = "province,hectares\nបាត់ដំបង,12.5\n".encode()
    response = _post(
        client_for(world["coordinator"]), world["action"],
        [(office(), "certificate.docx"), (png(), "map.png"), (csv_text, "areas.csv")],
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    types = [f.content_type for f in _files(session)]
    assert types == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/png",
        "text/csv",
    ]
    event = session.get(ActionEvent, _files(session)[0].event_id)
    assert event is not None and event.kind == EventKind.comment


def test_files_for_an_action_the_person_cannot_see_are_refused(
    world: Any, client_for: Any, dump_database: Any
) -> None:
    """Outside the action's programme: 404, as for no action at all; a viewer: 403."""
    owner, viewer_client = client_for(world["owner"]), client_for(world["viewer"])
    before = dump_database()
    hidden = _post(owner, world["hidden"], [(PDF, "x.pdf")], comment="x")
    assert hidden.status_code == 404
    viewer = _post(viewer_client, world["action"], [(PDF, "x.pdf")], comment="x")
    assert viewer.status_code == 403
    assert dump_database() == before


def test_downloads_only_for_readers(session: Session, world: Any, client_for: Any) -> None:
    """A file is served to whoever may read the action, 404 to anyone else."""
    assert _post(client_for(world["owner"]), world["action"], [(PDF, "a.pdf")]).status_code == 303
    file_id = _files(session)[0].id
    assert client_for(world["viewer"]).get(f"/evidence/{file_id}").status_code == 200
    outsider = client_for(world["other_owner"])
    # The other owner belongs to the programme too (open to everyone): shut them out.
    from tracker.models import Membership

    session.rollback()  # a fresh transaction: the sign-ins above wrote since the last read
    for membership in session.exec(
        select(Membership).where(Membership.user_id == world["other_owner"].id)
    ):
        session.delete(membership)
    session.commit()
    assert outsider.get(f"/evidence/{file_id}").status_code == 404
    assert outsider.get(f"/evidence/{file_id}/thumbnail").status_code == 404
    assert client_for(world["owner"]).get("/evidence/999999").status_code == 404


def test_withdrawn_file_is_not_served_and_the_withdrawal_is_in_the_history(
    session: Session, world: Any, client_for: Any
) -> None:
    """The uploader withdraws with a reason: 410 afterwards, the history says who and why;
    a viewer may not withdraw (403), no reason is a 422, twice is a 410."""
    owner = client_for(world["owner"])
    assert _post(owner, world["action"], [(png(), "wrong.png")]).status_code == 303
    file_id = _files(session)[0].id
    refused = client_for(world["viewer"]).post(
        f"/evidence/{file_id}/withdraw", data={"reason": "not mine"}
    )
    assert refused.status_code == 403
    no_reason = owner.post(f"/evidence/{file_id}/withdraw", data={"reason": " "})
    assert no_reason.status_code == 422
    assert 'id="withdraw-' in no_reason.get_data(as_text=True)
    done = owner.post(f"/evidence/{file_id}/withdraw", data={"reason": "Wrong area photographed"})
    assert done.status_code == 303
    assert owner.get(f"/evidence/{file_id}").status_code == 410
    assert owner.get(f"/evidence/{file_id}/thumbnail").status_code == 410
    again = owner.post(f"/evidence/{file_id}/withdraw", data={"reason": "again"})
    assert again.status_code == 410
    stored = _files(session)[0]
    assert stored.withdrawn_by_id == world["owner"].id
    assert stored.withdrawn_reason == "Wrong area photographed"
    event = session.get(ActionEvent, stored.withdrawal_event_id)
    assert event is not None and event.kind == EventKind.evidence_withdrawn
    assert event.actor_id == world["owner"].id and event.comment == "Wrong area photographed"
    page = owner.get(f"/actions/{world['action'].id}").get_data(as_text=True)
    assert "Evidence file withdrawn:" in page and "Wrong area photographed" in page
    assert f'href="/evidence/{file_id}"' not in page and "<del>wrong.png</del>" in page


def test_coordinator_may_withdraw_another_persons_file(
    session: Session, world: Any, client_for: Any
) -> None:
    """A coordinator of the programme withdraws an owner's file."""
    assert _post(client_for(world["owner"]), world["action"], [(PDF, "a.pdf")]).status_code == 303
    file_id = _files(session)[0].id
    response = client_for(world["coordinator"]).post(
        f"/evidence/{file_id}/withdraw", data={"reason": "Personal data in the scan"}
    )
    assert response.status_code == 303
    assert _files(session)[0].withdrawn_by_id == world["coordinator"].id


def test_exports_and_the_meeting_pack_name_the_evidence(
    session: Session, world: Any, client_for: Any
) -> None:
    """The CSV export names the files still served; the meeting pack names the files the
    action had on the meeting day (a withdrawn one no more)."""
    import csv

    from pypdf import PdfReader

    from tracker.models import AgendaItem, Meeting
    from tracker.services.meeting_pack import build_meeting_pack

    owner = client_for(world["owner"])
    action = world["action"]
    assert _post(owner, action, [(PDF, "handover.pdf"), (png(), "wrong.png")]).status_code == 303
    wrong = _files(session)[1]
    assert owner.post(f"/evidence/{wrong.id}/withdraw", data={"reason": "x"}).status_code == 303
    text = owner.get("/actions/export.csv").get_data(as_text=True).lstrip("\ufeff")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if int(r["Action"]) == action.id)
    assert row["Evidence files"] == "handover.pdf"

    session.rollback()
    meeting = Meeting(
        programme_id=action.programme_id, held_on=dt.date.today() + dt.timedelta(days=1),
        title="Technical working group",
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    session.add(AgendaItem(meeting_id=meeting.id, action_id=action.id, reasons="added"))
    session.commit()
    pack = build_meeting_pack(session, meeting)
    assert [item.evidence for item in pack.items] == [["handover.pdf"]]
    pdf = client_for(world["coordinator"]).get(f"/meetings/{meeting.id}/pack.pdf")
    assert pdf.status_code == 200, pdf.get_data(as_text=True)[:300]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Evidence files: handover.pdf" in text and "wrong.png" not in text
