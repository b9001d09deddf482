"""The rules as SQL: what a reader may see, who owns and who can act on an action."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import Action, Membership, Participation, Role, User
from .access import ACTING_ROLES, Who, as_access


def readable(who: Who, column: Any = None) -> sa.ColumnElement[bool]:
    """SQL: the row's programme is one the person may read (``column``: its programme id)."""
    ids = as_access(who).programme_ids
    if ids is None:
        return sa.true()
    return col(column if column is not None else Action.programme_id).in_(sorted(ids))


def owned_by(user: User | type[User]) -> sa.ColumnElement[bool]:
    """SQL: the action is the user's own, or their organisation's (``owns`` in a query).

    Pass a person for "mine" (lists, calendar feeds, with ``readable``), or the ``User``
    model itself to tie each user row of a query to the actions it owns (reminder
    recipients, with ``acts_in_programme``).
    """
    mine = [col(Action.owner_user_id) == user.id]
    if user.organisation_id is not None:
        mine.append(col(Action.owner_organisation_id) == user.organisation_id)
    return sa.or_(*mine)


def acts_in_programme(user_id: Any, programme_id: Any) -> sa.ColumnElement[bool]:
    """SQL: the user is a member who can act (coordinator or owner) in the programme.

    ``user_id`` and ``programme_id`` are columns of the enclosing queries, at any depth:
    nested in another EXISTS (``effectively_assigned``), auto-correlation would look at
    the nearest enclosing SELECT only and add ``action`` to this one's FROM, which asks
    "acts in any programme" (and made the all-programmes summary scan memberships
    once per action).
    """
    member = sa.orm.aliased(Membership)
    return sa.exists(
        sa.select(col(member.id))
        .where(
            member.user_id == user_id,
            member.programme_id == programme_id,
            col(member.role).in_(sorted(ACTING_ROLES)),
        )
        .correlate_except(member)
    )


def effectively_assigned(
    *, owner_user_id: Any = None, owner_organisation_id: Any = None, programme_id: Any = None
) -> sa.ColumnElement[bool]:
    """SQL: the action has an owner who can act on it in its programme (see ``_assigned``).

    On ``action``'s own columns (no argument) the expression is built once per process:
    every list page and action page asks it, and building its aliases cost more than
    running it.
    """
    if owner_user_id is None and owner_organisation_id is None and programme_id is None:
        return _on_action()
    return _assigned(owner_user_id, owner_organisation_id, programme_id)


@cache
def _on_action() -> sa.ColumnElement[bool]:
    return _assigned(None, None, None)


def _assigned(
    owner_user_id: Any, owner_organisation_id: Any, programme_id: Any
) -> sa.ColumnElement[bool]:
    """SQL: the action has an owner who can act on it in its programme.

    The columns default to ``action``'s; a query over actions grouped by owner and
    programme passes its own (the summary's figures).

    An owner whose account is inactive or who has left the programme, or an
    organisation with no active member acting in the programme (or that no longer
    takes part in it), leaves its action effectively unassigned: lists show it so and
    the coordinators' unassigned reminders reach it.

    Written as membership in two small sets, (person, programme) and (organisation,
    programme) pairs that can act, rather than an EXISTS per action: the database
    builds each set once (a few thousand pairs) and probes it, so counting the
    unassigned of 100,000 actions costs a hash lookup per action, not a subquery.
    """
    owner = sa.alias(User.__table__, name="effective_owner")  # type: ignore[attr-defined]
    member = sa.alias(Membership.__table__, name="effective_membership")  # type: ignore[attr-defined]
    part = sa.alias(Participation.__table__, name="effective_part")  # type: ignore[attr-defined]
    acting = [role.value for role in sorted(ACTING_ROLES)]
    acting_people = (
        sa.select(member.c.user_id, member.c.programme_id)
        .join(owner, owner.c.id == member.c.user_id)
        .where(owner.c.active, member.c.role.in_(acting))
    )
    active_admins = sa.select(owner.c.id).where(owner.c.active, owner.c.role == Role.admin.value)
    acting_organisations = _through_organisation(
        owner, member, part, owner.c.organisation_id, member.c.programme_id
    ).where(owner.c.active, member.c.role.in_(acting), owner.c.organisation_id.is_not(None))
    user = owner_user_id if owner_user_id is not None else col(Action.owner_user_id)
    organisation = (
        owner_organisation_id
        if owner_organisation_id is not None
        else col(Action.owner_organisation_id)
    )
    programme = programme_id if programme_id is not None else col(Action.programme_id)
    return sa.or_(
        sa.and_(
            user.is_not(None),
            sa.or_(sa.tuple_(user, programme).in_(acting_people), user.in_(active_admins)),
        ),
        sa.and_(
            organisation.is_not(None),
            sa.tuple_(organisation, programme).in_(acting_organisations),
        ),
    )


