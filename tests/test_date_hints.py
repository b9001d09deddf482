"""Date fields say their format to a screen reader too: each date input's aria-describedby
names the element holding its YYYY-MM-DD hint, and a refused one names its message first."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.summary_data import build_world
from tracker.services import meetings as meeting_service
from tracker.services import users as user_service

HINT = "YYYY-MM-DD, e.g. 2026-12-31 for 31 Dec 2026"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Page(HTMLParser):
    """The page's date inputs (their attributes) and the text inside each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.date_inputs: list[dict[str, str]] = []
        self.text_by_id: dict[str, str] = {}
        self.classes_by_id: dict[str, str] = {}
        self.in_label: set[str] = set()  # ids of elements inside a <label>: part of its name
        self.label_for: set[str] = set()
        self._open: list[str | None] = []  # the id of each open element, None without one
        self._labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "input" and found.get("type") == "date":
            self.date_inputs.append(found)
        if "id" in found:
            assert found["id"] not in self.text_by_id, f"duplicate id {found['id']}"
            self.text_by_id[found["id"]] = ""
            self.classes_by_id[found["id"]] = found.get("class", "")
            if self._labels:
                self.in_label.add(found["id"])
        if tag == "label":
            self._labels += 1
            if found.get("for"):
                self.label_for.add(found["for"])
        if tag not in VOID:
            self._open.append(found.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._labels -= 1
        if tag not in VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for open_id in self._open:
            if open_id is not None:
                self.text_by_id[open_id] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _described_by(page: _Page, field: dict[str, str]) -> list[str]:
    """The ids the field's aria-describedby names; each must be an element of the page."""
    ids = field.get("aria-describedby", "").split()
    missing = [i for i in ids if i not in page.text_by_id]
    assert ids and not missing, f"{field.get('name')}: describedby {ids}, missing {missing}"
    return ids


def _hint_ids(page: _Page, ids: list[str]) -> list[str]:
    return [i for i in ids if HINT in " ".join(page.text_by_id[i].split())]


@pytest.fixture
def world(session: Session, make_user: Any, client_for: Any) -> dict[str, Any]:
    """The summary world with a meeting, one agenda item and a pending extension request, and
    signed-in clients for its coordinator and an administrator."""
    built = build_world(session)
    built.coordinator.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(built.coordinator)
    session.commit()
    meeting = meeting_service.record_meeting(
        session, built.programme, held_on=dt.date(2025, 6, 14), title="Working group",
        actor=built.coordinator,
    )  # fmt: skip
    session.commit()
    clients = {
        "coordinator": client_for(built.coordinator),
        "admin": client_for(make_user(role="admin")),
    }
    coordinator = clients["coordinator"]
    action = built.actions[1]
    assert coordinator.post(
        f"/meetings/{meeting.id}/agenda/add", data={"action_id": action.id}
    ).status_code == 303  # fmt: skip
    pid = built.programme.id
    requested = coordinator.post(
        f"/programmes/{pid}/deadline/request",
        data={"new_on": "2030-12-31", "requested_on": "2025-03-31", "source": "Request 2025"},
    )
    assert requested.status_code == 303
    page = coordinator.get(f"/programmes/{pid}/deadline").get_data(as_text=True)
    match = re.search(r"/deadline/(\d+)/decision", page)
    assert match is not None
    session.refresh(action)
    return {"clients": clients, "p": pid, "m": meeting.id, "a": action.id,
            "version": action.version, "change": int(match.group(1))}  # fmt: skip


# (who, page, the names of the date inputs it must have)
PAGES = [
    ("coordinator", "/actions/{a}", {"due_on"}),
    ("coordinator", "/actions?programme={p}", {"due_on"}),  # the bulk edit form
    ("coordinator", "/programmes/{p}/meetings", {"held_on"}),
    ("coordinator", "/meetings/{m}", {"held_on", "d-{a}-due_on"}),
    ("coordinator", "/meetings/{m}/decide?action_id={a}", {"due_on"}),
    ("coordinator", "/programmes/{p}/deadline", {"decided_on", "new_on", "requested_on"}),
    ("coordinator", "/settings/notifications", {"until"}),
    ("admin", "/admin/audit", {"since", "until"}),
]


@pytest.mark.parametrize(("who", "path", "names"), PAGES)
def test_every_date_field_names_its_format_hint(
    world: dict[str, Any], who: str, path: str, names: set[str]
) -> None:
    """Each date input of the page is described by an element of the page holding the format
    hint, so a screen reader says the format as a sighted user reads it under the field; the
    field has a name of its own (a label for it, or aria-label), and the hint is outside any
    label, or it would be said twice: in the name and again as the description."""
    client: FlaskClient = world["clients"][who]
    response = client.get(path.format(**world))
    assert response.status_code == 200
    page = _parse(response.get_data(as_text=True))
    assert {f["name"] for f in page.date_inputs} == {n.format(**world) for n in names}
    for field in page.date_inputs:
        ids = _described_by(page, field)
        hints = _hint_ids(page, ids)
        assert len(hints) == 1, (path, field)
        assert not page.in_label.intersection(hints), (path, field)
        assert field["id"] in page.label_for or field.get("aria-label"), (path, field)
        assert "aria-invalid" not in field  # nothing refused yet: the hint alone


def test_no_date_input_is_written_by_hand() -> None:
    """Every date input of the templates comes from the one macro that ties the hint to it,
    so a new date field cannot forget the hint or its aria-describedby."""
    by_hand = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.name != "_date_hint.html"
        and re.search(r"type=[\"']?date\b", path.read_text(encoding="utf-8"))
    ]
    assert by_hand == []


