"""The actions list's pages at the edges its faster queries rely on: ties and undated actions."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from tests.factories import make_action, make_programme
from tracker.models import Action, Status
from tracker.services import policy
from tracker.services.listing import ActionFilter, count_actions, list_actions

STATUS_RANK = {status: rank for rank, status in enumerate(Status)}


def _due_order(actions: list[Action]) -> list[int]:
    """The default order as users see it: due date (undated last), status, id."""
    return [
        a.id
        for a in sorted(
            actions,
            key=lambda a: (a.due_on is None, a.due_on or dt.date.min, STATUS_RANK[a.status], a.id),
        )
    ]


def _walk(session: Session, flt: ActionFilter, size: int) -> tuple[list[int], set[int]]:
    ids: list[int] = []
    totals = set()
    for number in range(1, 10):
        page = list_actions(session, flt, number, size=size)
        totals.add(page.total)
        ids += [row.action.id for row in page.rows]
        if not page.has_next:
            break
    return ids, totals


def test_pages_follow_due_order_across_ties_and_undated(session: Session) -> None:
    """Pages split inside a due date shared by many actions and run on into undated ones."""
    programme = make_programme(session)
    first, shared = dt.date(2026, 1, 5), dt.date(2026, 2, 1)
    statuses = [Status.blocked, Status.implemented, Status.not_started, Status.in_progress]
    dated = [(first, Status.implemented), (first, Status.not_started)] + [
        (shared, statuses[i % 4]) for i in range(11)
    ]
    actions = [
        make_action(session, programme, follows_deadline=False, due_on=due, status=status)
        for due, status in dated
    ] + [
        make_action(session, programme, follows_deadline=False, due_on=None, status=status)
        for status in statuses
    ]
    session.commit()

    ids, totals = _walk(session, ActionFilter(reader=policy.EVERYTHING), size=5)
    assert ids == _due_order(actions)
    assert totals == {len(actions)}
    open_only = ActionFilter(
        reader=policy.EVERYTHING, statuses=(Status.not_started, Status.in_progress, Status.blocked)
    )
    ids, totals = _walk(session, open_only, size=4)
    assert ids == _due_order([a for a in actions if a.status in open_only.statuses])
    assert totals == {len(ids)}


def test_count_follows_filters_on_recommendation_and_report(session: Session) -> None:
    """The total counts text and edition matches like the rows do."""
    programme = make_programme(session)
    make_action(session, programme, text="Survey the northern border")
    make_action(session, programme, text="Publish the workplan")
    session.commit()
    survey = ActionFilter(reader=policy.EVERYTHING, text="survey")
    assert count_actions(session, survey) == 1 == len(list_actions(session, survey).rows)
    edition = ActionFilter(
        reader=policy.EVERYTHING, edition="Clearing the Mines 2023", text="WORKPLAN"
    )
    assert count_actions(session, edition) == 1 == list_actions(session, edition).total
    assert (
        count_actions(
            session, ActionFilter(reader=policy.EVERYTHING, edition="Landmine Monitor 2023")
        )
        == 0
    )