def _through_organisation(person: Any, member: Any, part: Any, *columns: Any) -> sa.Select[Any]:
    """``columns`` over people's memberships in programmes their organisation takes part
    in: how an organisation acts in a programme, in the set form and the per-row form."""
    return (
        sa.select(*columns)
        .join(member, member.c.user_id == person.c.id)
        .join(
            part,
            sa.and_(
                part.c.organisation_id == person.c.organisation_id,
                part.c.programme_id == member.c.programme_id,
            ),
        )
    )


@cache
def effectively_assigned_per_row() -> sa.ColumnElement[bool]:
    """SQL: ``effectively_assigned`` on ``action``'s columns, asked row by row.

    The same rule as ``_assigned``, as EXISTS subqueries correlated to each action (a
    probe of the unique (user, programme) membership and (programme, organisation)
    indexes per row), for a statement that reads a few known actions: the 50 rows of a
    list page, one action's page. The set form builds the sets of every acting pair
    first, which at 100,000 actions (2,500 memberships) was most of the page's rows
    statement on SQLite (7 ms of CPU against 2). Built once per process.
    """
    action = Action.__table__  # type: ignore[attr-defined]
    person = sa.alias(User.__table__, name="row_person")  # type: ignore[attr-defined]
    member = sa.alias(Membership.__table__, name="row_membership")  # type: ignore[attr-defined]
    part = sa.alias(Participation.__table__, name="row_part")  # type: ignore[attr-defined]
    # An active person with an acting role in the action's programme: the rule both
    # kinds of owner are tested by (the person themself, or a member of the organisation).
    acts_here = (
        member.c.programme_id == action.c.programme_id,
        member.c.role.in_([role.value for role in sorted(ACTING_ROLES)]),
        person.c.active,
    )
    person_acts = sa.exists(
        sa.select(member.c.id)
        .join(person, person.c.id == member.c.user_id)
        .where(member.c.user_id == action.c.owner_user_id, *acts_here)
        .correlate(action)
    )
    active_admin = sa.exists(
        sa.select(person.c.id)
        .where(
            person.c.id == action.c.owner_user_id,
            person.c.active,
            person.c.role == Role.admin.value,
        )
        .correlate(action)
    )
    organisation_acts = sa.exists(
        _through_organisation(person, member, part, person.c.id)
        .where(person.c.organisation_id == action.c.owner_organisation_id, *acts_here)
        .correlate(action)
    )
    return sa.or_(
        sa.and_(action.c.owner_user_id.is_not(None), sa.or_(person_acts, active_admin)),
        sa.and_(action.c.owner_organisation_id.is_not(None), organisation_acts),
    )


def effective_owner_active(session: Session, action: Action) -> bool:
    """Whether ``action`` has an owner who can act on it (see ``effectively_assigned``)."""
    found = session.execute(_owner_active_statement(), {"action_id": action.id})
    return found.first() is not None


@cache
def _owner_active_statement() -> sa.Select[Any]:
    return sa.select(col(Action.id)).where(
        col(Action.id) == sa.bindparam("action_id"), effectively_assigned_per_row()
    )
