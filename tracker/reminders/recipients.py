"""Who a reminder goes to, and when an action last moved: the reads that planning
(``planner``) and the send-time checks (``compose``) share.

The rule is one: an action's reminders go to its owner if that account is active and
acts in the action's programme, else to the active members of its owning organisation
who act in that programme (the organisation taking part in it) or, when the
organisation names one of them as its focal point, to that member alone, else (as
unassigned) to that programme's coordinators. Members of the organisation outside the programme
get nothing (issue 11). ``People`` applies it to everyone at once for a planning pass;
the SQL conditions below (``is_responsible``) say the same for planning and for the
send-time re-check.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    Membership,
    Organisation,
    Participation,
    Role,
    User,
)
from ..services.policy import ACTING_ROLES, acts_in_programme, as_access

CHUNK = 400


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices short enough for any backend's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class People:
    """Who can receive what, per programme: active users, organisation members, who acts
    in which programme, each programme's coordinators, the organisations taking part."""

    users: dict[int, User]
    members: dict[int, list[User]]
    acting: dict[int, set[int]]
    coordinators_by_programme: dict[int, list[User]]
    taking_part: set[tuple[int, int]]
    focal_points: dict[int, int]  # organisation id -> its focal point's user id

    def coordinators(self, programme_id: int) -> list[User]:
        """The programme's active coordinators, who get its unassigned, escalation and
        countdown lines (never another programme's)."""
        return self.coordinators_by_programme.get(programme_id, [])

    def acts_in(self, user: User, programme_id: int) -> bool:
        return user.role == Role.admin or (user.id or 0) in self.acting.get(programme_id, set())

    def responsible(
        self, programme_id: int, owner_user_id: int | None, organisation_id: int | None
    ) -> list[User]:
        """The owner if active and acting in the programme, else the owning organisation's
        active members acting in it (if it takes part), else nobody."""
        if owner_user_id is not None:
            owner = self.users.get(owner_user_id)
            if owner is not None and self.acts_in(owner, programme_id):
                return [owner]
        if organisation_id is not None and (programme_id, organisation_id) in self.taking_part:
            acting = self.acting.get(programme_id, set())
            members = [u for u in self.members.get(organisation_id, []) if u.id in acting]
            focal = [u for u in members if u.id == self.focal_points.get(organisation_id)]
            return focal or members
        return []


def load_people(session: Session) -> People:
    """Every active user and membership, once per planning pass, as ``People`` asks."""
    return _people(session, select(User).where(col(User.active).is_(True)), None)


def programme_people(session: Session, programme_id: int) -> People:
    """``load_people`` for one programme: the active users who can receive its reminders
    (its coordinators and owners, and the admins owning one of its open actions), its
    memberships, the organisations taking part and their focal points.

    The per-programme preview asks ``People`` about this programme only; reading every
    active user of the installation for it read thousands of accounts to show a few.
    """
    acting = sa.select(col(Membership.user_id)).where(
        col(Membership.programme_id) == programme_id,
        col(Membership.role).in_(sorted(ACTING_ROLES)),
    )
    admin_owners = sa.select(col(Action.owner_user_id)).where(
        col(Action.programme_id) == programme_id, col(Action.status).in_(OPEN_STATUSES)
    )
    users = select(User).where(
        col(User.active).is_(True),
        sa.or_(
            col(User.id).in_(acting),
            sa.and_(col(User.role) == Role.admin, col(User.id).in_(admin_owners)),
        ),
    )
    return _people(session, users, programme_id)


def _people(session: Session, users_query: Any, programme_id: int | None) -> People:
    """``People`` from the users ``users_query`` reads and the memberships, organisations
    taking part and focal points of ``programme_id`` (None: of every programme)."""
    users = {u.id: u for u in session.exec(users_query.order_by(col(User.id)))}
    members: dict[int, list[User]] = defaultdict(list)
    for user in users.values():
        if user.organisation_id is not None:
            members[user.organisation_id].append(user)
    memberships = sa.select(
        col(Membership.user_id), col(Membership.programme_id), col(Membership.role)
    ).order_by(col(Membership.user_id))
    participations = sa.select(col(Participation.programme_id), col(Participation.organisation_id))
    focal_query = sa.select(col(Organisation.id), col(Organisation.focal_point_user_id)).where(
        col(Organisation.focal_point_user_id).is_not(None)
    )
    if programme_id is not None:
        memberships = memberships.where(col(Membership.programme_id) == programme_id)
        participations = participations.where(col(Participation.programme_id) == programme_id)
        focal_query = focal_query.where(
            col(Organisation.id).in_(
                sa.select(col(Participation.organisation_id)).where(
                    col(Participation.programme_id) == programme_id
                )
            )
        )
    acting: dict[int, set[int]] = defaultdict(set)
    coordinators: dict[int, list[User]] = defaultdict(list)
    for user_id, member_programme_id, role in session.execute(memberships):
        member = users.get(user_id)
        if member is None or Role(role) not in ACTING_ROLES:
            continue
        acting[member_programme_id].add(user_id)
        if Role(role) == Role.coordinator:
            coordinators[member_programme_id].append(member)
    taking_part = {(pid, oid) for pid, oid in session.execute(participations)}
    focal_points = dict(session.execute(focal_query).all())
    return People(users, members, acting, coordinators, taking_part, focal_points)


