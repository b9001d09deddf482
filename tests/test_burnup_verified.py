"""The burn-up where the programme verifies (issue 14): progress over time is verified
actions. An action reported done and awaiting verification is not yet done, one sent
back drops out, and events from before verification existed count by their status."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from pypdf import PdfReader
from sqlmodel import Session

from tests.conftest import DEFAULT_PASSWORD
from tests.factories import make_programme
from tests.summary_data import DEADLINE, add_action, at, build_world, change
from tracker import charts
from tracker.models import Action, ActionEvent, EventKind, Programme, Status, User, Verification
from tracker.services import meetings as meeting_service
from tracker.services import summary as summary_service
from tracker.services import users as user_service
from tracker.services import verifiers
from tracker.services.workflow import Owner

TODAY = dt.date(2025, 6, 15)
REASON = "Agreed with the owner."


def _verifying_world(session: Session, make_user: Any) -> tuple[Programme, User, dict[str, Any]]:
    """A programme that verifies, with a history through every kind of move (each change
    through ``update_action`` at a past instant, 10:00 in Phnom Penh)."""
    coordinator = make_user(role="coordinator", name="Cora Ordinator")
    owner = make_user(role="owner", name="Anna Owner")
    programme = make_programme(session, deadline=DEADLINE)
    assert programme.requires_verification
    names = ("reported", "sent_back", "own_verify", "reopened", "untouched", "not_applicable")
    actions = {name: add_action(session, programme, name, "2025-01-10") for name in names}
    for action in actions.values():
        change(session, action, coordinator, "2025-01-11", owner=Owner(user_id=owner.id),
               reason=REASON)  # fmt: skip
    evidence = {"evidence_url": "https://example.org/proof"}

    # Reported on 1 Feb, verified on 10 Feb.
    change(session, actions["reported"], owner, "2025-02-01", status="implemented", **evidence)
    change(session, actions["reported"], coordinator, "2025-02-10", verdict="verify")
    # Reported on 1 Mar, sent back on 5 Mar, reported again on 10 Mar: awaiting to the end.
    change(session, actions["sent_back"], owner, "2025-03-01", status="implemented", **evidence)
    change(session, actions["sent_back"], coordinator, "2025-03-05", verdict="send_back",
           comment="The link shows a draft.")  # fmt: skip
    change(session, actions["sent_back"], owner, "2025-03-10", status="implemented", **evidence)
    # A coordinator's own report verifies in the same step (1 Apr).
    change(session, actions["own_verify"], coordinator, "2025-04-01", status="implemented",
           verdict="verify", **evidence)  # fmt: skip
    # Verified on 2 Apr, reopened on 1 May: no longer done.
    change(session, actions["reopened"], owner, "2025-04-02", status="implemented", **evidence)
    change(session, actions["reopened"], coordinator, "2025-04-02", 4, verdict="verify")
    change(session, actions["reopened"], coordinator, "2025-05-01", status="in_progress",
           comment="The budget line was cut.")  # fmt: skip
    change(session, actions["not_applicable"], coordinator, "2025-05-10",
           status="not_applicable", comment="No lakes.")  # fmt: skip
    session.commit()
    return programme, coordinator, actions


def _add_legacy_implemented(session: Session, programme: Programme, day: str) -> Action:
    """An action implemented before verification existed: its journal carries no
    verification state, and the upgrade made it verified (migration 0014)."""
    action = add_action(session, programme, "Implemented before verification", day)
    session.execute(
        ActionEvent.__table__.update()  # type: ignore[attr-defined]
        .where(ActionEvent.__table__.c.action_id == action.id)  # type: ignore[attr-defined]
        .values(verification_to=None)
    )
    session.add(
        ActionEvent(
            action_id=action.id, kind=EventKind.status_changed, at=at(day, 5),
            status_from=Status.not_started, status_to=Status.implemented, comment="Law adopted.",
        )
    )  # fmt: skip
    action.status, action.verification = Status.implemented, Verification.verified
    session.add(action)
    session.commit()
    return action


def _series(session: Session, programme: Programme) -> list[tuple[dt.date, int, int, int]]:
    session.rollback()
    return [
        (p.day, p.scope, p.implemented, p.verified)
        for p in summary_service.burnup_series(session, programme)
    ]


def test_verified_burnup_counts_only_what_was_checked(session: Session, make_user: Any) -> None:
    """Reported and awaiting: implemented, not verified; verified: both; sent back: out of
    both until reported again; reopened after verification: out; the series ends at the
    headline figures."""
    programme, _coordinator, _actions = _verifying_world(session, make_user)
    d = dt.date
    assert _series(session, programme) == [
        (d(2025, 1, 10), 6, 0, 0),
        (d(2025, 2, 1), 6, 1, 0),  # reported: awaiting verification
        (d(2025, 2, 10), 6, 1, 1),  # verified
        (d(2025, 3, 1), 6, 2, 1),  # the second reported
        (d(2025, 3, 5), 6, 1, 1),  # sent back: in progress again
        (d(2025, 3, 10), 6, 2, 1),  # reported again, awaiting
        (d(2025, 4, 1), 6, 3, 2),  # a coordinator's own report, verified in the same step
        (d(2025, 4, 2), 6, 4, 3),  # reported and verified the same day
        (d(2025, 5, 1), 6, 3, 2),  # reopened after verification
        (d(2025, 5, 10), 5, 3, 2),  # not applicable: out of the scope
    ]
    figures = summary_service.count_figures(session, programme.id, TODAY)
    assert (figures.implemented, figures.verified, figures.awaiting) == (3, 2, 1)


def test_legacy_events_count_by_status(session: Session, make_user: Any) -> None:
    """An action implemented before verification existed counts as verified from the day
    its status changed, as the headline figures count it; reopened later, it drops out."""
    programme, coordinator, _actions = _verifying_world(session, make_user)
    legacy = _add_legacy_implemented(session, programme, "2025-01-20")
    series = _series(session, programme)
    assert series[1] == (dt.date(2025, 1, 20), 7, 1, 1)
    assert series[-1] == (dt.date(2025, 5, 10), 6, 4, 3)
    figures = summary_service.count_figures(session, programme.id, TODAY)
    assert (figures.implemented, figures.verified) == (4, 3)

    change(session, legacy, coordinator, "2025-06-01", status="in_progress", comment="Repealed.")
    session.commit()
    assert _series(session, programme)[-1] == (dt.date(2025, 6, 1), 6, 3, 2)


def test_programme_without_verification_keeps_implemented(session: Session) -> None:
    """The summary world verifies nothing: its chart and table say implemented, as before."""
    world = build_world(session)
    summary = summary_service.summarise_programme(session, world.programme, today=TODAY)
    svg = str(charts.burnup_chart(summary.burnup, today=TODAY, deadline=DEADLINE, history=[]))
    assert "Burn-up: implemented actions over time" in svg
    assert "1 of 5 applicable actions implemented" in svg and ">Implemented</text>" in svg
    assert "erified" not in svg
    months = charts.monthly_values(summary.burnup, TODAY)
    assert [(m.month.month, m.scope, m.done) for m in months] == [
        (1, 5, 0), (3, 5, 1), (4, 4, 1), (5, 5, 1), (6, 5, 1),
    ]  # fmt: skip


def test_chart_and_month_table_say_verified(app: Flask, session: Session, make_user: Any) -> None:
    """Where the programme verifies, the chart's title, description and legend say
    verified and draw the verified total; the month table counts it; in Khmer too."""
    programme, _coordinator, _actions = _verifying_world(session, make_user)
    points = summary_service.burnup_series(session, programme)
    for phone in (False, True):
        svg = str(
            charts.burnup_chart(
                points, today=TODAY, deadline=DEADLINE, history=[], phone=phone, verified=True
            )
        )
        assert "Burn-up: verified actions over time" in svg
        assert "2 of 5 applicable actions verified on 15 Jun 2025." in svg
        assert ">Verified</text>" in svg and ">Implemented</text>" not in svg
    months = charts.monthly_values(points, TODAY, verified=True)
    assert [(m.month.month, m.scope, m.done) for m in months] == [
        (1, 6, 0), (2, 6, 1), (4, 6, 3), (5, 5, 2), (6, 5, 2),
    ]  # fmt: skip
    with force_locale("km"):
        khmer = str(
            charts.burnup_chart(points, today=TODAY, deadline=DEADLINE, history=[], verified=True)
        )
    assert "Burn-up" not in khmer and "verified" not in khmer and "Verified" not in khmer


def test_summary_page_draws_verified(session: Session, make_user: Any, client_for: Any) -> None:
    """The summary page's chart and its table of numbers say verified; switched off, the
    same page says implemented again (the setting writes no event)."""
    programme, coordinator, _actions = _verifying_world(session, make_user)
    client = client_for(coordinator)
    page = client.get(f"/programmes/{programme.id}/summary").get_data(as_text=True)
    assert "Burn-up: verified actions over time" in page
    assert '<th scope="col" class="num">Verified</th>' in page
    verifiers.set_requires_verification(session, programme, False)
    session.commit()
    page = client.get(f"/programmes/{programme.id}/summary").get_data(as_text=True)
    assert "Burn-up: implemented actions over time" in page
    assert '<th scope="col" class="num">Implemented</th>' in page


def test_public_page_and_json_carry_verified(
    session: Session, make_user: Any, client_for: Any, app: Flask
) -> None:
    """The public page of a verifying programme draws verified; its JSON gives both totals."""
    programme, coordinator, _actions = _verifying_world(session, make_user)
    response = client_for(coordinator).post(f"/programmes/{programme.id}/publish")
    assert response.status_code in (302, 303)
    session.rollback()
    session.refresh(programme)
    public = app.test_client()
    page = public.get(f"/p/{programme.public_slug}").get_data(as_text=True)
    assert "Burn-up: verified actions over time" in page
    data = public.get(f"/p/{programme.public_slug}.json").get_json()
    last = data["progress"]["burnup"][-1]
    assert (last["scope"], last["implemented"], last["verified"]) == (5, 3, 2)


def test_api_summary_burnup_has_verified(session: Session, make_user: Any, client_for: Any) -> None:
    """The API's burn-up points carry verified beside implemented."""
    from tests.test_api import bearer, token_for

    programme, coordinator, _actions = _verifying_world(session, make_user)
    secret = token_for(session, coordinator, "read")
    body = (
        client_for(coordinator)
        .get(f"/api/v1/programmes/{programme.id}/summary", headers=bearer(secret))
        .get_json()
    )
    last = body["burnup"][-1]
    assert (last["implemented"], last["verified"]) == (3, 2)


