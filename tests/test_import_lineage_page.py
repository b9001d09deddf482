"""The import preview of a later edition: proposal beside the earlier text, choices, Confirm."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, func, select

from tests.conftest import DEFAULT_PASSWORD
from tests.test_import_page import confirm_fields
from tracker.models import Action, ActionEvent, EventKind, Report, Status

PROFILES = Path(__file__).parent / "profiles"
CAMBODIA_2024 = (PROFILES / "cambodia-2024-apmbc-made-up.txt").read_text("utf-8")


@pytest.fixture
def coordinator(app: Flask, make_user) -> FlaskClient:
    client = app.test_client()
    user = make_user(role="coordinator")
    client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    client.email = user.email  # type: ignore[attr-defined]
    return client


def _load_demo(runner: FlaskCliRunner, coordinator: FlaskClient) -> None:
    """The demo, with the signed-in coordinator made a coordinator of Cambodia (issue 11)."""
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    added = runner.invoke(args=["add-member", coordinator.email, "1", "coordinator"])  # type: ignore[attr-defined]
    assert added.exit_code == 0, added.output


def _count(session: Session, model: Any) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model)).one()


def _preview(client: FlaskClient) -> str:
    response = client.post("/import", data={"text": CAMBODIA_2024, "treaty": ""})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_preview_shows_each_proposal_beside_the_earlier_text(
    runner: FlaskCliRunner, coordinator: FlaskClient, dump_database
) -> None:
    """Kinds, marked wording changes, what happens to each action; nothing stored."""
    _load_demo(runner, coordinator)
    before = dump_database()
    page = _preview(coordinator)
    assert "Compared with Clearing the Mines 2023" in page
    assert page.count('class="lineage-row kind-same"') == 2
    assert page.count('class="lineage-row kind-reworded"') == 2
    assert page.count('class="lineage-row kind-split"') == 1
    assert page.count('class="lineage-row kind-new"') == 1
    assert "<ins>further strengthen " in page and "<del>expand " in page
    assert (
        "carries on action 4, owned by Demo: CMAA quality assurance, implemented since Sep 2024"
        in page
    )
    # The repeated, implemented QA action: offered for reopening, not ticked.
    assert re.search(r'<input type="checkbox" name="reopen-3" value="1">', page)
    assert "a new action, split from action 5" in page
    fields = confirm_fields(page)
    assert fields["continues-3"] == "1:4" and fields["split-5"] == "1"
    assert dump_database() == before


def test_confirm_stores_the_choices_in_one_go(
    runner: FlaskCliRunner, coordinator: FlaskClient, session: Session
) -> None:
    """Confirm with a changed proposal and a reopen: links, one new action less, journalled."""
    _load_demo(runner, coordinator)
    fields = confirm_fields(_preview(coordinator))
    fields |= {"continues-5": "new", "reopen-3": "1", "reopen_comment-3": "More QA needed."}
    fields.pop("split-5")
    response = coordinator.post("/import/confirm", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert _count(session, Report) == 2 and _count(session, Action) == 7
    action4 = session.get(Action, 4)
    assert action4 is not None and action4.status == Status.in_progress
    again = coordinator.post("/import/confirm", data=fields)
    assert again.status_code == 303 and _count(session, Report) == 2
    landing = coordinator.get(again.headers["Location"]).get_data(as_text=True)
    assert "imported before: nothing stored" in landing


def test_update_shows_what_a_changed_proposal_drops(
    runner: FlaskCliRunner, coordinator: FlaskClient, dump_database
) -> None:
    """ "Update the proposal": a row made new leaves its earlier one dropped, with choices."""
    _load_demo(runner, coordinator)
    fields = confirm_fields(_preview(coordinator))
    before = dump_database()
    response = coordinator.post(
        "/import/confirm", data=fields | {"continues-2": "new", "update": "1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and dump_database() == before
    # Action 2 (in progress) is now dropped: keep open is the default.
    assert re.search(r'name="drop-2" value="keep" checked', page)
    assert re.search(r'name="continues-2".*?<option value="new" selected', page, re.S)


def test_a_stale_preview_shows_the_new_proposal_and_stores_nothing(
    runner: FlaskCliRunner, coordinator: FlaskClient, session: Session, make_user
) -> None:
    """An action the preview names changed before Confirm: 409, the new proposal, nothing stored."""
    _load_demo(runner, coordinator)
    fields = confirm_fields(_preview(coordinator))
    from tracker.services.workflow import ActionChange, update_action

    someone = make_user(role="coordinator")
    action = session.get(Action, 2)
    assert action is not None
    update_action(session, 2, someone, action.version, ActionChange(comment="meanwhile"))
    session.commit()
    response = coordinator.post("/import/confirm", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Something changed since the preview" in page
    assert confirm_fields(page)["fingerprint"] != fields["fingerprint"]
    assert _count(session, Report) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"continues-4": "1:5", "continues-5": "1:5", "split-5": ""}, "split-5"),
        ({"continues-6": "1:9"}, "continues-6"),
        ({"continues-6": "99:1"}, "continues-6"),
        ({"reopen-3": "1", "reopen_comment-3": "x" * 2001}, "reopen_comment-3"),
    ],
)
def test_a_choice_that_does_not_fit_is_a_marked_field(
    runner: FlaskCliRunner, coordinator: FlaskClient, dump_database, change, field
) -> None:
    """Two rows continuing one without split, or an unknown earlier one: 422, field marked."""
    _load_demo(runner, coordinator)
    fields = confirm_fields(_preview(coordinator))
    before = dump_database()
    response = coordinator.post("/import/confirm", data=fields | change)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page), field
    # Everything typed is kept.
    for name, value in change.items():
        if name.startswith("continues"):
            assert re.search(rf'name="{name}".*?<option value="{value}" selected', page, re.S) or (
                value not in page
            )
    assert dump_database() == before


def test_closing_a_dropped_action_from_the_preview(
    runner: FlaskCliRunner, coordinator: FlaskClient, session: Session
) -> None:
    """Close as implemented with a comment: the workflow's status change, after the drop event."""
    runner.invoke(args=["import-profile", str(PROFILES / "cambodia-2023-apmbc.txt")])
    runner.invoke(args=["add-member", coordinator.email, "1", "coordinator"])  # type: ignore[attr-defined]
    fields = confirm_fields(_preview(coordinator))
    fields |= {"drop-3": "implemented", "drop_comment-3": "Budget law adopted."}
    response = coordinator.post("/import/confirm", data=fields)
    assert response.status_code == 303
    session.rollback()
    action3 = session.get(Action, 3)
    assert action3 is not None and action3.status == Status.implemented
    last = session.exec(
        select(ActionEvent).where(ActionEvent.action_id == 3).order_by(ActionEvent.id.desc())  # type: ignore[attr-defined]
    ).first()
    assert last is not None and last.kind == EventKind.status_changed
    assert last.comment == "Budget law adopted."


def test_a_cut_off_last_recommendation_needs_an_explicit_choice(
    runner: FlaskCliRunner, coordinator: FlaskClient, tmp_path: Path, dump_database
) -> None:
    """No choice is preselected for a truncated last row; Confirm without one is refused."""
    from tests.test_import_lineage_command import _norland

    full = "Norland should fund survey of the northern border by the end of 2025."
    runner.invoke(args=["import-profile", str(_norland(tmp_path, 2023, full))])
    runner.invoke(args=["add-member", coordinator.email, "1", "coordinator"])  # type: ignore[attr-defined]
    cut = _norland(tmp_path, 2024, "Norland should fund survey of the northern border by the")
    page = coordinator.post("/import", data={"text": cut.read_text()}).get_data(as_text=True)
    assert "seems cut off mid-sentence" in page
    fields = confirm_fields(page)
    assert fields["continues-2"] == ""
    before = dump_database()
    refused = coordinator.post("/import/confirm", data=fields)
    assert refused.status_code == 422
    assert re.search(r'name="continues-2"[^>]*aria-invalid="true"', refused.get_data(as_text=True))
    assert dump_database() == before
    stored = coordinator.post("/import/confirm", data=fields | {"continues-2": "1:2"})
    assert stored.status_code == 303
