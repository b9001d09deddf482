"""Who may do what: the transition table and the per-role rules, in one place."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col

from tests.factories import make_action
from tracker.models import Action, Organisation, Role, Status, User
from tracker.services import policy

S = Status
OWNER_TABLE = {
    S.not_started: {S.in_progress, S.blocked, S.implemented},
    S.in_progress: {S.blocked, S.implemented},
    S.blocked: {S.in_progress, S.implemented},
    S.implemented: set(),
    S.not_applicable: set(),
}
MANAGER_TABLE = {
    S.not_started: {S.in_progress, S.blocked, S.implemented, S.not_applicable},
    S.in_progress: {S.blocked, S.implemented, S.not_applicable},
    S.blocked: {S.in_progress, S.implemented, S.not_applicable},
    S.implemented: {S.in_progress},
    S.not_applicable: {S.in_progress},
}


def _user(role: Role, user_id: int = 1, organisation_id: int | None = 10) -> policy.Access:
    """A person holding ``role`` in programme 1, the actions' programme (admins: everywhere).

    Issue 11: roles other than admin are held per programme, so the pure rules are asked
    with an ``Access`` rather than a bare account.
    """
    admin = role == Role.admin
    return policy.Access(
        user_id=user_id,
        admin=admin,
        organisation_id=organisation_id,
        roles=() if admin else ((1, role),),
        may_create_programmes=admin,
    )


def _action(
    status: Status, owner_user_id: int | None = None, owner_org: int | None = None
) -> Action:
    return Action(
        id=5,
        programme_id=1,
        recommendation_id=1,
        title="t",
        status=status,
        owner_user_id=owner_user_id,
        owner_organisation_id=owner_org,
    )


@pytest.mark.parametrize("status", list(Status))
def test_owner_transitions(status: Status) -> None:
    """An owner moves their own action only along the owner rows of the table."""
    owner = _user(Role.owner)
    assert (
        policy.allowed_transitions(owner, _action(status, owner_user_id=1)) == OWNER_TABLE[status]
    )


@pytest.mark.parametrize("role", [Role.coordinator, Role.admin])
@pytest.mark.parametrize("status", list(Status))
def test_manager_transitions(role: Role, status: Status) -> None:
    """Coordinators and admins may also close as not applicable and reopen, on any action."""
    manager = _user(role, user_id=99, organisation_id=None)
    assert (
        policy.allowed_transitions(manager, _action(status, owner_user_id=1))
        == MANAGER_TABLE[status]
    )


@pytest.mark.parametrize("status", list(Status))
def test_viewer_never_changes(status: Status) -> None:
    """A viewer has no transitions even on an action that names them as owner."""
    viewer = _user(Role.viewer)
    action = _action(status, owner_user_id=1)
    assert policy.allowed_transitions(viewer, action) == set()
    assert not policy.can_update(viewer, action)
    assert "Viewers" in (policy.update_refusal(viewer, action) or "")


@pytest.mark.parametrize(
    ("owner_user_id", "owner_org", "expected"),
    [(1, None, True), (None, 10, True), (2, None, False), (None, 11, False), (None, None, False)],
)
def test_owner_updates_own_or_organisation_action(owner_user_id, owner_org, expected) -> None:
    """An owner may update an action owned by them or by their organisation, nothing else."""
    owner = _user(Role.owner, user_id=1, organisation_id=10)
    action = _action(Status.not_started, owner_user_id, owner_org)
    assert policy.can_update(owner, action) is expected
    assert (policy.allowed_transitions(owner, action) != set()) is expected


def test_inactive_user_may_do_nothing() -> None:
    """A deactivated account is refused even as a coordinator."""
    coordinator = User(id=1, email="x@example.org", name="X", role=Role.coordinator)
    coordinator.active = False
    assert not policy.can_update(coordinator, _action(Status.not_started))
    assert not policy.can_assign(coordinator)


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.admin, True), (Role.coordinator, True), (Role.owner, False), (Role.viewer, False)],
)
def test_coordinator_only_rights(role: Role, expected: bool) -> None:
    """Assigning, deadlines and imports are for admins and coordinators only."""
    user = _user(role)
    assert policy.can_assign(user) is expected
    assert policy.can_manage_deadlines(user) is expected
    assert policy.can_import(user) is expected
    assert policy.can_view(user)


def test_outside_the_programme_everything_is_hidden() -> None:
    """A coordinator of another programme may not even read the action: a hidden refusal."""
    elsewhere = policy.Access(1, False, 10, ((2, Role.coordinator),))
    action = _action(Status.not_started, owner_user_id=1)
    refused = policy.refusal(elsewhere, policy.Do.read, action)
    assert refused is not None and refused.hidden
    assert policy.allowed_transitions(elsewhere, action) == set()
    assert not policy.can_assign(elsewhere, action)


def test_transition_refusal_explains_managers_only_move() -> None:
    """An owner trying to reopen is told that only a coordinator can."""
    owner = _user(Role.owner)
    reason = policy.transition_refusal(
        owner, _action(S.implemented, owner_user_id=1), S.in_progress
    )
    assert reason and "coordinator" in reason


def test_effective_owner_inactive_user_or_empty_organisation(session: Session, make_user) -> None:
    """An inactive owner, or an organisation with no active member, leaves it unassigned."""
    busy = Organisation(name="Busy", short_name="BUSY")
    empty = Organisation(name="Empty", short_name="EMPTY")
    session.add_all([busy, empty])
    session.commit()
    active = make_user(role="owner", organisation=busy)
    gone = make_user(role="owner")
    gone.active = False
    session.add(gone)
    action_active = make_action(session, owner_user_id=active.id)
    action_gone = make_action(session, owner_user_id=gone.id)
    action_busy = make_action(session, owner_organisation_id=busy.id)
    action_empty = make_action(session, owner_organisation_id=empty.id)
    action_none = make_action(session)
    session.commit()
    assert policy.effective_owner_active(session, action_active)
    assert not policy.effective_owner_active(session, action_gone)
    assert policy.effective_owner_active(session, action_busy)
    assert not policy.effective_owner_active(session, action_empty)
    assert not policy.effective_owner_active(session, action_none)
    # Lists and counts ask the rule as sets, a page's rows row by row: the same answers.
    both = session.execute(
        sa.select(
            col(Action.id), policy.effectively_assigned(), policy.effectively_assigned_per_row()
        )
    ).all()
    assert [(row[0], bool(row[1])) for row in both] == [(row[0], bool(row[2])) for row in both]
    assert sum(bool(row[2]) for row in both) == 2
