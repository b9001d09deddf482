"""The summary cache: figures come back fresh after every change, on both databases."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.summary_data import TODAY, build_world, change
from tracker.models import Status
from tracker.services import policy
from tracker.services import summary as summary_service
from tracker.services import users as user_service
from tracker.services.summary_cache import SummaryCache


def test_cached_figures_follow_a_status_change(session: Session) -> None:
    """Implementing an action moves the cached figures at once; no change serves the cache."""
    world = build_world(session)
    cache = SummaryCache()
    first = summary_service.summarise_programme(session, world.programme, today=TODAY, cache=cache)
    again = summary_service.summarise_programme(session, world.programme, today=TODAY, cache=cache)
    assert again.figures is first.figures and first.figures.implemented == 1
    change(session, world.actions[0], world.coordinator, "2025-06-14", status="implemented",
           comment="Published.")  # fmt: skip
    session.commit()
    after = summary_service.summarise_programme(session, world.programme, today=TODAY, cache=cache)
    assert after.figures.implemented == 2
    assert after.figures.by_status[Status.not_started] == 1
    assert after.figures.overdue == 0
    assert after.latest[0].status_to == Status.implemented


def test_deactivating_an_owner_counts_their_actions_unassigned(session: Session) -> None:
    """An owner deactivated after a cached read leaves their open actions unassigned."""
    world = build_world(session)
    cache = SummaryCache()
    lines = summary_service.summarise_programmes(session, policy.EVERYTHING, cache=cache)
    assert [line.figures.unassigned for line in lines] == [2]
    user_service.deactivate_user(session, world.owner_a, actor=world.coordinator)
    session.commit()
    lines = summary_service.summarise_programmes(session, policy.EVERYTHING, cache=cache)
    assert [line.figures.unassigned for line in lines] == [4]
    summary = summary_service.summarise_programme(
        session, world.programme, today=TODAY, cache=cache
    )
    assert summary.figures.unassigned == 4


def test_cache_keeps_a_bounded_number_of_entries(session: Session) -> None:
    """The cache drops the least recently used entries beyond its size."""
    cache = SummaryCache(max_entries=2)
    for key in range(5):
        assert cache.get_or_compute(session, key, lambda key=key: key * 10) == key * 10
    assert len(cache) == 2
    assert cache.get_or_compute(session, 4, lambda: -1) == 40


def test_overview_page_shows_a_change_made_between_two_reads(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """The all-programmes page re-read after an update shows the new percent implemented."""
    from tests.factories import make_action, make_programme

    world = build_world(session)
    make_action(session, make_programme(session, country="Southland"))
    session.commit()
    login(make_user(role="viewer"))
    assert "20%" in client.get("/").get_data(as_text=True)
    change(session, world.actions[0], world.coordinator, "2025-06-14", status="implemented",
           comment="Published.")  # fmt: skip
    session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "40%" in html and "20%" not in html


def test_programme_page_html_shows_a_change_at_once(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """The programme page's cached body is re-rendered as soon as an action changes."""
    world = build_world(session)
    login(make_user(role="viewer"))
    url = f"/programmes/{world.programme.id}/summary"

    def page() -> str:
        # The CSRF token carries a timestamp, so two reads a second apart differ only in it.
        html = client.get(url).get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]*"', "", html)

    first = page()
    assert "20%" in first and page() == first
    change(session, world.actions[0], world.coordinator, "2025-06-14", status="implemented",
           comment="Published.")  # fmt: skip
    session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "40%" in html and "20%" not in html


def test_each_role_sees_its_own_links_around_the_cached_body(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """A coordinator and then a viewer get the same figures, each with their own navigation."""
    world = build_world(session)
    url = f"/programmes/{world.programme.id}/summary"
    login(make_user(role="coordinator", email="second-coordinator@example.org"))
    coordinator_html = client.get(url).get_data(as_text=True)
    login(make_user(role="viewer", email="second-viewer@example.org"))
    viewer_html = client.get(url).get_data(as_text=True)
    assert "20%" in coordinator_html and "20%" in viewer_html
    assert ">Reminders</a>" in coordinator_html
    assert ">Reminders</a>" not in viewer_html


def test_switching_verification_on_shows_at_once_on_the_home_page(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """A setting that changes no action (verification switched on) still turns the cached
    home page over: the burn-up says verified on the next read, not a minute later."""
    from tracker.services import verifiers

    world = build_world(session)
    login(make_user(role="viewer"))
    first = client.get("/").get_data(as_text=True)
    assert "Burn-up: implemented actions over time" in first
    verifiers.set_requires_verification(session, world.programme, True)
    session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Burn-up: verified actions over time" in html
    # build_world's action implemented before the switch still counts, and it says so.
    assert "Progress counts verified actions, and those implemented before verification" in html
    assert "Burn-up: implemented actions over time" not in html