def test_meeting_pack_caption_says_verified(
    session: Session, client: FlaskClient, login: Any
) -> None:
    """A verifying programme's pack calls its burn-up verified actions."""
    world = build_world(session)
    verifiers.set_requires_verification(session, world.programme, True)
    world.coordinator.password_hash = user_service.hash_password(DEFAULT_PASSWORD)
    session.add(world.coordinator)
    meeting = meeting_service.record_meeting(
        session, world.programme, held_on=dt.date(2025, 6, 14), title="June review"
    )
    session.commit()
    login(world.coordinator)
    response = client.get(f"/meetings/{meeting.id}/pack.pdf")
    assert response.status_code == 200
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split()
    )
    assert "Verified actions against the actions that apply, up to 14 Jun 2025" in text
    assert "Implemented actions against" not in text


def test_khmer_summary_says_verified_and_names_the_months_in_khmer(
    session: Session, make_user: Any, client_for: Any
) -> None:
    """A Khmer reader's month table: Khmer month names (they were strftime's English) and
    the verified column in Khmer."""
    programme, _coordinator, _actions = _verifying_world(session, make_user)
    reader = make_user(role="coordinator", language="km")
    page = client_for(reader).get(f"/programmes/{programme.id}/summary").get_data(as_text=True)
    table = page[page.index("chart-data") :]
    assert "<td>មករា 2025</td>" in table and "<td>កុម្ភៈ 2025</td>" in table
    assert "Jan 2025" not in table and "Feb 2025" not in table
    assert '<th scope="col" class="num">បានផ្ទៀងផ្ទាត់</th>' in table
