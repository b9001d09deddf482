"""A refused field of the meeting and deadline forms is said once, the way the action page
says it: the field is marked aria-invalid and its aria-describedby names a message that sits
outside every <label> (inside, a screen reader reads it in the field's name and again as its
description), and the field keeps a name of its own and the id the error summary links to."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.test_date_hints import _Page, world  # noqa: F401 (world: the fixture, reused)
from tracker.models import Action, Verification
from tracker.services.meetings import MAX_TEXT

LONG = "x" * (MAX_TEXT + 1)


class _Form(_Page):
    """The date-hint test's page (the text and class of each element with an id, the ids
    inside a <label>, the labels' ``for``), plus every form field (inputs but hidden ones
    and buttons, selects, textareas) with whether a <label> holds it, and the page's
    in-page links."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str]] = []
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag in ("select", "textarea") or (
            tag == "input" and found.get("type") not in ("hidden", "submit")
        ):
            self.fields.append({**found, "in label": "1" if self._labels else ""})
        if tag == "a" and found.get("href", "").startswith("#"):
            self.links.add(found["href"][1:])
        super().handle_starttag(tag, attrs)


# (method, path, form, the names of the fields refused, the error summary's links to them)
REFUSALS = [
    ("post", "/programmes/{p}/meetings", {"held_on": "2025-06-20", "title": ""},
     ["title"], ["title"]),
    ("post", "/programmes/{p}/meetings",
     {"held_on": "2025-06-20", "title": "TWG", "attendees": LONG},
     ["attendees"], ["attendees"]),
    ("post", "/programmes/{p}/meetings",
     {"held_on": "2025-06-20", "title": "TWG", "notes": LONG}, ["notes"], ["notes"]),
    ("post", "/programmes/{p}/meetings",
     {"held_on": "2025-06-20", "title": "TWG", "attendee_user": "999999"},
     ["attendee_user"], ["attendee_user"]),
    ("post", "/meetings/{m}/record", {"held_on": "2025-06-14", "title": ""}, ["title"], ["title"]),
    ("post", "/meetings/{m}/record",
     {"held_on": "2025-06-14", "title": "TWG", "notes": LONG}, ["notes"], ["notes"]),
    ("post", "/meetings/{m}/agenda/add", {"action_id": "999999"}, ["action_id"], ["action_id"]),
    ("post", "/meetings/{m}/decisions",
     {"action_id": "{a}", "version": "{version}", "status": "finished"}, ["status"], ["status"]),
    ("post", "/meetings/{m}/decisions",
     {"action_id": "{a}", "version": "{version}", "owner": "someone"}, ["owner"], ["owner"]),
    ("post", "/meetings/{m}/agenda/decisions",
     {"item": "{a}", "d-{a}-version": "{version}", "d-{a}-status": "finished"},
     ["d-{a}-status"], ["d-{a}-status"]),
    ("post", "/meetings/{m}/agenda/decisions",
     {"item": "{a}", "d-{a}-version": "{version}", "d-{a}-owner": "someone"},
     ["d-{a}-owner"], ["d-{a}-owner"]),
    ("post", "/programmes/{p}/deadline/request",
     {"new_on": "2031-12-31", "requested_on": "2025-03-31", "source": "Letter", "note": LONG},
     ["note"], ["request-note"]),
    ("post", "/programmes/{p}/deadline/correction",
     {"new_on": "2031-12-31", "decided_on": "2025-03-31", "decided_by": "", "note": "Typo"},
     ["decided_by"], ["correction-decided_by"]),
    # Neither outcome chosen: both radios are refused and described, the first is linked.
    ("post", "/programmes/{p}/deadline/{change}/decision",
     {"decided_on": "2025-06-01", "decided_by": "MSP"}, ["outcome", "outcome"],
     ["decision-{change}-outcome"]),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "form", "refused", "linked"), REFUSALS)
