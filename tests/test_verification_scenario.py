"""Issue 14's scenario: reported, sent back, reported again with evidence, verified by QA;
the summary's verified and reported figures and the as-of snapshot right at each step."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from sqlmodel import Session

from tests.factories import make_action, make_programme
from tracker.models import Status, Verification
from tracker.services import snapshot, verifiers
from tracker.services import summary as summary_service

TODAY = dt.datetime.now(dt.UTC).date()
DAYS = [TODAY + dt.timedelta(days=n) for n in (1, 2, 3, 4)]


@pytest.fixture(autouse=True)
def _noon_of_today() -> Iterator[None]:
    """The steps the test takes "now" fall on TODAY, the day the snapshots are asked for,
    even when the test runs after midnight UTC of the day it was collected (a CI run at
    23:58 failed so: TODAY was the 1st, the updates the 2nd)."""
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(12), dt.UTC), tick=True):
        yield


def _figures(session: Session, programme: Any) -> tuple[int, int, int, float | None]:
    """Implemented, verified, awaiting and the progress percent, as the summary counts them."""
    session.rollback()  # a fresh read: SQLite would keep the old transaction's snapshot
    f = summary_service.count_figures(session, programme.id, TODAY)
    return f.implemented, f.verified, f.awaiting, f.percent_done


def _as_of(session: Session, programme: Any, day: dt.date) -> tuple[int, int, int, float | None]:
    session.rollback()
    s = snapshot.take_snapshot(session, programme, day)
    return s.by_status[Status.implemented], s.verified, s.awaiting, s.percent_done


def _summary_line(client: Any, programme: Any) -> str:
    """The summary page's verified and awaiting figures, as the reader sees them."""
    page = client.get(f"/programmes/{programme.id}/summary").get_data(as_text=True)
    found = re.search(r'<p class="verification-figures">(.*?)</p>', page, re.S)
    assert found is not None and "Progress counts verified actions only." in page
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def _post_update(client: Any, action: Any, session: Session, **fields: str) -> Any:
    session.rollback()
    session.refresh(action)
    return client.post(
        f"/actions/{action.id}/update", data={"version": str(action.version), **fields}
    )


def test_report_send_back_report_verify(
    session: Session, make_user: Any, make_organisation: Any, client_for: Any
) -> None:
    """Each step through the action page as the person who takes it; after each, the figures;
    at the end, the snapshot at the end of each step's day rebuilds what was true then."""
    from tracker.services.workflow import ActionChange, update_action

    mef = make_organisation(name="Ministry of Economy and Finance", short_name="MEF")
    qa_org = make_organisation(name="CMAA quality assurance", short_name="QA")
    owner = make_user(role="owner", organisation=mef, name="Budget owner")
    coordinator = make_user(role="coordinator", name="Coordinator")
    qa = make_user(role="owner", organisation=qa_org, name="QA verifier")
    programme = make_programme(session, timezone="UTC")
    action = make_action(session, programme, owner_organisation_id=mef.id)
    make_action(session, programme)  # a second action, not started: the share is out of 2
    verifiers.set_verifier(session, qa, programme, True)
    session.commit()
    assert programme.requires_verification

    # The pages: each person's form carries the verdicts policy offers them.
    owner_client, coordinator_client, qa_client = (client_for(u) for u in (owner, coordinator, qa))
    response = _post_update(
        owner_client, action, session, status="implemented", evidence_url="https://example.org/a"
    )
    assert response.status_code == 303
    assert _figures(session, programme) == (1, 0, 1, 0.0)
    assert _summary_line(coordinator_client, programme) == (
        "Verified 0 · reported, awaiting verification 1"
    )

    response = _post_update(
        coordinator_client, action, session, verdict="send_back", comment="The link is a draft."
    )
    assert response.status_code == 303
    session.rollback()
    session.refresh(action)
    assert (action.status, action.verification) == (Status.in_progress, Verification.not_required)
    assert _figures(session, programme) == (0, 0, 0, 0.0)

    response = _post_update(
        owner_client, action, session, status="implemented",
        evidence_url="https://example.org/budget-law-2024", comment="The law as adopted.",
    )  # fmt: skip
    assert response.status_code == 303
    assert _figures(session, programme) == (1, 0, 1, 0.0)

    # QA cannot update MEF's action otherwise, but sees and takes the verdict.
    form = qa_client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert 'value="verify"' in form and 'value="send_back"' in form
    response = _post_update(qa_client, action, session, verdict="verify", comment="Checked.")
    assert response.status_code == 303
    assert _figures(session, programme) == (1, 1, 0, 50.0)
    assert _summary_line(coordinator_client, programme) == (
        "Verified 1 · reported, awaiting verification 0"
    )
    page = coordinator_client.get(f"/programmes/{programme.id}/summary").get_data(as_text=True)
    assert '<p class="big-percent">50%</p>' in page

    # The same four steps for a third action on the next four days: each day's snapshot
    # shows the programme as it stands at the end of that day, and today's none of them.
    other = make_action(session, programme, owner_organisation_id=mef.id)
    session.commit()
    steps = [
        (owner, ActionChange(status="implemented", evidence_url="https://example.org/a")),
        (coordinator, ActionChange(verdict="send_back", comment="Draft.")),
        (owner, ActionChange(status="implemented", evidence_url="https://example.org/b")),
        (qa, ActionChange(verdict="verify")),
    ]
    for day, (actor, change) in zip(DAYS, steps, strict=True):
        session.refresh(other)
        at = dt.datetime.combine(day, dt.time(10), dt.UTC)
        update_action(session, other.id, actor, other.version, change, at=at)
        session.commit()
    # Implemented, verified, awaiting, progress: out of three actions, the first verified.
    assert _as_of(session, programme, TODAY - dt.timedelta(days=1)) == (0, 0, 0, None)
    assert _as_of(session, programme, TODAY) == (1, 1, 0, 100 / 3)
    assert [_as_of(session, programme, day) for day in DAYS] == [
        (2, 1, 1, 100 / 3),
        (1, 1, 0, 100 / 3),
        (2, 1, 1, 100 / 3),
        (2, 2, 0, 200 / 3),
    ]
