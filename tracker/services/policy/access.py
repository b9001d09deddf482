"""Who belongs where: a person's access, admin everywhere or a role per programme."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import Action, Membership, Programme, Role, User

# --------------------------------------------------------------------------- who belongs where


PROGRAMME_ROLES = (Role.coordinator, Role.owner, Role.viewer)
# The roles that can act on (and be named owner of) actions in a programme.
ACTING_ROLES = frozenset({Role.coordinator, Role.owner})


@dataclass(frozen=True)
class Access:
    """What one person may reach: everything for an admin, else a role per programme.

    Built once per request (``access_for``) from the person's memberships; every
    rule below takes it (or a ``User``, resolved in that user's own session).
    """

    user_id: int | None
    admin: bool
    organisation_id: int | None
    roles: tuple[tuple[int, Role], ...]
    may_create_programmes: bool = False
    # Issue 14: the programmes where the person's membership names them a verifier.
    verifier_in: frozenset[int] = frozenset()

    def role_in(self, programme_id: int | None) -> Role | None:
        """The person's role in the programme (admin everywhere), or None outside it."""
        if self.admin:
            return Role.admin
        return dict(self.roles).get(programme_id) if programme_id is not None else None

    @property
    def programme_ids(self) -> frozenset[int] | None:
        """The programmes this person may read; None for an admin (all of them)."""
        return None if self.admin else frozenset(pid for pid, _role in self.roles)

    @property
    def managed_ids(self) -> frozenset[int] | None:
        """The programmes this person coordinates; None for an admin (all of them)."""
        if self.admin:
            return None
        return frozenset(pid for pid, role in self.roles if role == Role.coordinator)

    @property
    def cache_key(self) -> Hashable:
        """What a rendered page may depend on: admin, or the programmes and roles held."""
        return "admin" if self.admin else tuple(sorted((pid, r.value) for pid, r in self.roles))


NOBODY = Access(user_id=None, admin=False, organisation_id=None, roles=())
# The operator on the command line and the benchmarks: reads everything, as an admin.
EVERYTHING = Access(
    user_id=0, admin=True, organisation_id=None, roles=(), may_create_programmes=True
)
_CACHE = "tracker_policy_access"


def access_for(session: Session, user: User | None) -> Access:
    """The person's access, read once per session (``forget_access`` after a change)."""
    if user is None or not user.active or user.id is None:
        return NOBODY
    cached: dict[int, tuple[Hashable, Access]] = session.info.setdefault(_CACHE, {})
    stamp = (user.role, user.organisation_id, user.may_create_programmes, user.active)
    found = cached.get(user.id)
    if found is not None and found[0] == stamp:
        return found[1]
    roles: tuple[tuple[int, Role], ...] = ()
    verifier_in: frozenset[int] = frozenset()
    if user.role != Role.admin:
        rows = session.execute(
            sa.select(col(Membership.programme_id), col(Membership.role), col(Membership.verifies))
            .where(col(Membership.user_id) == user.id)
            .order_by(col(Membership.programme_id))
        ).all()
        roles = tuple((pid, Role(role)) for pid, role, _verifies in rows)
        verifier_in = frozenset(pid for pid, _role, verifies in rows if verifies)
    access = Access(
        user_id=user.id,
        admin=user.role == Role.admin,
        organisation_id=user.organisation_id,
        roles=roles,
        may_create_programmes=user.role == Role.admin or user.may_create_programmes,
        verifier_in=verifier_in,
    )
    cached[user.id] = (stamp, access)
    return access


def forget_access(session: Session) -> None:
    """Drop the cached accesses of ``session``: a membership changed."""
    session.info.pop(_CACHE, None)


Who = Access | User | None


def as_access(who: Who) -> Access:
    """``who`` as an ``Access``; a ``User`` is resolved in the session it belongs to."""
    if isinstance(who, Access):
        return who
    if who is None or not who.active:
        return NOBODY
    session = sa.orm.object_session(who)
    if session is None:  # a detached row: no memberships to read, only the admin flag
        admin = who.role == Role.admin
        return Access(who.id, admin, who.organisation_id, (), admin)
    return access_for(session, who)  # type: ignore[arg-type]


Target = Action | Programme | int | None


def programme_id_of(target: Target) -> int | None:
    if isinstance(target, Action):
        return target.programme_id
    if isinstance(target, Programme):
        return target.id
    return target
