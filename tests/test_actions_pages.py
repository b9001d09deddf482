"""The actions pages: list, my actions, one action and its update form (403/409/422)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tracker.models import Action, Organisation, Status

RECOMMENDATION = "Cambodia should <b>finalise</b> its national mine action strategy\nby 2026."


@pytest.fixture
def orgs(make_organisation) -> tuple[Organisation, Organisation]:
    own = make_organisation(name="Cambodian Mine Action Authority", short_name="CMAA")
    other = make_organisation(name="Royal Cambodian Armed Forces", short_name="RCAF")
    return own, other


@pytest.fixture
def world(session: Session, make_user, orgs, make_action, make_programme) -> dict[str, Any]:
    """Two actions (one of each organisation) and one user of each role."""
    own, other = orgs
    programme = make_programme(deadline=dt.date(2030, 12, 31))
    mine = make_action(programme, text=RECOMMENDATION, owner_organisation_id=own.id)
    theirs = make_action(programme, owner_organisation_id=other.id)
    session.commit()
    return {
        "programme": programme,
        "own": mine,
        "other": theirs,
        "owner": make_user(role="owner", organisation=own, name="Sokha Owner"),
        "stranger": make_user(role="owner", organisation=other, name="Vanna Other"),
        "viewer": make_user(role="viewer", name="Vivi Viewer"),
        "coordinator": make_user(role="coordinator", name="Dara Coordinator"),
        "admin": make_user(role="admin", name="Ada Admin"),
    }


def _update(client: FlaskClient, action: Action, **fields: str):
    data = {"version": "1", "status": action.status.value} | fields
    return client.post(f"/actions/{action.id}/update", data=data)


def _action(session: Session, action_id: int) -> Action:
    session.rollback()
    found = session.get(Action, action_id, populate_existing=True)
    assert found is not None
    return found


def test_action_page_shows_text_source_owner_due_and_history(world, client_for) -> None:
    """The page shows the exact recommendation (escaped), its report, owner, due date, history."""
    page = client_for(world["owner"]).get(f"/actions/{world['own'].id}").get_data(as_text=True)
    assert "Cambodia should &lt;b&gt;finalise&lt;/b&gt; its national mine action strategy" in page
    assert "Clearing the Mines 2023 (2023)" in page
    assert "CMAA" in page
    assert "31 Dec 2030" in page and re.search(r"\(in [\d,]+ days\)", page)
    assert "Follows the treaty deadline" in page
    assert 'class="status status-not_started">Not started<' in page
    assert "Created from the recommendation" in page


def test_status_select_offers_only_allowed_transitions(world, client_for) -> None:
    """An owner is offered the owner moves plus the current status, never not applicable."""
    page = client_for(world["owner"]).get(f"/actions/{world['own'].id}").get_data(as_text=True)
    offered = set(
        re.findall(r'<option value="(\w+)"', page.split('name="status"')[1].split("</select>")[0])
    )
    assert offered == {"not_started", "in_progress", "blocked", "implemented"}
    assert 'name="owner"' not in page  # coordinator fields are not shown to an owner


def test_owner_moves_action_and_sees_history(session, world, client_for) -> None:
    """A saved update redirects to the page, whose history shows who changed what, and why."""
    client = client_for(world["owner"])
    response = _update(client, world["own"], status="in_progress", comment="Drafting started")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    history = page.split('id="history"')[1]
    assert "Sokha Owner" in history and "Drafting started" in history
    assert "Not started</span> → <span" in history
    assert _action(session, world["own"].id).status == Status.in_progress


def test_evidence_link_is_a_safe_link(world, client_for) -> None:
    """An evidence link is shown as a link that passes no referrer and no ranking."""
    client = client_for(world["owner"])
    _update(client, world["own"], status="implemented", evidence_url="https://example.org/plan.pdf")
    page = client.get(f"/actions/{world['own'].id}").get_data(as_text=True)
    assert '<a href="https://example.org/plan.pdf" rel="noopener noreferrer nofollow"' in page


def test_other_organisation_gets_403_with_reason(session, world, dump_database, client_for) -> None:
    """An owner editing another organisation's action is refused with a plain reason."""
    client = client_for(world["owner"])
    before = dump_database()
    response = _update(client, world["other"], status="in_progress", comment="x")
    assert response.status_code == 403
    assert "not yours or your organisation" in response.get_data(as_text=True)
    assert dump_database() == before