def coordinates(user: User, programme_id: int) -> bool:
    """Whether ``user`` is (still) a coordinator of the programme: digests go to them only."""
    return as_access(user).role_in(programme_id) == Role.coordinator


# SQLAlchemy correlates a subquery to its immediately enclosing SELECT only: the
# conditions below nest two deep, so each names the tables it refers to outside itself.


def _acts(user: Any, action: Any) -> sa.ColumnElement[bool]:
    return acts_in_programme(user.c.id, action.c.programme_id).correlate(user, action)


def personal_owner_acts(action: Any) -> sa.ColumnElement[bool]:
    """SQL: the action's personal owner is active and acts in its programme (or is admin)."""
    owner = sa.alias(User.__table__, name="resp_owner")  # type: ignore[attr-defined]
    return sa.exists(
        sa.select(owner.c.id).where(
            owner.c.id == action.c.owner_user_id,
            owner.c.active,
            sa.or_(owner.c.role == Role.admin.value, _acts(owner, action)),
        )
    ).correlate(action)


def _member_can_act(user: Any, action: Any) -> sa.ColumnElement[bool]:
    """SQL: ``user`` is an active member of the owning organisation who acts in the
    action's programme, the organisation taking part in it."""
    part = sa.alias(Participation.__table__, name="resp_part")  # type: ignore[attr-defined]
    takes_part = sa.exists(
        sa.select(part.c.id).where(
            part.c.programme_id == action.c.programme_id,
            part.c.organisation_id == action.c.owner_organisation_id,
        )
    ).correlate(action)
    return sa.and_(
        user.c.organisation_id == action.c.owner_organisation_id,
        user.c.active,
        _acts(user, action),
        takes_part,
    )


def member_acts(user: Any, action: Any) -> sa.ColumnElement[bool]:
    """SQL: ``user`` gets the organisation's reminders for the action: its focal point if
    the organisation names one who can act (``_member_can_act``), else every member who can."""
    body = sa.alias(Organisation.__table__, name="resp_body")  # type: ignore[attr-defined]
    focal = sa.alias(User.__table__, name="resp_focal")  # type: ignore[attr-defined]
    focal_acts = sa.exists(
        sa.select(focal.c.id)
        .select_from(body.join(focal, focal.c.id == body.c.focal_point_user_id))
        .where(body.c.id == action.c.owner_organisation_id, _member_can_act(focal, action))
    ).correlate(action)
    focal_id = (
        sa.select(body.c.focal_point_user_id)
        .where(body.c.id == action.c.owner_organisation_id)
        .correlate(action)
        .scalar_subquery()
    )
    return sa.and_(_member_can_act(user, action), sa.or_(~focal_acts, user.c.id == focal_id))


def organisation_acts(action: Any) -> sa.ColumnElement[bool]:
    """SQL: some member of the owning organisation can act (``member_acts``)."""
    member = sa.alias(User.__table__, name="resp_member")  # type: ignore[attr-defined]
    return sa.exists(sa.select(member.c.id).where(_member_can_act(member, action))).correlate(
        action
    )


def organisation_recipients() -> sa.Select[Any]:
    """SQL: (programme_id, organisation_id, user_id): for each organisation taking part in
    a programme, the members who get its actions' reminders there (``member_acts``).

    Who they are depends on the (programme, organisation) pair, never on the action, so
    a planning pass works it out once per pair (a few hundred) rather than once per
    action and member: PostgreSQL evaluated the focal-point condition for each of 236,000
    (action, member) rows at 100,000 actions (11 s).
    """
    part = sa.alias(Participation.__table__, name="org_pair_part")  # type: ignore[attr-defined]
    pair = sa.select(
        part.c.programme_id.label("programme_id"),
        part.c.organisation_id.label("owner_organisation_id"),
    ).subquery("org_pair")
    user = sa.alias(User.__table__, name="org_member")  # type: ignore[attr-defined]
    return (
        sa.select(pair.c.programme_id, pair.c.owner_organisation_id, user.c.id)
        .select_from(pair.join(user, user.c.organisation_id == pair.c.owner_organisation_id))
        .where(member_acts(user, pair))
    )


def is_personal_owner(user: Any, action: Any) -> sa.ColumnElement[bool]:
    """SQL: ``user`` is the action's personal owner and can act on it."""
    return sa.and_(
        user.c.id == action.c.owner_user_id,
        user.c.active,
        sa.or_(user.c.role == Role.admin.value, _acts(user, action)),
    )


def is_responsible(user: Any, action: Any) -> sa.ColumnElement[bool]:
    """SQL: ``user`` gets the action's own reminders now (the rule of ``People.responsible``)."""
    return sa.or_(
        is_personal_owner(user, action),
        sa.and_(~personal_owner_acts(action), member_acts(user, action)),
    )


def last_event_at(session: Session, action_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """When each action last changed (its newest event), for the idle rule."""
    result: dict[int, dt.datetime] = {}
    for chunk in chunks(action_ids):
        rows = session.exec(
            select(ActionEvent.action_id, sa.func.max(ActionEvent.at))
            .where(col(ActionEvent.action_id).in_(chunk))
            .group_by(col(ActionEvent.action_id))
        ).all()
        for action_id, at in rows:
            if at is not None:
                # func.max loses the column type on some backends: normalise to aware UTC.
                at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
                result[action_id] = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return result
