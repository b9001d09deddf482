"""Programmes as separate spaces (issue 11): membership decides what anyone sees and does."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, select

from tests.factories import make_action, make_programme
from tracker.models import (
    Action,
    LineKind,
    Membership,
    Organisation,
    Programme,
    ReminderLine,
    Role,
    User,
)
from tracker.reminders import planner
from tracker.services import memberships, policy
from tracker.services.journal import reschedule_reminders


@dataclass
class Two:
    """Two programmes, each with its own coordinator, owner, organisation and action."""

    north: Programme
    south: Programme
    north_coordinator: User
    south_coordinator: User
    north_owner: User
    south_owner: User
    north_org: Organisation
    south_org: Organisation
    north_action: Action
    south_action: Action


@pytest.fixture
def two(session: Session, make_user: Any) -> Two:
    north_org = Organisation(name="Northland Authority", short_name="NA")
    south_org = Organisation(name="Southland Authority", short_name="SA")
    session.add_all([north_org, south_org])
    session.flush()
    north = make_programme(session, country="Northland", open_to_everyone=False)
    south = make_programme(session, country="Southland", open_to_everyone=False)
    people = {}
    for name, role, programme, org in [
        ("north_coordinator", Role.coordinator, north, north_org),
        ("south_coordinator", Role.coordinator, south, south_org),
        ("north_owner", Role.owner, north, north_org),
        ("south_owner", Role.owner, south, south_org),
    ]:
        people[name] = make_user(role=role.value, email=f"{name}@example.org", organisation=org)
        # make_user gave the default role in every programme: narrow it to one.
        for membership in session.exec(
            select(Membership).where(Membership.user_id == people[name].id)
        ):
            session.delete(membership)
        session.flush()
        memberships.add_member(session, people[name], programme, role)
    memberships.add_organisation(session, north_org, north)
    memberships.add_organisation(session, south_org, south)
    north_action = make_action(session, north, owner_user_id=people["north_owner"].id)
    south_action = make_action(session, south, owner_user_id=people["south_owner"].id)
    session.commit()
    return Two(north, south, **people, north_org=north_org, south_org=south_org,
               north_action=north_action, south_action=south_action)  # fmt: skip


def test_outside_a_programme_its_pages_are_not_found(
    two: Two, client: FlaskClient, login: Any
) -> None:
    """A coordinator of one programme gets 404 for the other's action, summary, deadline
    and meetings pages, and its actions are not in their list."""
    login(two.north_coordinator)
    assert client.get(f"/actions/{two.north_action.id}").status_code == 200
    for url in (
        f"/actions/{two.south_action.id}",
        f"/programmes/{two.south.id}",
        f"/programmes/{two.south.id}/summary",
        f"/programmes/{two.south.id}/deadline",
        f"/programmes/{two.south.id}/meetings",
    ):
        assert client.get(url).status_code == 404, url
    listed = client.get("/actions").get_data(as_text=True)
    assert f"/actions/{two.north_action.id}" in listed
    assert f"/actions/{two.south_action.id}" not in listed
    update = client.post(
        f"/actions/{two.south_action.id}/update",
        data={"version": "1", "status": "in_progress", "comment": "x"},
    )
    assert update.status_code == 404


def test_a_refused_change_inside_names_the_role(
    two: Two, session: Session, client: FlaskClient, login: Any, make_user: Any
) -> None:
    """Inside the programme a viewer's change is refused with 403 and the reason."""
    viewer = make_user(role="viewer", email="viewer@example.org")
    login(viewer)
    response = client.post(
        f"/actions/{two.north_action.id}/update",
        data={"version": "1", "status": "in_progress"},
    )
    assert response.status_code == 403
    assert "Viewers can read actions" in response.get_data(as_text=True)
    deadline = client.post(f"/programmes/{two.north.id}/deadline/request", data={})
    assert deadline.status_code == 403


def test_owner_choices_are_the_programmes_members_and_organisations(
    two: Two, session: Session
) -> None:
    """The owner list offers the programme's acting members and taking-part organisations."""
    choices = memberships_choices(session, two.north)
    assert {u.email for u in choices.users} == {
        "north_coordinator@example.org",
        "north_owner@example.org",
    }
    assert [o.short_name for o in choices.organisations] == ["NA"]