def test_invalid_update_is_422_keeps_typed_values_and_marks_field(
    world, dump_database, client_for
) -> None:
    """Blocked without a comment: 422, the evidence typed is kept, the comment field marked."""
    client = client_for(world["owner"])
    before = dump_database()
    response = _update(client, world["own"], status="blocked", evidence_url="https://e.org/x")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="https://e.org/x"' in page
    assert re.search(r'name="comment"[^>]*aria-invalid="true"', page)
    assert 'id="comment-error"' in page and "comment" in page.split('id="comment-error">')[1][:80]
    assert re.search(r'<option value="blocked" selected>', page)
    assert dump_database() == before


def test_stale_save_is_409_shows_changes_and_keeps_typing(session, world, client_for) -> None:
    """Two tabs: the second save is refused with 409, shows the first, keeps what was typed."""
    first, second = client_for(world["owner"]), client_for(world["coordinator"])
    assert _update(first, world["own"], status="in_progress", comment="Tab one").status_code == 303
    response = _update(second, world["own"], status="blocked", comment="Tab two typed this")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    stale = page.split('class="stale-notice"')[1].split("</section>")[0]
    assert "Tab one" in stale and "Sokha Owner" in stale
    assert "Tab two typed this" in page
    assert 'name="version" value="2"' in page
    assert _action(session, world["own"].id).status == Status.in_progress
    again = second.post(
        f"/actions/{world['own'].id}/update",
        data={"version": "2", "status": "blocked", "comment": "Tab two typed this"},
    )
    assert again.status_code == 303
    assert _action(session, world["own"].id).status == Status.blocked


def test_coordinator_reassigns_with_reason(session, world, client_for) -> None:
    """A coordinator names a new owner with a reason; the history says from whom to whom."""
    client = client_for(world["coordinator"])
    page = client.get(f"/actions/{world['own'].id}").get_data(as_text=True)
    assert 'name="owner"' in page and "Vanna Other" in page
    missing_reason = _update(client, world["own"], owner=f"user:{world['stranger'].id}")
    assert missing_reason.status_code == 422
    assert re.search(
        r'name="reason"[^>]*aria-invalid="true"', missing_reason.get_data(as_text=True)
    )
    response = _update(
        client, world["own"], owner=f"user:{world['stranger'].id}", reason="RCAF leads"
    )
    assert response.status_code == 303
    history = (
        client.get(f"/actions/{world['own'].id}").get_data(as_text=True).split('id="history"')[1]
    )
    assert "CMAA → Vanna Other" in history and "RCAF leads" in history


def test_coordinator_pins_due_date(session, world, client_for) -> None:
    """Pinning shows the date as pinned; a malformed date is a 422 at the date field."""
    client = client_for(world["coordinator"])
    bad = _update(client, world["own"], due_mode="pin", due_on="2031-02-30", reason="x")
    assert bad.status_code == 422
    assert 'value="2031-02-30"' in bad.get_data(as_text=True)
    ok = _update(client, world["own"], due_mode="pin", due_on="2031-06-30", reason="Agreed")
    assert ok.status_code == 303
    page = client.get(f"/actions/{world['own'].id}").get_data(as_text=True)
    assert "30 Jun 2031" in page and "Pinned: does not move" in page


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": "finished", "comment": "x"}, "status"),
        ({"status": "implemented", "evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"status": "in_progress", "comment": "x" * 10_001}, "comment"),
        ({"status": "not_applicable", "comment": ""}, "comment"),
        ({"due_mode": "pin", "due_on": "31/12/2030", "reason": "x"}, "due_on"),
        ({"due_mode": "pin", "due_on": "1990-01-01", "reason": "x"}, "due_on"),
        ({"owner": "user:999999", "reason": "x"}, "owner"),
        ({"owner": "user:1; DROP TABLE action", "reason": "x"}, "owner"),
        ({"due_mode": "sideways"}, "due_mode"),
    ],
)
def test_malformed_values_are_422_and_change_nothing(
    world, dump_database, fields, field, client_for
) -> None:
    """Each malformed value is answered 422 with the field marked, and the database is unchanged."""
    client = client_for(world["coordinator"])
    before = dump_database()
    response = _update(client, world["own"], **fields)
    assert response.status_code == 422
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', response.get_data(as_text=True))
    assert dump_database() == before


def test_missing_version_or_unknown_action(world, client_for) -> None:
    """A form without its version is 422; an unknown action is 404, never a 500."""
    client = client_for(world["owner"])
    no_version = client.post(f"/actions/{world['own'].id}/update", data={"status": "in_progress"})
    assert no_version.status_code == 422
    assert client.post("/actions/999999/update", data={"version": "1"}).status_code == 404
    assert client.get("/actions/999999").status_code == 404


