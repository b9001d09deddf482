"""The Cambodia scenario of issue 10: the demo's 2023 edition with its history, then a
made-up 2024 edition (a repeat, a rewording, a split, a drop and a new recommendation),
seen on every page that shows it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, select

from tracker.models import Action, Meeting, Programme, RecommendationLink
from tracker.services import snapshot as snapshot_service

CAMBODIA_2024 = Path(__file__).parent / "profiles" / "cambodia-2024-apmbc-made-up.txt"


@pytest.fixture
def scenario(runner: FlaskCliRunner, session: Session) -> dict[str, object]:
    """The demo, its March 2024 meeting page and snapshot taken, then the 2024 import."""
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    programme = session.exec(select(Programme)).one()
    march = session.exec(select(Meeting).where(Meeting.held_on == dt.date(2024, 3, 14))).one()
    before = snapshot_service.take_snapshot(session, programme, march.held_on)
    result = runner.invoke(args=["import-profile", str(CAMBODIA_2024), "--accept-proposals"])
    assert result.exit_code == 0, result.stderr
    session.rollback()
    return {"programme": programme, "march": march, "before": before}


@pytest.fixture
def coordinator(client: FlaskClient, make_user, login) -> FlaskClient:
    login(make_user(role="coordinator"))
    return client


def test_progress_does_not_halve_and_march_2024_is_unchanged(
    scenario: dict[str, object], session: Session, coordinator: FlaskClient
) -> None:
    """Seven actions, two implemented (29 %, not 14 %); the March meeting shows what it showed."""
    programme, march = scenario["programme"], scenario["march"]
    assert isinstance(programme, Programme) and isinstance(march, Meeting)
    after = snapshot_service.take_snapshot(session, programme, march.held_on)
    assert after == scenario["before"]
    page = coordinator.get(f"/meetings/{march.id}").get_data(as_text=True)
    assert "Clearing the Mines 2024" not in page  # imported after the meeting
    summary = coordinator.get("/").get_data(as_text=True)
    assert re.search(r'<p class="big-percent">\s*29\s*%', summary), "progress halved?"
    assert "2 of 7 actions that apply" in summary


def test_summary_counts_the_latest_edition(
    scenario: dict[str, object], coordinator: FlaskClient
) -> None:
    """Carried over 2, reworded 2, split 1, new 1, dropped 1; criteria across editions."""
    page = coordinator.get("/").get_data(as_text=True)
    assert "The latest edition: Clearing the Mines 2024" in page
    figures = {
        label: int(value)
        for value, label in re.findall(
            r'<span class="figure-value">(\d+)</span><span class="figure-label">([a-z ]+)</span>',
            page,
        )
    }
    assert {k: figures[k] for k in ("carried over", "reworded", "split off", "new", "dropped")} == {
        "carried over": 2, "reworded": 2, "split off": 1, "new": 1, "dropped": 1,
    }  # fmt: skip
    assert "Scorecard criteria across editions" in page
    assert 'id="criterion-1-title">Understanding of anti-personnel mine contamination<' in page


def test_action_page_shows_every_edition_and_the_wording_change(
    scenario: dict[str, object], coordinator: FlaskClient
) -> None:
    """Action 4: recommended in 2023, 2024; the 2024 text on top; the rewording marked."""
    page = coordinator.get("/actions/4").get_data(as_text=True)
    assert "Recommended in 2023, 2024" in page
    top = re.search(r'<blockquote class="recommendation-text">(.*?)</blockquote>', page, re.S)
    assert top and "further strengthen" in top.group(1)
    assert "<ins>further strengthen " in page and "<del>expand " in page
    assert "Clearing the Mines 2024 carries the recommendation on, reworded." in page
    # The owner, status and due date carried on.
    assert "Demo: CMAA quality assurance" in page
    assert "Detach: this is a different ask" in page
    split = coordinator.get("/actions/5").get_data(as_text=True)
    assert "splits the recommendation in two" in split and 'href="/actions/6"' in split
    dropped = coordinator.get("/actions/3").get_data(as_text=True)
    assert "Clearing the Mines 2024 no longer lists this recommendation." in dropped


def test_list_filters_and_edition_badges(
    scenario: dict[str, object], coordinator: FlaskClient
) -> None:
    """Repeated in 2+ editions: actions 1, 2, 4, 5; not in the latest edition: action 3."""

    def ids(query: str) -> list[int]:
        page = coordinator.get("/actions?" + query).get_data(as_text=True)
        return sorted(int(i) for i in re.findall(r'href="/actions/(\d+)"', page))

    assert ids("editions=2") == [1, 2, 4, 5]
    assert ids("not_latest=1") == [3]
    assert ids("edition=Clearing+the+Mines+2024") == [1, 2, 4, 5, 6, 7]
    page = coordinator.get("/actions").get_data(as_text=True)
    assert page.count('<span class="edition-badge"') == 4
    assert ids("editions=abc") == list(range(1, 8))  # malformed: left out, named


def test_detach_from_the_action_page(
    scenario: dict[str, object], session: Session, coordinator: FlaskClient
) -> None:
    """A coordinator detaches the 2024 text of action 1: it becomes action 8, both say so."""
    link = session.exec(
        select(RecommendationLink).order_by(RecommendationLink.id)  # type: ignore[arg-type]
    ).first()
    assert link is not None
    assert coordinator.get(f"/actions/1/detach/{link.recommendation_id}").status_code == 405
    response = coordinator.post(f"/actions/1/detach/{link.recommendation_id}")
    assert response.status_code == 303
    page = coordinator.get("/actions/1").get_data(as_text=True)
    assert "is now action 8" in page and "Recommended in" not in page
    new = coordinator.get("/actions/8").get_data(as_text=True)
    assert "was detached" in new and 'href="/actions/1"' in new
    session.rollback()
    assert session.get(Action, 8) is not None
    again = coordinator.post(f"/actions/1/detach/{link.recommendation_id}")
    assert again.status_code == 404


def test_owners_cannot_detach(
    scenario: dict[str, object], app, make_user, session: Session
) -> None:
    """Detaching is for coordinators: an owner gets 403 and no button."""
    owner = make_user(role="owner")
    client = app.test_client()
    client.post(
        "/auth/login", data={"email": owner.email, "password": "correct horse battery staple"}
    )
    assert "Detach" not in client.get("/actions/4").get_data(as_text=True)
    link = session.exec(select(RecommendationLink)).first()
    assert link is not None
    assert client.post(f"/actions/4/detach/{link.recommendation_id}").status_code == 403


def test_the_api_shows_texts_by_edition_and_links(
    scenario: dict[str, object], session: Session, make_user, client: FlaskClient
) -> None:
    """An action lists its texts newest first; a recommendation what it continues and what
    continues it; the list filters by editions."""
    from tests.test_api import bearer, token_for

    headers = bearer(token_for(session, make_user(role="viewer"), "read"))
    action = client.get("/api/v1/actions/4", headers=headers).get_json()
    assert action["editions"] == 2
    assert [(t["year"], t["kind"]) for t in action["texts"]] == [(2024, "reworded"), (2023, "own")]
    assert "further strengthen" in action["texts"][0]["text"]
    kinds = [e["kind"] for e in action["history"]]
    assert "reworded" in kinds
    reworded = next(e for e in action["history"] if e["kind"] == "reworded")
    assert reworded["report_id"] == 2 and "expand" in reworded["text_from"]
    later = client.get("/api/v1/reports/2/recommendations", headers=headers).get_json()["items"]
    assert [r["action_id"] for r in later] == [1, 2, 4, 5, 6, 7]
    assert later[2]["continues"] == [
        {"recommendation_id": 4, "report_id": 1, "position": 4, "kind": "reworded"}
    ]
    assert later[4]["continues"][0]["kind"] == "split"
    earlier = client.get("/api/v1/reports/1/recommendations", headers=headers).get_json()
    assert [len(r["continued_by"]) for r in earlier["items"]] == [1, 1, 0, 1, 2]
    listed = client.get("/api/v1/actions?editions=2", headers=headers).get_json()
    assert sorted(a["id"] for a in listed["items"]) == [1, 2, 4, 5]
    gone = client.get("/api/v1/actions?not_latest=true", headers=headers).get_json()
    assert [a["id"] for a in gone["items"]] == [3]


def test_the_export_names_the_editions_of_each_action(
    scenario: dict[str, object], coordinator: FlaskClient
) -> None:
    """The CSV has a column with the editions that carry each recommendation."""
    import csv
    import io

    response = coordinator.get("/actions/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    editions = {int(r["Action"]): r["Editions carrying it"] for r in rows}
    assert editions == {1: "2023, 2024", 2: "2023, 2024", 3: "2023", 4: "2023, 2024",
                        5: "2023, 2024", 6: "2024", 7: "2024"}  # fmt: skip


def _pdf_words(response_data: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response_data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_meeting_pack_shows_the_editions_as_of_its_day(
    scenario: dict[str, object], session: Session, coordinator: FlaskClient
) -> None:
    """A meeting after the 2024 import files what that edition carried over, reworded and
    dropped, and the criteria across editions; the March 2024 pack, printed again today,
    still knows only the 2023 edition."""
    from tracker.formatting import local_today
    from tracker.services import meetings as meeting_service

    programme, march = scenario["programme"], scenario["march"]
    assert isinstance(programme, Programme) and isinstance(march, Meeting)
    later = meeting_service.record_meeting(
        session,
        programme,
        held_on=local_today(programme.timezone),  # today in Phnom Penh: after the import
        title="Working group after the 2024 edition",
    )
    session.commit()

    after = coordinator.get(f"/meetings/{later.id}/pack.pdf")
    assert after.status_code == 200, after.get_data(as_text=True)[:300]
    text = _pdf_words(after.data)
    assert "The latest edition: Clearing the Mines 2024" in text
    assert "Against Clearing the Mines 2023:" in text
    for figure in ("2 carried over", "2 reworded", "1 split off", "1 new", "1 dropped"):
        assert figure in text, figure
    assert "Scorecard criteria across editions" in text

    before = _pdf_words(coordinator.get(f"/meetings/{march.id}/pack.pdf").data)
    assert "Clearing the Mines 2024" not in before
    assert "The latest edition: Clearing the Mines 2023" in before