# (who, method, path, form, the refused date fields, the status of the answer)
REFUSALS = [
    ("coordinator", "post", "/actions/{a}/update",
     {"version": "{version}", "status": "in_progress", "due_mode": "pin",
      "due_on": "31/12/2030", "reason": "Agreed"}, ["due_on"], 422),
    ("coordinator", "post", "/programmes/{p}/meetings", {"held_on": "2025-13-40", "title": "X"},
     ["held_on"], 422),
    ("coordinator", "post", "/meetings/{m}/record", {"held_on": "2025-13-40", "title": "TWG"},
     ["held_on"], 422),
    ("coordinator", "post", "/meetings/{m}/decisions",
     {"action_id": "{a}", "version": "{version}", "due_on": "2025-02-30", "comment": "Moved"},
     ["due_on"], 422),
    ("coordinator", "post", "/meetings/{m}/agenda/decisions",
     {"item": "{a}", "d-{a}-version": "{version}", "d-{a}-due_on": "2025-02-30"},
     ["d-{a}-due_on"], 422),
    ("coordinator", "post", "/programmes/{p}/deadline/request",
     {"requested_on": "2025-03-31", "source": "Letter of 3 March"}, ["new_on"], 422),
    ("coordinator", "post", "/programmes/{p}/deadline/request",
     {"new_on": "2031-12-31", "requested_on": "2025-02-30", "source": "Letter"},
     ["requested_on"], 422),
    ("coordinator", "post", "/programmes/{p}/deadline/correction",
     {"decided_on": "2025-03-31", "source": "Letter"}, ["new_on"], 422),
    ("coordinator", "post", "/programmes/{p}/deadline/correction",
     {"new_on": "2031-12-31", "decided_on": "31/03/2025", "source": "Letter"}, ["decided_on"],
     422),
    ("coordinator", "post", "/programmes/{p}/deadline/{change}/decision", {"outcome": "granted"},
     ["decided_on"], 422),
    ("coordinator", "post", "/settings/notifications",
     {"until": "2020-01-01", "reason": "On leave"}, ["until"], 422),
    ("admin", "get", "/admin/audit?since=2025-13-40", {}, ["since"], 422),
]  # fmt: skip


@pytest.mark.parametrize(("who", "method", "path", "form", "refused", "status"), REFUSALS)
def test_a_refused_date_field_names_its_message_and_its_hint(
    world: dict[str, Any], who: str, method: str, path: str, form: dict[str, str],
    refused: list[str], status: int,
) -> None:  # fmt: skip
    """After a refused submission the date field is marked invalid and its aria-describedby
    names the message saying what is wrong (first, so it is heard first) and the hint."""
    client: FlaskClient = world["clients"][who]
    data = {key.format(**world): value.format(**world) for key, value in form.items()}
    response = getattr(client, method)(path.format(**world), data=data or None)
    assert response.status_code == status
    page = _parse(response.get_data(as_text=True))
    marked = {f["name"]: f for f in page.date_inputs if f.get("aria-invalid") == "true"}
    assert sorted(marked) == sorted(name.format(**world) for name in refused)
    for field in marked.values():
        ids = _described_by(page, field)
        message, *rest = ids
        assert page.text_by_id[message].strip() and HINT not in page.text_by_id[message]
        assert re.search(r"field-error|error-summary", page.classes_by_id[message])
        assert _hint_ids(page, rest) == [rest[-1]]
