"""Switching verification on in a programme that already has implemented actions (issue
14): what was reported implemented while it was off keeps counting as done, in the
headline, the burn-up, the public page, the API and the meeting pack alike, and each says
how many of them nobody checked; only reports made after the switch await verification."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.summary_data import TODAY, World, build_world, change
from tracker import charts
from tracker.services import meetings as meeting_service
from tracker.services import summary as summary_service
from tracker.services import users as user_service

NOTE = "Progress counts verified actions, and those implemented before verification was required"


def _switched_on(session: Session, client_for: Any) -> tuple[World, FlaskClient]:
    """build_world's programme (one action implemented on 5 Mar, of five that apply),
    switched to requiring verification on its members page by its coordinator."""
    world = build_world(session)
    world.coordinator.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(world.coordinator)
    session.commit()
    before = summary_service.count_figures(session, world.programme.id, TODAY)
    assert (before.done, before.percent_done) == (1, 20.0)
    client = client_for(world.coordinator)
    response = client.post(
        f"/programmes/{world.programme.id}/verification", data={"requires_verification": "1"}
    )
    assert response.status_code in (302, 303)
    session.rollback()
    session.refresh(world.programme)
    assert world.programme.requires_verification
    return world, client


def test_headline_and_burnup_keep_what_was_implemented(session: Session, client_for: Any) -> None:
    """The headline and the burn-up both still count the action implemented before the
    switch (20 %), as not checked; the chart and its month table draw the same."""
    world, _client = _switched_on(session, client_for)
    figures = summary_service.count_figures(session, world.programme.id, TODAY)
    assert (figures.done, figures.percent_done) == (1, 20.0)
    assert (figures.verified, figures.awaiting, figures.unchecked) == (0, 0, 1)

    points = summary_service.burnup_series(session, world.programme)
    last = points[-1]
    assert (last.scope, last.implemented, last.verified, last.awaiting) == (5, 1, 0, 0)
    assert last.done(True) == figures.done
    months = charts.monthly_values(points, TODAY, verified=True)
    assert {m.month.month: m.done for m in months} == {1: 0, 3: 1, 4: 1, 5: 1, 6: 1}
    svg = str(charts.burnup_chart(points, today=TODAY, deadline=None, history=[], verified=True))
    assert "The line also counts 1 implemented before verification was required." in svg


def test_a_report_after_the_switch_awaits_and_verifying_the_old_one_changes_nothing(
    session: Session, client_for: Any
) -> None:
    """A report made after the switch awaits verification (not progress yet); verifying
    the action implemented before it moves it to verified without moving progress."""
    world, _client = _switched_on(session, client_for)
    a2, a3 = world.actions[1], world.actions[2]
    change(session, a2, world.owner_a, "2025-06-10", status="implemented", comment="Trained.")
    session.commit()
    figures = summary_service.count_figures(session, world.programme.id, TODAY)
    assert (figures.done, figures.verified, figures.awaiting, figures.unchecked) == (1, 0, 1, 1)
    last = summary_service.burnup_series(session, world.programme)[-1]
    assert (last.implemented, last.awaiting, last.done(True)) == (2, 1, 1)

    change(session, a3, world.coordinator, "2025-06-11", verdict="verify")
    session.commit()
    figures = summary_service.count_figures(session, world.programme.id, TODAY)
    assert (figures.done, figures.verified, figures.awaiting, figures.unchecked) == (1, 1, 1, 0)
    last = summary_service.burnup_series(session, world.programme)[-1]
    assert (last.verified, last.awaiting, last.done(True)) == (1, 1, 1)


def test_summary_page_says_what_it_counts(session: Session, client_for: Any) -> None:
    """The summary page shows the same 20 % and says one counted action was implemented
    before verification was required; the members page said so before the switch."""
    world, client = _switched_on(session, client_for)
    page = client.get(f"/programmes/{world.programme.id}/summary").get_data(as_text=True)
    assert '<p class="big-percent">20%</p>' in page
    assert NOTE in page and "Progress counts verified actions only." not in page
    assert "implemented before verification was required <strong>1</strong>" in page
    members = client.get(f"/programmes/{world.programme.id}/members").get_data(as_text=True)
    assert "what is already implemented keeps counting" not in members
    everything = client.get("/").get_data(as_text=True)
    assert "1 implemented before verification was required" in everything


def test_public_page_json_and_api_agree(session: Session, client_for: Any, app: Flask) -> None:
    """The public page, its JSON and the API give the same progress as the headline."""
    from tests.test_api import bearer, token_for

    world, client = _switched_on(session, client_for)
    assert client.post(f"/programmes/{world.programme.id}/publish").status_code in (302, 303)
    session.rollback()
    session.refresh(world.programme)
    public = app.test_client()
    page = public.get(f"/p/{world.programme.public_slug}").get_data(as_text=True)
    assert "verified (1 / 5)" in page and NOTE in page
    data = public.get(f"/p/{world.programme.public_slug}.json").get_json()["progress"]
    assert (data["progress_percent"], data["verified"]) == (20.0, 0)
    assert data["implemented_without_verification"] == 1
    assert data["burnup"][-1]["awaiting"] == 0

    secret = token_for(session, world.coordinator, "read")
    body = client.get(
        f"/api/v1/programmes/{world.programme.id}/summary", headers=bearer(secret)
    ).get_json()
    assert body["figures"]["progress_percent"] == 20.0
    assert body["figures"]["implemented_without_verification"] == 1
    assert body["burnup"][-1]["awaiting"] == 0


def test_meeting_pack_and_page_count_it_too(session: Session, client_for: Any) -> None:
    """The meeting page and its pack, rebuilt as of the meeting day, show 20 % and the
    action implemented before verification was required."""
    world, client = _switched_on(session, client_for)
    meeting = meeting_service.record_meeting(
        session, world.programme, held_on=dt.date(2025, 6, 14), title="June review"
    )
    session.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "20%" in page and "implemented before verification was required" in page
    response = client.get(f"/meetings/{meeting.id}/pack.pdf")
    assert response.status_code == 200
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split()
    )
    assert "Verified 20%" in text
    assert "Implemented before verification was required 1" in text
