"""The import page: paste or upload, see the preview, confirm; nothing stored before."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from tracker.models import Action, Report

PROFILES = Path(__file__).parent / "profiles"


@pytest.fixture
def coordinator_client(make_user, client_for) -> FlaskClient:
    return client_for(make_user(role="coordinator"))


class _ConfirmForm(HTMLParser):
    """The fields the confirm form would send as the page stands (what a browser submits)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._inside = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._inside = a.get("action", "").split("#")[0].endswith("/import/confirm")
        if not self._inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        if tag == "select":
            self._select = None


def confirm_fields(page: str) -> dict[str, str]:
    """Every field of the preview's confirm form with the values it shows."""
    parser = _ConfirmForm()
    parser.feed(page)
    parser.fields.pop("csrf_token", None)
    return parser.fields


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def _count(session: Session, model: Any) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model)).one()


def test_paste_preview_then_confirm(coordinator_client, session, dump_database) -> None:
    """The preview shows the parsed profile and stores nothing; confirming stores it once."""
    text = (PROFILES / "cambodia-2023-apmbc.txt").read_text("utf-8")
    before = dump_database()
    preview = coordinator_client.post("/import", data={"text": text, "treaty": ""})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Preview: nothing is stored yet" in page and "Cambodia" in page
    assert "5 recommendations" in page
    assert dump_database() == before
    confirm = coordinator_client.post("/import/confirm", data=confirm_fields(page))
    assert confirm.status_code == 303
    assert (_count(session, Report), _count(session, Action)) == (1, 5)
    landing = coordinator_client.get(confirm.headers["Location"]).get_data(as_text=True)
    assert "5 actions created" in landing


def test_upload_with_warnings_is_previewed(coordinator_client, dump_database) -> None:
    """An uploaded file is read the same way; the importer's warnings are shown."""
    raw = (PROFILES / "norland-cut-off.txt").read_bytes()
    before = dump_database()
    response = coordinator_client.post(
        "/import",
        data={"file": (io.BytesIO(raw), "norland.txt"), "text": ""},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('<ul class="warnings">') == 1 and "Norland" in page
    assert dump_database() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "Hello, this is not a profile at all."}, "text", "Recommendations for Action"),
        ({"text": "<html><body>Cambodia</body></html>"}, "text", "plain text"),
        ({"text": "   "}, "text", "Paste the text"),
    ],
)
def test_bad_text_is_422_with_message_and_nothing_stored(
    coordinator_client, dump_database, data, field, message
) -> None:
    """Text that is not a profile is answered 422 with the importer's reason at the field."""
    before = dump_database()
    response = coordinator_client.post("/import", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page)
    assert message in page
    assert dump_database() == before


def test_treaty_must_be_chosen_when_page_does_not_say(coordinator_client, session) -> None:
    """A page without a treaty previews with the treaty select marked; choosing one stores it."""
    text = (PROFILES / "congo-layout-e-no-download.txt").read_text("utf-8")
    preview = coordinator_client.post("/import", data={"text": text})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert re.search(r'name="treaty"[^>]*aria-invalid="true"', page)
    fields = confirm_fields(page)
    refused = coordinator_client.post("/import/confirm", data=fields | {"treaty": ""})
    assert refused.status_code == 422 and _count(session, Report) == 0
    stored = coordinator_client.post("/import/confirm", data=fields | {"treaty": "CCM"})
    assert stored.status_code == 303 and _count(session, Report) == 1


def test_tampered_confirmation_is_refused(coordinator_client, session) -> None:
    """A payload that is not what was previewed is refused with 400 and nothing stored."""
    text = (PROFILES / "cambodia-2023-apmbc.txt").read_text("utf-8")
    page = coordinator_client.post("/import", data={"text": text}).get_data(as_text=True)
    other = (PROFILES / "southland-2023-ccm-article-4.txt").read_bytes()
    for payload in ("not base64!", base64.b64encode(other).decode()):
        response = coordinator_client.post(
            "/import/confirm", data={"payload": payload, "checksum": _hidden(page, "checksum")}
        )
        assert response.status_code == 400
    assert _count(session, Report) == 0


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_import_is_for_coordinators(make_user, role, client_for) -> None:
    """Owners and viewers are refused the import page and its posts with 403."""
    client = client_for(make_user(role=role))
    assert client.get("/import").status_code == 403
    assert client.post("/import", data={"text": "x"}).status_code == 403
    assert client.post("/import/confirm", data={"payload": ""}).status_code == 403
