"""Who belongs to which programme (issue 11): members with a role, organisations taking part.

Admins are global and never members. A programme's coordinators manage its members
and organisations, but never make anyone an admin or more than a coordinator; that
rule is ``policy.refusal(..., Do.manage_members, programme)`` plus ``check_role`` here.
Removing a member deletes the membership only: the history still names them, and
their open actions show as "owner has left the programme" (``policy.effectively_assigned``)
until a coordinator names a new owner. Functions never commit; the caller does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from ..models import Membership, Organisation, Participation, Programme, Role, User, utcnow
from . import policy
from .audit import AuditActor, record_audit
from .errors import FieldError
from .journal import reschedule_programme


class MembershipError(FieldError):
    """A membership change that cannot be made."""


@dataclass(frozen=True)
class RoleChange:
    """What ``add_member`` did: ``before`` None for a new member, equal to ``after`` for none."""

    before: Role | None
    after: Role

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def describe(self) -> str:
        if self.before is None:
            return f"added as {self.after.value}"
        if not self.changed:
            return f"already {self.after.value}"
        return f"{self.before.value} -> {self.after.value}"


def parse_programme_role(value: str) -> Role:
    """A role a programme member can hold: coordinator, owner or viewer (never admin)."""
    try:
        role = Role(value.strip().lower())
    except ValueError:
        raise MembershipError(
            _("unknown role %(role)r: choose coordinator, owner or viewer", role=value), "role"
        ) from None
    if role == Role.admin:
        raise MembershipError(
            _("admin is a global role, not a programme role: use create-user --role admin"),
            "role",
        )
    return role


def find_programme(session: Session, reference: str) -> Programme | None:
    """A programme by its id or its slug (``cambodia-apmbc``; see ``public.slug_for``)."""
    from .public import slug_for

    text = reference.strip()
    if text.isdigit() and len(text) < 10:
        return session.get(Programme, int(text))
    for programme in session.exec(select(Programme)):
        if programme.public_slug == text or slug_for(programme) == text.lower():
            return programme
    return None


def membership_of(session: Session, user: User, programme: Programme) -> Membership | None:
    return session.exec(
        select(Membership).where(
            Membership.user_id == user.id, Membership.programme_id == programme.id
        )
    ).first()


def _changed(
    session: Session,
    audit: AuditActor | None,
    kind: str,
    programme: Programme,
    label: str,
    old: dict[str, object] | None,
    new: dict[str, object] | None,
) -> None:
    """What every change of who takes part owes: the planner looks at the programme's
    actions again (their reminders' recipients may differ), and the change goes into the
    audit trail (issue 16), whoever makes it."""
    session.flush()
    assert programme.id is not None
    # Who receives this programme's reminders may have changed: the planner looks again.
    reschedule_programme(session, programme.id)
    record_audit(
        session,
        audit,
        kind,
        subject_type="programme",
        subject_id=programme.id,
        subject_label=f"{programme.short_name}: {label}"[:300],
        old=old,
        new=new,
    )


def _participation(
    session: Session, programme_id: int, organisation_id: int
) -> Participation | None:
    return session.exec(
        select(Participation).where(
            Participation.programme_id == programme_id,
            Participation.organisation_id == organisation_id,
        )
    ).first()


def add_member(
    session: Session,
    user: User,
    programme: Programme,
    role: Role,
    *,
    actor: policy.Who = None,
    audit: AuditActor | None = None,
) -> RoleChange:
    """Make ``user`` a member of ``programme`` with ``role``, or change their role there.

    ``actor`` None is the command line (an operator with shell access). A coordinator
    may give at most the coordinator role; nobody is made an admin here.
    """
    check_manager(actor, programme)
    if role == Role.admin:
        raise MembershipError(_("admin is a global role, not a programme role"), "role")
    if user.role == Role.admin:
        raise MembershipError(
            _("%(email)s is an admin and reaches every programme already", email=user.email),
            "email",
        )
    assert programme.id is not None and user.id is not None
    found = membership_of(session, user, programme)
    if found is not None and found.role == role:
        return RoleChange(role, role)
    before = found.role if found is not None else None
    if found is None:
        found = Membership(user_id=user.id, programme_id=programme.id, role=role)
    else:
        found.role = role
        found.changed_at = utcnow()
    session.add(found)
    policy.forget_access(session)
    _changed(
        session, audit, "programme.membership_changed", programme, user.email,
        {"role": before.value} if before else None, {"role": role.value},
    )  # fmt: skip
    return RoleChange(before, role)


def remove_member(
    session: Session,
    user: User,
    programme: Programme,
    *,
    actor: policy.Who = None,
    audit: AuditActor | None = None,
) -> bool:
    """End ``user``'s membership of ``programme``; False if there was none. History stays."""
    check_manager(actor, programme)
    found = membership_of(session, user, programme)
    if found is None:
        return False
    if (
        actor is not None
        and policy.as_access(actor).user_id == user.id
        and not (policy.as_access(actor).admin)
    ):
        raise MembershipError(_("you cannot remove yourself from a programme"), "email")
    role = found.role
    session.delete(found)
    policy.forget_access(session)
    _changed(
        session, audit, "programme.membership_changed", programme, user.email,
        {"role": role.value}, None,
    )  # fmt: skip
    return True


def check_manager(actor: policy.Who, programme: Programme) -> None:
    """Refuse a change of ``programme``'s members by someone who does not manage it."""
    if actor is None:
        return
    refused = policy.refusal(actor, policy.Do.manage_members, programme)
    if refused is not None:
        raise MembershipError(refused.message)


def takes_part(session: Session, programme_id: int, organisation_id: int) -> bool:
    return _participation(session, programme_id, organisation_id) is not None


def add_organisation(
    session: Session,
    organisation: Organisation,
    programme: Programme,
    *,
    actor: policy.Who = None,
    audit: AuditActor | None = None,
) -> bool:
    """Make ``organisation`` take part in ``programme``; False if it already did."""
    return set_participation(session, organisation, programme, True, actor=actor, audit=audit)


def set_participation(
    session: Session,
    organisation: Organisation,
    programme: Programme,
    taking_part: bool,
    *,
    actor: policy.Who = None,
    audit: AuditActor | None = None,
) -> bool:
    """Make ``organisation`` take part in ``programme`` or no longer; False if it already
    was so (nothing changes, nothing is audited). Once it no longer takes part, its open
    actions there show as unassigned (``policy.effectively_assigned``)."""
    check_manager(actor, programme)
    assert programme.id is not None and organisation.id is not None
    found = _participation(session, programme.id, organisation.id)
    if (found is not None) == taking_part:
        return False
    if found is None:
        session.add(Participation(programme_id=programme.id, organisation_id=organisation.id))
    else:
        session.delete(found)
    state: dict[str, object] = {"takes_part": True}
    _changed(
        session, audit, "programme.organisation_changed", programme, organisation.short_name,
        None if taking_part else state, state if taking_part else None,
    )  # fmt: skip
    return True


def grant_in_every_programme(
    session: Session, user: User, role: Role, *, audit: AuditActor | None = None
) -> list[Programme]:
    """``role`` in every programme that exists now (``create-user --role R``, as before)."""
    programmes = list(session.exec(select(Programme).order_by(col(Programme.id))))
    for programme in programmes:
        add_member(session, user, programme, role, audit=audit)
    return programmes


def open_programme_to_everyone(session: Session, programme: Programme) -> None:
    """Every user's default role and every organisation in ``programme`` (the upgrade's rule).

    For test and benchmark data built the way an upgraded database looks; the
    application itself never opens a new programme to everyone.
    """
    for user in session.exec(select(User).where(col(User.role) != Role.admin)):
        add_member(session, user, programme, user.role)
    for organisation in session.exec(select(Organisation)):
        add_organisation(session, organisation, programme)


@dataclass(frozen=True)
class MemberRow:
    user: User
    role: Role
    organisation: Organisation | None
    verifies: bool = False  # issue 14: named a verifier of the programme


def list_members(session: Session, programme: Programme) -> list[MemberRow]:
    rows = session.exec(
        select(User, Membership.role, Organisation, Membership.verifies)
        .join(Membership, col(Membership.user_id) == User.id)
        .outerjoin(Organisation, col(Organisation.id) == User.organisation_id)
        .where(Membership.programme_id == programme.id)
        .order_by(sa.func.lower(User.name))
    ).all()
    return [
        MemberRow(user, Role(role), organisation, bool(verifies))
        for user, role, organisation, verifies in rows
    ]


def list_taking_part(session: Session, programme: Programme) -> list[Organisation]:
    return list(
        session.exec(
            select(Organisation)
            .join(Participation, col(Participation.organisation_id) == Organisation.id)
            .where(Participation.programme_id == programme.id)
            .order_by(Organisation.short_name)
        )
    )


def list_memberships(session: Session, user: User) -> list[tuple[Programme, Role]]:
    rows = session.exec(
        select(Programme, Membership.role)
        .join(Membership, col(Membership.programme_id) == Programme.id)
        .where(Membership.user_id == user.id)
        .order_by(Programme.country, Programme.treaty)
    ).all()
    return [(programme, Role(role)) for programme, role in rows]


def grant_new_programme(session: Session, programme: Programme, creator: User | None) -> None:
    """A programme made by an import in the browser: its importing coordinator coordinates it.

    From the command line (``creator`` None) nobody is made its coordinator.
    """
    if creator is None or creator.role == Role.admin:
        return
    add_member(session, creator, programme, Role.coordinator)


def organisations_not_taking_part(session: Session, programme: Programme) -> Sequence[Organisation]:
    taking = {o.id for o in list_taking_part(session, programme)}
    return [
        o
        for o in session.exec(select(Organisation).order_by(Organisation.short_name))
        if o.id not in taking
    ]