def memberships_choices(session: Session, programme: Programme) -> Any:
    from tracker.services.listing import owner_choices

    assert programme.id is not None
    return owner_choices(session, programme.id)


@pytest.mark.parametrize(
    "owner",
    ["user:south_owner", "organisation:south_org"],
)
def test_naming_an_owner_from_another_programme_is_refused_at_the_field(
    two: Two, client: FlaskClient, login: Any, owner: str
) -> None:
    """A form naming a person or organisation outside the programme answers 422 on owner."""
    kind, _, name = owner.partition(":")
    number = getattr(two, name).id
    login(two.north_coordinator)
    response = client.post(
        f"/actions/{two.north_action.id}/update",
        data={"version": "1", "owner": f"{kind}:{number}", "reason": "Handover"},
    )
    assert response.status_code == 422
    assert "this programme" in response.get_data(as_text=True)


def test_removed_member_leaves_history_and_their_actions_unassigned(
    two: Two, session: Session
) -> None:
    """Removing the owner keeps the action's owner field and history; it counts unassigned."""
    assert policy.effective_owner_active(session, two.north_action)
    assert memberships.remove_member(session, two.north_owner, two.north)
    session.commit()
    action = session.get(Action, two.north_action.id)
    assert action is not None and action.owner_user_id == two.north_owner.id
    assert not policy.effective_owner_active(session, action)
    assert not policy.can_update(two.north_owner, action)


def test_owner_acting_only_in_another_programme_leaves_the_action_unassigned(
    two: Two, session: Session
) -> None:
    """An owner (or organisation) who can act in another programme only does not count as
    an active owner here: on the action, in the list and in the summary's figures."""
    from tracker.services import listing
    from tracker.services.summary import figures

    assert memberships.remove_member(session, two.north_owner, two.north)
    memberships.add_member(session, two.north_owner, two.south, Role.owner)
    organisation_action = make_action(
        session, two.north, owner_user_id=None, owner_organisation_id=two.south_org.id
    )
    memberships.add_organisation(session, two.south_org, two.north)
    session.commit()
    for action in (two.north_action, organisation_action):
        assert not policy.effective_owner_active(session, action)
    unassigned = listing.ActionFilter.from_args({"owner": "none"}, reader=policy.EVERYTHING)
    found = {row.action.id for row in listing.list_actions(session, unassigned).rows}
    assert found == {two.north_action.id, organisation_action.id}
    today = dt.date.today()
    counted = figures.count_figures_by_programme(
        session, {two.north.id: today, two.south.id: today}
    )
    assert (counted[two.north.id].unassigned, counted[two.south.id].unassigned) == (2, 0)


def test_organisation_member_outside_the_programme_gets_no_rights(
    two: Two, session: Session
) -> None:
    """A member of the owning organisation who is not in the programme may not act on it."""
    action = session.get(Action, two.north_action.id)
    assert action is not None
    action.owner_user_id, action.owner_organisation_id = None, two.north_org.id
    session.commit()
    # south_coordinator belongs to SA; make them an NA member who is outside Northland.
    two.south_coordinator.organisation_id = two.north_org.id
    session.commit()
    assert not policy.can_update(two.south_coordinator, action)
    assert policy.can_update(two.north_owner, action)


def test_each_coordinator_digest_names_only_their_programme(two: Two, session: Session) -> None:
    """With two programmes and two coordinators, the unassigned, escalation and countdown
    lines of each coordinator are of their own programme only."""
    for action in (two.north_action, two.south_action):
        fresh = session.get(Action, action.id)
        assert fresh is not None
        fresh.owner_user_id = None
        fresh.follows_deadline = False
        fresh.due_on = dt.date(2025, 6, 1)
        reschedule_reminders(session, [fresh.id])
    session.commit()
    now = dt.datetime(2025, 7, 7, 3, tzinfo=dt.UTC)  # a Monday: escalation week
    planner.plan_reminders(session, now, domain="tracker.test")
    session.commit()
    by_recipient: dict[int, set[int]] = {}
    kinds = set()
    for line in session.exec(select(ReminderLine)):
        if line.kind != LineKind.own:
            by_recipient.setdefault(line.recipient_user_id, set()).add(line.programme_id)
            kinds.add(line.kind)
    assert by_recipient == {
        two.north_coordinator.id: {two.north.id},
        two.south_coordinator.id: {two.south.id},
    }
    assert LineKind.unassigned in kinds
    upcoming = planner.upcoming_reminders(
        session, now, days=60, programme_ids=frozenset({two.north.id or 0})
    )
    assert upcoming and {u.programme.id for u in upcoming} == {two.north.id}


