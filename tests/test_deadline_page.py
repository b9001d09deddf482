"""The deadline page: current deadline, history, following actions, coordinators' forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlmodel import Session

from tracker.models import Action, Status
from tracker.services import programmes as programme_service

D = dt.date


@pytest.fixture
def setup(session: Session, make_user, make_action, make_programme) -> dict[str, Any]:
    programme = make_programme(deadline=D(2025, 12, 31))
    following = [make_action(programme) for _ in range(3)]
    make_action(programme, follows_deadline=False, due_on=D(2027, 1, 1))
    make_action(programme, status=Status.implemented)
    session.commit()
    coordinator, owner = make_user(role="coordinator"), make_user(role="owner")
    return {"programme": programme, "following": following, "coordinator": coordinator,
            "owner": owner}  # fmt: skip


def _url(setup: dict[str, Any], tail: str = "") -> str:
    return f"/programmes/{setup['programme'].id}/deadline{tail}"


def test_page_shows_deadline_history_and_following_count(setup, client_for) -> None:
    """Anyone signed in sees the current deadline, its history and how many actions follow it."""
    page = client_for(setup["owner"]).get(_url(setup)).get_data(as_text=True)
    assert "31 Dec 2025" in page and "Deadline history" in page
    assert "3 open actions follow the deadline and will move with it." in page
    assert "Record an extension request" not in page  # forms are for coordinators


def test_request_then_granted_decision_moves_actions(session, setup, client_for) -> None:
    """A request moves nothing; its granted decision moves the following open actions."""
    client = client_for(setup["coordinator"])
    response = client.post(
        _url(setup, "/request"),
        data={"new_on": "2030-12-31", "requested_on": "2025-03-31", "source": "Request 2025"},
    )
    assert response.status_code == 303
    pid = setup["programme"].id
    assert programme_service.current_deadline(session, pid) == D(2025, 12, 31)
    page = client.get(_url(setup)).get_data(as_text=True)
    assert "(pending)" in page and "Decision on the request for 31 Dec 2030" in page
    change_id = re.search(r"/deadline/(\d+)/decision", page).group(1)
    decided = client.post(
        _url(setup, f"/{change_id}/decision"),
        data={"outcome": "granted", "decided_on": "2025-12-05", "decided_by": "22MSP"},
    )
    assert decided.status_code == 303
    landing = client.get(decided.headers["Location"]).get_data(as_text=True)
    assert "3 open actions now follow the new deadline." in landing
    session.rollback()
    assert programme_service.current_deadline(session, pid) == D(2030, 12, 31)
    due = {session.get(Action, a.id, populate_existing=True).due_on for a in setup["following"]}
    assert due == {D(2030, 12, 31)}


def test_refused_decision_keeps_deadline(session, setup, client_for) -> None:
    """A refused request is recorded as refused and moves nothing."""
    client = client_for(setup["coordinator"])
    client.post(
        _url(setup, "/request"), data={"new_on": "2030-12-31", "requested_on": "2025-03-31"}
    )
    change_id = re.search(
        r"/deadline/(\d+)/decision", client.get(_url(setup)).get_data(as_text=True)
    ).group(1)
    response = client.post(
        _url(setup, f"/{change_id}/decision"),
        data={"outcome": "refused", "decided_on": "2025-12-05", "decided_by": "22MSP"},
    )
    assert response.status_code == 303
    assert "(refused)" in client.get(_url(setup)).get_data(as_text=True)
    assert programme_service.current_deadline(session, setup["programme"].id) == D(2025, 12, 31)


def test_correction_moves_deadline(session, setup, client_for) -> None:
    """A correction with its decision and reason becomes the current deadline."""
    client = client_for(setup["coordinator"])
    response = client.post(
        _url(setup, "/correction"),
        data={"new_on": "2026-01-01", "decided_on": "2026-01-10", "decided_by": "Secretariat",
              "note": "Typo in the first record"},
    )  # fmt: skip
    assert response.status_code == 303
    assert programme_service.current_deadline(session, setup["programme"].id) == D(2026, 1, 1)


@pytest.mark.parametrize(
    ("tail", "data", "field"),
    [
        ("/request", {"new_on": "2030-02-30", "requested_on": "2025-03-31"}, "new_on"),
        ("/request", {"new_on": "", "requested_on": "2025-03-31"}, "new_on"),
        ("/request", {"new_on": "2030-12-31", "requested_on": "2999-01-01"}, "requested_on"),
        ("/request", {"new_on": "2030-12-31", "requested_on": "2025-03-31", "note": "x" * 4001},
         "note"),
        ("/correction", {"new_on": "2026-01-01", "decided_on": "2026-01-10", "decided_by": "",
                         "note": "n"}, "decided_by"),
    ],
)  # fmt: skip
def test_bad_deadline_input_is_422_and_changes_nothing(
    setup, dump_database, tail, data, field, client_for
) -> None:
    """Malformed dates and missing or long text: 422, the field marked, the value kept."""
    client = client_for(setup["coordinator"])
    before = dump_database()
    response = client.post(_url(setup, tail), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page)
    if data[field] and len(data[field]) < 50:
        assert f'value="{data[field]}"' in page
    assert dump_database() == before


def test_decision_before_request_is_refused(setup, dump_database, client_for) -> None:
    """The service's own rule (no decision before the request) comes back as a 422 message."""
    client = client_for(setup["coordinator"])
    client.post(
        _url(setup, "/request"), data={"new_on": "2030-12-31", "requested_on": "2025-03-31"}
    )
    change_id = re.search(
        r"/deadline/(\d+)/decision", client.get(_url(setup)).get_data(as_text=True)
    ).group(1)
    before = dump_database()
    response = client.post(
        _url(setup, f"/{change_id}/decision"),
        data={"outcome": "granted", "decided_on": "2025-01-01", "decided_by": "x"},
    )
    assert response.status_code == 422
    assert "cannot come before the request" in response.get_data(as_text=True)
    assert dump_database() == before


def test_owner_cannot_record_deadlines(setup, client_for) -> None:
    """Owners are refused every deadline form with 403."""
    client = client_for(setup["owner"])
    for tail in ("/request", "/correction", "/1/decision"):
        assert client.post(_url(setup, tail), data={"new_on": "2030-12-31"}).status_code in (
            403,
            404,
        )
    assert client.post(_url(setup, "/request"), data={}).status_code == 403


def test_date_fields_say_the_expected_format(setup, client_for) -> None:
    """Every date field of the deadline forms has the YYYY-MM-DD hint right under it (outside
    its label, so the hint is the field's description, not part of its name)."""
    page = client_for(setup["coordinator"]).get(_url(setup)).get_data(as_text=True)
    fields = re.findall(
        r'<input type="date"[^>]*><small id="[^"]+" class="date-hint">([^<]*)<', page
    )
    assert len(fields) == page.count('type="date"') >= 3
    assert all(hint.startswith("YYYY-MM-DD, e.g. 2026-12-31") for hint in fields)
