"""The summary's figures, lists and burn-up on a hand-built programme, on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.summary_data import TODAY, build_world
from tracker import charts
from tracker.models import Status
from tracker.services import summary as summary_service


def test_figures_match_the_hand_built_programme(session: Session) -> None:
    """Counts by status, percent, overdue, due soon and unassigned are exactly as arranged."""
    world = build_world(session)
    figures = summary_service.count_figures(session, world.programme.id, TODAY)
    assert figures.total == 6
    assert figures.by_status == {
        Status.not_started: 2, Status.in_progress: 1, Status.blocked: 1,
        Status.implemented: 1, Status.not_applicable: 1,
    }  # fmt: skip
    assert figures.percent_implemented == 20.0  # 1 / (6 - 1)
    assert (figures.overdue, figures.due_within_30, figures.due_within_90) == (1, 1, 2)
    assert figures.unassigned == 2


def test_owner_table_and_overdue_list(session: Session) -> None:
    """Per owner: open, overdue and implemented; the overdue list starts with the oldest."""
    world = build_world(session)
    owners, more = summary_service.count_by_owner(session, world.programme.id, TODAY)
    table = {o.name: (o.open, o.overdue, o.implemented) for o in owners}
    assert table == {"Anna Owner": (2, 1, 0), "NDA": (0, 0, 1), None: (2, 0, 0)}
    assert more == 0
    overdue = summary_service.list_overdue(session, world.programme.id, TODAY)
    assert [(a.id, a.due_on, a.owner_name) for a in overdue] == [
        (world.actions[0].id, dt.date(2025, 6, 1), "Anna Owner")
    ]


def test_latest_changes_are_newest_first(session: Session) -> None:
    """The latest changes list the journal newest first, creation events left out."""
    world = build_world(session)
    latest = summary_service.list_latest_changes(session, world.programme.id, limit=3)
    assert [(c.kind.value, c.status_to) for c in latest] == [
        ("status_changed", Status.blocked),
        ("due_date_changed", None),
        ("status_changed", Status.not_applicable),
    ]


def test_burnup_is_built_from_the_history(session: Session) -> None:
    """Implemented and applicable totals step on the local days the journal records."""
    world = build_world(session)
    points = summary_service.burnup_series(session, world.programme)
    assert [(p.day, p.scope, p.implemented) for p in points] == [
        (dt.date(2025, 1, 10), 5, 0),
        (dt.date(2025, 2, 1), 5, 0),
        (dt.date(2025, 3, 5), 5, 1),
        (dt.date(2025, 4, 1), 4, 1),
        (dt.date(2025, 5, 1), 4, 1),
        (dt.date(2025, 5, 20), 5, 1),
    ]
    months = charts.monthly_values(points, TODAY)
    assert [(m.month.month, m.scope, m.done) for m in months] == [
        (1, 5, 0), (3, 5, 1), (4, 4, 1), (5, 5, 1), (6, 5, 1),
    ]  # fmt: skip


def test_burnup_chart_is_accessible_svg_without_inline_style(session: Session) -> None:
    """The chart has a title and description, marks the deadline, and uses no style attribute."""
    world = build_world(session)
    summary = summary_service.summarise_programme(session, world.programme, today=TODAY)
    svg = str(
        charts.burnup_chart(
            summary.burnup, today=TODAY, deadline=summary.deadline, history=summary.history
        )
    )
    assert svg.startswith("<svg") and "<title" in svg and "<desc" in svg
    assert "1 of 5 applicable actions implemented" in svg
    assert "Deadline 31 Dec 2030" in svg
    assert "style=" not in svg


def test_summary_page_shows_figures_and_links(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """The home page shows the programme's figures with links to the filtered list."""
    world = build_world(session)
    login(make_user(role="viewer"))
    html = client.get("/").get_data(as_text=True)
    for text in ("Treaty deadline", "31 Dec 2030", "Anna Owner", "Burn-up", "Latest changes"):
        assert text in html, text
    assert 'style="' not in html
    page = client.get(f"/programmes/{world.programme.id}/summary")
    assert page.status_code == 200
    assert client.get("/programmes/99999/summary").status_code == 404


def test_several_programmes_get_an_overview(
    session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """With two programmes the home page lists both with their percent implemented."""
    from tests.factories import make_action, make_programme

    build_world(session)
    other = make_programme(session, country="Southland")
    make_action(session, other)
    session.commit()
    login(make_user(role="viewer"))
    html = client.get("/").get_data(as_text=True)
    assert "All programmes" in html and "Southland" in html and "20%" in html


def test_overdue_and_due_soon_follow_each_programmes_own_date(session: Session) -> None:
    """At one instant three programmes are on three calendar days: each counts its open
    actions overdue and due within 30 and 90 days from its own local date."""
    import time_machine

    from tests.factories import make_action, make_programme
    from tracker.services import policy

    zones = {"Pacific/Pago_Pago": "west", "Asia/Phnom_Penh": "middle", "Pacific/Kiritimati": "east"}
    programmes = {name: make_programme(session, timezone=zone) for zone, name in zones.items()}
    for programme in programmes.values():
        for due in ("2025-06-14", "2025-06-15", "2025-07-15", "2025-07-16", "2025-09-13"):
            make_action(session, programme, due_on=dt.date.fromisoformat(due))
        make_action(session, programme, due_on=dt.date(2025, 6, 1), status=Status.implemented)
    session.commit()
    # 10:30 UTC: 23:30 on 14 June in Pago Pago, 17:30 on the 15th in Phnom Penh,
    # 00:30 on the 16th in Kiritimati.
    with time_machine.travel(dt.datetime(2025, 6, 15, 10, 30, tzinfo=dt.UTC), tick=False):
        lines = summary_service.summarise_programmes(session, policy.EVERYTHING)
    found = {
        line.programme.id: (line.today, line.figures.overdue, line.figures.due_within_30,
                            line.figures.due_within_90)
        for line in lines
    }  # fmt: skip
    assert {name: found[p.id] for name, p in programmes.items()} == {
        "west": (dt.date(2025, 6, 14), 0, 2, 4),
        "middle": (dt.date(2025, 6, 15), 1, 2, 4),
        "east": (dt.date(2025, 6, 16), 2, 2, 3),
    }
    for programme in programmes.values():
        alone = summary_service.count_figures(session, programme.id, found[programme.id][0])
        assert (alone.overdue, alone.due_within_30, alone.due_within_90) == found[programme.id][1:]
