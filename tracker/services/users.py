"""User accounts: creation, changes, deactivation and the admin's password reset.

Every rule about accounts is asked through this module so that the admin pages, the
profile page and the ``create-user`` command refuse the same things with the same
words: the checks of an account's fields are in ``account_checks``, passwords and
sessions in ``passwords``, both re-exported here for the callers that name
``users.X``. Functions take a session and never commit: the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from ..models import Action, Organisation, Programme, Role, User
from . import tokens as token_service
from .account_checks import (
    UserError,
    check_email,
    check_name,
    find_organisation,
    find_user_by_email,
    has_control_characters,
    normalise_email,
    parse_language,
    parse_role,
)
from .audit import AuditActor, changed_fields, record_audit
from .journal import reschedule_reminders
from .passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    change_password,
    check_password_rules,
    end_all_sessions,
    end_sessions,
    generate_password,
    hash_password,
    password_matches,
)

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Invitation",
    "UserError",
    "change_password",
    "check_email",
    "check_name",
    "check_password_rules",
    "create_user",
    "deactivate_user",
    "end_all_sessions",
    "end_sessions",
    "find_organisation",
    "find_user_by_email",
    "generate_password",
    "has_control_characters",
    "hash_password",
    "invite_user",
    "list_users",
    "normalise_email",
    "parse_language",
    "parse_role",
    "password_matches",
    "reset_password",
    "set_language",
    "update_user",
]


@dataclass(frozen=True)
class Invitation:
    """A new account and the temporary password to hand to its holder once.

    No password when the invitation goes by mail with a link to set one.
    """

    user: User
    temporary_password: str | None


def set_language(session: Session, user: User, language: str | None) -> User:
    """Store the person's language (None: follow the browser, and the default in mail)."""
    user.language = parse_language(language)
    session.add(user)
    session.flush()
    return user


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    organisation: Organisation | None = None,
    must_change_password: bool = False,
    language: str | None = None,
    audit: AuditActor | None = None,
    programmes: Sequence[tuple[Programme, Role]] | None = None,
) -> User:
    """A new account; e-mail addresses are unique whatever their case. Journalled.

    ``programmes`` gives the account its role in each programme named (issue 11).
    Without it, a role other than admin is given in every programme that exists now
    (as ``create-user --role`` always did; programmes made later are not included),
    and a coordinator made so may create programmes, as every coordinator could.
    """
    email = check_email(session, email)
    name = check_name(name, email)
    stored_language = parse_language(language)
    if password is not None:
        check_password_rules(password, email)
    user = User(
        email=email,
        name=name,
        role=role,
        organisation_id=organisation.id if organisation else None,
        password_hash=hash_password(password) if password else None,
        must_change_password=must_change_password,
        language=stored_language,
        may_create_programmes=role == Role.coordinator and programmes is None,
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        audit,
        "user.created",
        subject_type="user",
        subject_id=user.id,
        subject_label=user.email,
        new=_audited(user),
    )
    from . import memberships

    if programmes is not None:
        for programme, programme_role in programmes:
            memberships.add_member(session, user, programme, programme_role, audit=audit)
    elif role != Role.admin:
        memberships.grant_in_every_programme(session, user, role, audit=audit)
    return user