ROLES = ["owner", "viewer", "coordinator", "admin"]
# role -> (own action, other organisation's action): the answer to a status update
UPDATE_EXPECTED = {
    "owner": (303, 403),
    "viewer": (403, 403),
    "coordinator": (303, 303),
    "admin": (303, 303),
}


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_role_route_and_action(session, world, role, client_for) -> None:
    """Role x route x (own action, other action): reads for all, writes only as the policy says."""
    client = client_for(world[role])
    manager = role in ("coordinator", "admin")
    for which, expected in zip(("own", "other"), UPDATE_EXPECTED[role], strict=True):
        action = world[which]
        assert client.get(f"/actions/{action.id}").status_code == 200
        status = _update(client, action, status="in_progress", comment="go").status_code
        assert status == expected, (role, which)
        reassign = _update(client, action, version="2" if expected == 303 else "1",
                           status="", owner="none", reason="r")  # fmt: skip
        assert reassign.status_code == (303 if manager else 403), (role, which)
        pin = client.post(
            f"/actions/{action.id}/update",
            data={"version": "3" if manager else "1", "due_mode": "pin", "due_on": "2031-01-31",
                  "reason": "r"},
        )  # fmt: skip
        assert pin.status_code == (303 if manager else 403), (role, which)
    for path in ("/actions", "/actions/mine", f"/programmes/{world['programme'].id}",
                 f"/programmes/{world['programme'].id}/deadline", "/programmes"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    assert client.get("/import").status_code == (200 if manager else 403)
    request = client.post(
        f"/programmes/{world['programme'].id}/deadline/request",
        data={"new_on": "2035-12-31", "requested_on": "2026-03-31"},
    )
    assert request.status_code == (303 if manager else 403)


def test_list_shows_filters_in_the_url_and_pages(
    session, world, orgs, client_for, make_action
) -> None:
    """Filters in the query string select rows; pages of 50 link to each other with the filter."""
    own, _ = orgs
    for number in range(53):
        make_action(world["programme"], text=f"Survey district {number}",
                    owner_organisation_id=own.id)  # fmt: skip
    session.commit()
    client = client_for(world["viewer"])
    page = client.get(f"/actions?organisation={own.id}&q=survey").get_data(as_text=True)
    assert "1\u201350 of 53 actions" in page
    assert f"organisation={own.id}" in page.split('class="pagination"')[1]
    second = client.get(f"/actions?organisation={own.id}&q=survey&page=2").get_data(as_text=True)
    assert "51\u201353 of 53 actions" in second
    blocked = client.get("/actions?status=blocked").get_data(as_text=True)
    assert "No action matches." in blocked
    odd = client.get("/actions?status=bogus&owner=abc&sort=sideways")
    assert odd.status_code == 200 and "Ignored in the address" in odd.get_data(as_text=True)


def test_my_actions_lists_own_and_organisation_actions(
    session, world, client_for, make_action
) -> None:
    """My actions shows what the person or their organisation owns, nothing else."""
    mine = make_action(world["programme"], text="Personally owned task",
                       owner_user_id=world["owner"].id)  # fmt: skip
    session.commit()
    page = client_for(world["owner"]).get("/actions/mine").get_data(as_text=True)
    links = set(re.findall(r'href="/actions/(\d+)"', page))
    assert links == {str(world["own"].id), str(mine.id)}


def test_list_shows_inactive_owner_as_unassigned(session, world, client_for, make_action) -> None:
    """An action whose owner is deactivated is listed as unassigned, and found by that filter."""
    gone = world["stranger"]
    gone.active = False
    session.add(gone)
    action = make_action(world["programme"], text="Orphaned task", owner_user_id=gone.id)
    session.commit()
    client = client_for(world["viewer"])
    page = client.get("/actions?owner=none&q=orphaned").get_data(as_text=True)
    assert f'href="/actions/{action.id}"' in page
    assert "no active member" in page


def test_comment_only_history_entry_keeps_its_lines_together(app, world, client_for) -> None:
    """A comment-only entry: the quote has its own class, so only the quote keeps line breaks."""
    client = client_for(world["owner"])
    _update(client, world["own"], comment="Met the ministry.\nNext step: the draft.")
    history = client.get(f"/actions/{world['own'].id}").get_data(as_text=True)
    history = history.split('id="history"')[1]
    item = r'<li class="([^"]*)"[^>]*>((?:(?!</li>).)*Met the ministry(?:(?!</li>).)*)</li>'
    entry = re.search(item, history, re.S)
    assert entry is not None
    item_classes = set(entry.group(1).split())
    quote = re.search(r'<blockquote class="([^"]*)">Met the ministry.\nNext step', entry.group(2))
    assert quote is not None
    quote_classes = set(quote.group(1).split())
    assert item_classes.isdisjoint(quote_classes)
    css = (Path(app.root_path) / "static" / "tracker.css").read_text()
    keeping_breaks = set(re.findall(r"\.([\w-]+)\s*\{[^}]*white-space:\s*pre-line", css))
    assert quote_classes & keeping_breaks
    assert not item_classes & keeping_breaks


def test_refused_save_opens_at_a_summary_linking_the_fields(world, client_for) -> None:
    """A 422 page opens at a short summary (the form posts to #update-errors) linking each field."""
    client = client_for(world["owner"])
    response = _update(client, world["own"], status="blocked", evidence_url="javascript:x")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'action="/actions/{world["own"].id}/update#update-errors"' in page
    summary = page.split('id="update-errors"')[1].split("</div>")[0]
    assert 'role="alert"' in page.split('id="update-errors"')[0][-80:] + summary[:40]
    linked = re.findall(r'<a href="#(\w+)">', summary)
    assert linked == ["evidence_url"] and 'id="evidence_url"' in page


def _listed(client: FlaskClient, query: str) -> tuple[set[str], str]:
    page = client.get(f"/actions?{query}").get_data(as_text=True)
    return set(re.findall(r'href="/actions/(\d+)"', page)), page


def test_owner_filter_takes_a_name_or_an_e_mail_and_keeps_old_links(
    session, world, client_for, make_action, make_user
) -> None:
    """The owner field finds a person by name or e-mail, in any case; owner=ID links (mail,
    bookmarks) still work; a shared name or nobody matches nothing and says why."""
    owner = world["owner"]
    mine = make_action(world["programme"], text="Sokha's survey", owner_user_id=owner.id)
    session.commit()
    client = client_for(world["coordinator"])
    for query in (f"owner={owner.id}", "owner=sokha+owner", f"owner={owner.email.upper()}"):
        assert _listed(client, query)[0] == {str(mine.id)}, query
    assert _listed(client, f"owner={owner.email}&status=blocked")[0] == set()
    make_user(role="owner", name="Sokha Owner", email="another.sokha@example.org")
    found, page = _listed(client, "owner=Sokha+Owner")
    assert found == set() and "type the e-mail instead" in page
    found, page = _listed(client, "owner=Nobody+Here")
    assert found == set() and "Nobody with the name or e-mail" in page
    assert client.get("/actions/export.csv?owner=Nobody+Here").status_code == 400
    export = client.get(f"/actions/export.csv?owner={owner.email}").get_data(as_text=True)
    assert "Sokha's survey" in export and RECOMMENDATION not in export


def test_owner_field_is_text_with_the_chosen_programmes_people_only(
    session, world, client_for, make_programme, make_action
) -> None:
    """No select of every owner: a text field, suggestions (a datalist) only once a
    programme is chosen, and then only its people; the unassigned box is owner=none."""
    client = client_for(world["coordinator"])
    _, page = _listed(client, "")
    assert '<input type="text" name="owner"' in page and "<datalist" not in page
    assert 'name="owner">' not in page  # the select is gone
    other = make_programme(country="Norland", open_to_everyone=False)
    session.commit()
    _, page = _listed(client, f"programme={world['programme'].id}")
    suggested = re.findall(r'<option value="([^"]+@[^"]+)">', page)
    assert world["owner"].email in suggested and world["stranger"].email in suggested
    assert all(e.endswith("@example.org") for e in suggested)
    assert _listed(client_for(world["admin"]), f"programme={other.id}")[1].count("<datalist") == 0
    assert _listed(client, "unassigned=1")[0] == _listed(client, "owner=none")[0]


def test_history_shows_a_new_entry_at_once_and_each_reader_their_own(
    session, world, client_for
) -> None:
    """The cached history follows every change (the action's version and the data
    generation are in its key), and is kept apart per reader's programmes and language."""
    coordinator = client_for(world["coordinator"])
    action = world["own"]
    before = coordinator.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "A brand new comment" not in before
    saved = _update(coordinator, action, comment="A brand new comment")
    assert saved.status_code == 303
    after = coordinator.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "A brand new comment" in after
    khmer = client_for(world["viewer"])
    viewer_page = khmer.get(f"/actions/{action.id}", headers={"Accept-Language": "km"})
    assert "A brand new comment" in viewer_page.get_data(as_text=True)
    assert "Created from the recommendation" not in viewer_page.get_data(as_text=True)