def test_a_refused_field_names_its_message_once(
    world: dict[str, Any],  # noqa: F811
    method: str,
    path: str,
    form: dict[str, str],
    refused: list[str],
    linked: list[str],
) -> None:
    """The refused fields are marked and described by their message, outside any label;
    each has a label (its own for=, or the radio's) and the summary links to its id."""
    client: FlaskClient = world["clients"]["coordinator"]
    data = {key.format(**world): value.format(**world) for key, value in form.items()}
    response = getattr(client, method)(path.format(**world), data=data)
    assert response.status_code == 422
    page = _Form()
    page.feed(response.get_data(as_text=True))
    marked = [f for f in page.fields if f.get("aria-invalid") == "true"]
    assert [f["name"] for f in marked] == [name.format(**world) for name in refused]
    for field in marked:
        ids = field.get("aria-describedby", "").split()
        assert ids, field
        for message in ids:
            assert message in page.text_by_id, (field, message)
            assert "field-error" in page.classes_by_id[message], (field, message)
            assert page.text_by_id[message].strip(), (field, message)
            assert message not in page.in_label, (field, message)
        if field.get("type") == "radio":
            assert field["in label"], field
        else:
            assert field["id"] in page.label_for and not field["in label"], field
    for target in linked:
        assert target.format(**world) in page.links
        assert target.format(**world) in page.text_by_id


def test_every_meeting_and_deadline_field_has_a_label_for_it(
    world: dict[str, Any],  # noqa: F811
) -> None:
    """Before anything is refused, each field of these pages has a name: a <label for=> its
    id, or (a radio, a checkbox) the label around it; none is marked invalid."""
    client: FlaskClient = world["clients"]["coordinator"]
    for path in (
        "/programmes/{p}/meetings",
        "/meetings/{m}",
        "/meetings/{m}/decide?action_id={a}",
        "/programmes/{p}/deadline",
    ):
        response = client.get(path.format(**world))
        assert response.status_code == 200
        page = _Form()
        page.feed(response.get_data(as_text=True))
        fields = [f for f in page.fields if f.get("form") is None and f.get("name")]
        assert fields, path
        for field in fields:
            assert "aria-invalid" not in field, (path, field)
            if field.get("type") in ("radio", "checkbox"):
                assert field["in label"], (path, field)
            elif not field.get("aria-label"):
                assert field.get("id") in page.label_for, (path, field)


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        ("/meetings/{m}/decisions",
         {"action_id": "{a}", "version": "{version}", "verdict": "maybe"}, "verdict"),
        ("/meetings/{m}/agenda/decisions",
         {"item": "{a}", "d-{a}-version": "{version}", "d-{a}-verdict": "maybe"},
         "d-{a}-verdict"),
    ],
)  # fmt: skip
def test_a_refused_verdict_names_its_message(
    world: dict[str, Any],  # noqa: F811
    session: Session,
    path: str,
    form: dict[str, str],
    field: str,
) -> None:
    """An action awaiting verification: an unknown verdict marks the verification select,
    which is described by the message (the "verification" refusal) and linked from the
    summary by its own id."""
    client: FlaskClient = world["clients"]["coordinator"]
    assert client.post(
        f"/programmes/{world['p']}/verification", data={"requires_verification": "1"}
    ).status_code in (302, 303)  # fmt: skip
    reported = client.post(
        f"/meetings/{world['m']}/decisions",
        data={"action_id": world["a"], "version": world["version"], "status": "implemented",
              "comment": "Trained, certificates filed."},
    )  # fmt: skip
    assert reported.status_code in (302, 303)
    session.rollback()  # see what the requests committed
    action = session.get(Action, world["a"])
    assert action is not None
    session.refresh(action)
    assert action.verification == Verification.awaiting
    values = {**world, "version": action.version}
    data = {key.format(**values): value.format(**values) for key, value in form.items()}
    response = client.post(path.format(**values), data=data)
    assert response.status_code == 422
    page = _Form()
    page.feed(response.get_data(as_text=True))
    marked = [f for f in page.fields if f.get("aria-invalid") == "true"]
    name = field.format(**values)
    assert [f["name"] for f in marked] == [name]
    (message,) = marked[0]["aria-describedby"].split()
    assert "field-error" in page.classes_by_id[message] and message not in page.in_label
    assert page.text_by_id[message].strip()
    assert marked[0]["id"] == name and name in page.label_for and name in page.links