def _audited(user: User) -> dict[str, object]:
    """The fields of an account the audit trail follows."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "organisation_id": user.organisation_id,
        "active": user.active,
    }


def _audit_user_changes(
    session: Session, audit: AuditActor | None, user: User, before: dict[str, object]
) -> None:
    """One entry per kind of change between ``before`` and the user as it is now."""
    after = _audited(user)
    groups = (
        ("user.details_changed", ("email", "name")),
        ("user.role_changed", ("role",)),
        ("user.organisation_changed", ("organisation_id",)),
    )
    for kind, keys in groups:
        old, new = changed_fields({k: before[k] for k in keys}, {k: after[k] for k in keys})
        if new:
            record_audit(
                session, audit, kind, subject_type="user", subject_id=user.id,
                subject_label=user.email, old=old, new=new,
            )  # fmt: skip
    if before["active"] != after["active"]:
        kind = "user.reactivated" if after["active"] else "user.deactivated"
        record_audit(
            session, audit, kind, subject_type="user", subject_id=user.id,
            subject_label=user.email, old={"active": before["active"]},
            new={"active": after["active"]},
        )  # fmt: skip


def invite_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    organisation: Organisation | None = None,
    language: str | None = None,
    audit: AuditActor | None = None,
) -> Invitation:
    """An account made by an admin, with a temporary password to change at first sign-in.

    The hook for the reminders issue: it will mail an invitation link from here
    (through the outbox, after the caller's commit); until then the admin page
    shows the temporary password once.
    """
    temporary_password = generate_password()
    user = create_user(
        session,
        email=email,
        name=name,
        role=role,
        organisation=organisation,
        password=temporary_password,
        must_change_password=True,
        language=language,
        audit=audit,
    )
    return Invitation(user=user, temporary_password=temporary_password)


def update_user(
    session: Session,
    user: User,
    *,
    actor: User,
    email: str,
    name: str,
    role: Role,
    organisation: Organisation | None,
    active: bool,
    audit: AuditActor | None = None,
) -> User:
    """Change an account's details; deactivating it also ends its sessions. Journalled.

    An admin cannot take away their own admin role or deactivate themselves, so
    that the site is never left without anyone who can manage it by mistake.
    """
    email = check_email(session, email, except_user=user)
    name = check_name(name, email)
    if user.id == actor.id and role != Role.admin:
        raise UserError(_("you cannot take away your own admin role"), "role")
    if user.id == actor.id and not active:
        raise UserError(_("you cannot deactivate your own account"), "active")
    before = _audited(user)
    if user.active and not active:
        end_sessions(user)
        token_service.revoke_all_tokens(session, user, audit=audit)
    organisation_id = organisation.id if organisation else None
    if user.active != active or user.organisation_id != organisation_id:
        _reschedule_owned_actions(session, user, {user.organisation_id, organisation_id})
    user.email = email
    user.name = name
    user.role = role
    user.organisation_id = organisation_id
    user.active = active
    session.add(user)
    session.flush()
    _audit_user_changes(session, audit, user, before)
    return user


def deactivate_user(
    session: Session, user: User, *, actor: User, audit: AuditActor | None = None
) -> User:
    """Stop an account from signing in, end every session it has, revoke its tokens."""
    if user.id == actor.id:
        raise UserError(_("you cannot deactivate your own account"), "active")
    if user.active:
        _reschedule_owned_actions(session, user, {user.organisation_id})
        before = _audited(user)
        user.active = False
        end_sessions(user)
        token_service.revoke_all_tokens(session, user, audit=audit)
        session.add(user)
        session.flush()
        _audit_user_changes(session, audit, user, before)
    return user


def _reschedule_owned_actions(
    session: Session, user: User, organisation_ids: set[int | None]
) -> None:
    """Who receives these actions' reminders changed: the planner looks at them again now
    rather than at their next threshold."""
    conditions = [col(Action.owner_user_id) == user.id]
    organisations = [i for i in organisation_ids if i is not None]
    if organisations:
        conditions.append(col(Action.owner_organisation_id).in_(organisations))
    action_ids = session.exec(select(Action.id).where(sa.or_(*conditions))).all()
    reschedule_reminders(session, [i for i in action_ids if i is not None])


def reset_password(session: Session, user: User, *, audit: AuditActor | None = None) -> str:
    """A new temporary password for a user who lost theirs; their sessions end and their
    API tokens are revoked (a reset means the account may be in other hands)."""
    temporary_password = generate_password()
    user.password_hash = hash_password(temporary_password)
    user.must_change_password = True
    end_sessions(user)
    token_service.revoke_all_tokens(session, user, audit=audit)
    session.add(user)
    session.flush()
    record_audit(
        session, audit, "user.password_reset", subject_type="user", subject_id=user.id,
        subject_label=user.email,
    )  # fmt: skip
    return temporary_password


def list_users(session: Session) -> list[tuple[User, Organisation | None]]:
    """Every account with its organisation, active ones first, by name."""
    rows = session.exec(
        select(User, Organisation)
        .join(Organisation, User.organisation_id == Organisation.id, isouter=True)  # type: ignore[arg-type]
        .order_by(col(User.active).desc(), sa.func.lower(User.name), col(User.id))
    ).all()
    return [(user, organisation) for user, organisation in rows]
