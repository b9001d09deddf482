"""Finding actions: each filter, the sorts, and pages counted in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

from tests.factories import make_action, make_programme, make_report
from tracker.formatting import local_today
from tracker.models import Action, Organisation, Status
from tracker.services import policy
from tracker.services.listing import PAGE_SIZE, ActionFilter, list_actions


def _ids(session: Session, flt: ActionFilter, page: int = 1) -> list[int]:
    """The ids on one page of the list as an admin reads it (every programme)."""
    flt = replace(flt, reader=policy.EVERYTHING)
    return [row.action.id for row in list_actions(session, flt, page).rows]


@pytest.fixture
def org(make_organisation) -> Organisation:
    return make_organisation(name="Authority", short_name="NMAA")


def test_filters_select_matching_actions(session: Session, make_user, org) -> None:
    """Status, owner, organisation, programme, edition and free text each narrow the list."""
    owner = make_user(role="owner", organisation=org)
    north = make_programme(session, country="Northland")
    south = make_programme(session, country="Southland")
    a = make_action(session, north, text="Publish the 100% survey plan", owner_user_id=owner.id)
    b = make_action(session, north, text="Train deminers", status=Status.blocked,
                    owner_organisation_id=org.id)  # fmt: skip
    c = make_action(session, south, text="Survey the border")
    session.commit()
    assert _ids(session, ActionFilter(statuses=(Status.blocked,))) == [b.id]
    assert _ids(session, ActionFilter(owner_user_id=owner.id)) == [a.id]
    assert _ids(session, ActionFilter(organisation_id=org.id)) == [b.id]
    assert sorted(_ids(session, ActionFilter(programme_id=north.id))) == [a.id, b.id]
    assert sorted(_ids(session, ActionFilter(text="SURVEY"))) == [a.id, c.id]
    assert _ids(session, ActionFilter(text="100%")) == [a.id]
    assert _ids(session, ActionFilter(text="1_0")) == []
    assert _ids(session, ActionFilter(unassigned=True)) == [c.id]
    assert sorted(_ids(session, ActionFilter(owned_by=owner))) == [a.id, b.id]
    report = make_report(session, south, edition="Clearing the Mines 2019", year=2019)
    assert report.id and _ids(session, ActionFilter(edition="Clearing the Mines 2019")) == []
    assert len(_ids(session, ActionFilter(edition="Clearing the Mines 2023"))) == 3


def test_overdue_and_due_within_use_programme_today(session: Session) -> None:
    """Overdue and due-within-N-days count days in the programme's time zone; closed never late."""
    programme = make_programme(session)
    today = local_today(programme.timezone)
    late = make_action(session, programme, follows_deadline=False, due_on=today - dt.timedelta(1))
    due_today = make_action(session, programme, follows_deadline=False, due_on=today)
    soon = make_action(session, programme, follows_deadline=False, due_on=today + dt.timedelta(10))
    make_action(session, programme, follows_deadline=False, due_on=today + dt.timedelta(40))
    make_action(session, programme, status=Status.implemented, follows_deadline=False,
                due_on=today - dt.timedelta(5))  # fmt: skip
    session.commit()
    assert _ids(session, ActionFilter(overdue=True)) == [late.id]
    within = _ids(session, ActionFilter(due_within_days=10))
    assert within == [late.id, due_today.id, soon.id]


def test_sorts(session: Session) -> None:
    """Due date (soonest first), status (workflow order) and last change (newest first)."""
    programme = make_programme(session)
    x = make_action(session, programme, follows_deadline=False, due_on=dt.date(2030, 1, 1),
                    status=Status.blocked)  # fmt: skip
    y = make_action(session, programme, follows_deadline=False, due_on=dt.date(2029, 1, 1),
                    status=Status.implemented)  # fmt: skip
    z = make_action(session, programme, follows_deadline=False, due_on=None)
    y.updated_at = y.updated_at + dt.timedelta(hours=1)
    session.add(y)
    session.commit()
    assert _ids(session, ActionFilter(sort="due")) == [y.id, x.id, z.id]
    assert _ids(session, ActionFilter(sort="status")) == [z.id, x.id, y.id]
    assert _ids(session, ActionFilter(sort="changed"))[0] == y.id


def test_pages_of_fifty_with_total(session: Session) -> None:
    """Pages hold 50 rows; the total is counted; a page past the end shows the last one."""
    programme = make_programme(session)
    for _ in range(PAGE_SIZE + 7):
        make_action(session, programme)
    session.commit()
    first = list_actions(session, ActionFilter(reader=policy.EVERYTHING), 1)
    second = list_actions(session, ActionFilter(reader=policy.EVERYTHING), 2)
    assert (len(first.rows), first.total, first.pages) == (50, 57, 2)
    assert len(second.rows) == 7 and not second.has_next
    assert {r.action.id for r in first.rows}.isdisjoint({r.action.id for r in second.rows})
    assert list_actions(session, ActionFilter(reader=policy.EVERYTHING), 99).number == 2


def test_from_args_round_trip_and_problems() -> None:
    """The query string reads into a filter and back; malformed values are named, not fatal."""
    args = MultiDict([("status", "blocked"), ("status", "in_progress"), ("owner", "4"),
                      ("overdue", "1"), ("due_within", "30"), ("q", "survey"),
                      ("sort", "status")])  # fmt: skip
    flt = ActionFilter.from_args(args, reader=policy.EVERYTHING)
    assert flt.statuses == (Status.blocked, Status.in_progress)
    assert (flt.owner_user_id, flt.overdue, flt.due_within_days) == (4, True, 30)
    assert ActionFilter.from_args(MultiDict(flt.to_args()), reader=None) == flt
    odd = ActionFilter.from_args(
        MultiDict([("status", "done"), ("programme", "x"), ("sort", "?")]), reader=None
    )
    assert odd == ActionFilter() and len(odd.problems) == 3


def test_list_row_names_owner(session: Session, make_user, org) -> None:
    """Rows carry the owner's name and organisation so the page needs no query per row."""
    owner = make_user(role="owner", organisation=org, name="Sokha")
    action: Action = make_action(session, owner_user_id=owner.id, owner_organisation_id=org.id)
    session.commit()
    [row] = list_actions(session, ActionFilter(reader=policy.EVERYTHING), 1).rows
    assert (row.action.id, row.owner_name, row.organisation_name, row.assigned) == (
        action.id, "Sokha", "NMAA", True,
    )  # fmt: skip