def test_summary_cache_keeps_two_coordinators_apart(
    two: Two, client: FlaskClient, login: Any
) -> None:
    """The home page of two coordinators of different programmes is not one cached body."""
    login(two.north_coordinator)
    north_home = client.get("/").get_data(as_text=True)
    login(two.south_coordinator)
    south_home = client.get("/").get_data(as_text=True)
    assert "Northland" in north_home and "Southland" not in north_home
    assert "Southland" in south_home and "Northland" not in south_home


def test_api_hides_other_programmes(two: Two, session: Session, client: FlaskClient) -> None:
    """A token reads its user's programmes only: others are 404 and absent from lists."""
    from tracker.models import TokenScope
    from tracker.services import tokens

    secret = tokens.create_token(session, two.north_owner, "t", TokenScope.write).secret
    session.commit()
    auth = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/programmes", headers=auth).get_json()
    assert [p["id"] for p in listed["items"]] == [two.north.id]
    assert client.get(f"/api/v1/programmes/{two.south.id}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/actions/{two.south_action.id}", headers=auth).status_code == 404
    actions = client.get("/api/v1/actions", headers=auth).get_json()
    assert [a["id"] for a in actions["items"]] == [two.north_action.id]
    patch = client.patch(
        f"/api/v1/actions/{two.south_action.id}",
        json={"version": 1, "status": "in_progress"},
        headers=auth,
    )
    assert patch.status_code == 404


# --------------------------------------------------------------------------- command line


def test_create_user_with_programmes(two: Two, runner: FlaskCliRunner, session: Session) -> None:
    """--programme gives a role in each programme named, by id or slug, and nowhere else."""
    result = runner.invoke(
        args=["create-user", "new@example.org", "--name", "New",
              "--programme", f"{two.north.id}:viewer", "--programme", "southland-apmbc:owner"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    session.expire_all()
    user = session.exec(select(User).where(User.email == "new@example.org")).one()
    access = policy.access_for(session, user)
    assert access.role_in(two.north.id) == Role.viewer
    assert access.role_in(two.south.id) == Role.owner


@pytest.mark.parametrize(
    "extra",
    [
        ["--role", "owner", "--programme", "1:owner"],
        ["--programme", "nowhere:owner"],
        ["--programme", "northland-apmbc:owner", "--programme", "northland-apmbc:viewer"],
        ["--programme", "northland-apmbc:chief"],
        ["--programme", "northland-apmbc:admin"],
        [],
    ],
)
def test_create_user_bad_combinations_exit_2_and_create_nothing(
    two: Two, runner: FlaskCliRunner, dump_database: Any, extra: list[str]
) -> None:
    """--role with --programme, an unknown programme or role, one named twice: exit 2."""
    before = dump_database()
    result = runner.invoke(args=["create-user", "x@example.org", "--name", "X", *extra])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert dump_database() == before


def test_add_member_changes_role_and_repeats_harmlessly(two: Two, runner: FlaskCliRunner) -> None:
    """add-member adds, changes the role ('owner -> coordinator'), and repeats do nothing."""
    email = "north_owner@example.org"
    first = runner.invoke(args=["add-member", email, "southland-apmbc", "viewer"])
    assert first.exit_code == 0 and "added as viewer" in first.output
    change = runner.invoke(args=["add-member", email, "northland-apmbc", "coordinator"])
    assert change.exit_code == 0 and "owner -> coordinator" in change.output
    again = runner.invoke(args=["add-member", email, "northland-apmbc", "coordinator"])
    assert again.exit_code == 0 and "already coordinator" in again.output
    admin = runner.invoke(args=["add-member", email, "northland-apmbc", "admin"])
    assert admin.exit_code == 2
    organisation = runner.invoke(args=["add-member", "--organisation", "SA", "northland-apmbc"])
    assert organisation.exit_code == 0 and "takes part" in organisation.output
    removed = runner.invoke(args=["remove-member", email, "southland-apmbc"])
    assert removed.exit_code == 0 and "removed" in removed.output
