"""User accounts: creation, changes, passwords and the end of sessions.

Every rule about accounts lives here so that the admin pages, the profile page and
the ``create-user`` command refuse the same things with the same words. Functions
take a session and never commit: the caller commits once.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import languages
from ..models import Action, Organisation, Programme, Role, User
from . import tokens as token_service
from .audit import AuditActor, changed_fields, record_audit
from .journal import reschedule_reminders

MIN_PASSWORD_LENGTH = 12
# Werkzeug's scrypt with its default cost (N=2**15); the test suite lowers it for speed.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a method name, not a password)
MAX_PASSWORD_LENGTH = 200

# Passwords of twelve characters or more that still top the leaked-password lists,
# compared case-insensitively. Short on purpose: length does most of the work.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456123456",
        "111111111111",
        "000000000000",
        "abcdefghijkl",
        "abc123abc123",
        "qwertyuiopas",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "asdfghjkl123",
        "zxcvbnm12345",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "password1!password",
        "p@ssw0rd1234",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123456",
        "changeme1234",
        "changeme123456",
        "administrator",
        "administrator1",
        "admin1234567",
        "adminadmin123",
        "trustno1trustno1",
        "sunshine1234",
        "football1234",
        "baseball1234",
        "superman1234",
        "princess1234",
        "monkey123456",
        "dragon123456",
        "whatever1234",
        "mypassword123",
        "secretpassword",
        "tracker12345",
        "trackertracker",
        "minefree2030",
        "cambodia2030",
    }
)


class UserError(ValueError):
    """A user that cannot be created or changed as asked; one line for the user.

    ``field`` names the form field at fault, so that a page can show the message
    beside it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Invitation:
    """A new account and the temporary password to hand to its holder once.

    No password when the invitation goes by mail with a link to set one.
    """

    user: User
    temporary_password: str | None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(
        select(User).where(sa.func.lower(User.email) == normalise_email(email))
    ).first()


def find_organisation(session: Session, short_name: str) -> Organisation | None:
    """The organisation with this short name, whatever its case."""
    return session.exec(
        select(Organisation).where(
            sa.func.lower(Organisation.short_name) == short_name.strip().lower()
        )
    ).first()


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise UserError(
            _("%(value)s is not a role; choose one of %(names)s", value=repr(value), names=names),
            "role",
        ) from None


def parse_language(value: str | None) -> str | None:
    """A stored language code (lower-case, with a catalogue), or None for "no choice"."""
    if value is None or not value.strip():
        return None
    try:
        return languages.parse_language(value)
    except languages.UnknownLanguage:
        raise UserError(
            _("unknown language %(value)s: use %(codes)s", value=repr(value),
              codes=languages.listed_codes()),
            "language",
        ) from None  # fmt: skip


def set_language(session: Session, user: User, language: str | None) -> User:
    """Store the person's language (None: follow the browser, and the default in mail)."""
    user.language = parse_language(language)
    session.add(user)
    session.flush()
    return user


def check_password_rules(password: str, email: str | None = None) -> None:
    """Refuse passwords that are short, well known, or the account's own e-mail."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            _("the password must have at least %(n)d characters", n=MIN_PASSWORD_LENGTH), "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(
            _("the password must have at most %(n)d characters", n=MAX_PASSWORD_LENGTH), "password"
        )
    folded = password.strip().lower()
    if folded in COMMON_PASSWORDS or folded.replace(" ", "") in COMMON_PASSWORDS:
        raise UserError(_("this password is on a list of common passwords"), "password")
    if len(set(folded)) < 4:
        raise UserError(_("the password uses too few different characters"), "password")
    if email and normalise_email(email) in {folded, folded.split("@")[0]}:
        raise UserError(_("the password must not be the e-mail address"), "password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            _("the password must have at least %(n)d characters", n=MIN_PASSWORD_LENGTH), "password"
        )
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def password_matches(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash or "", password)


def generate_password() -> str:
    """A random password to hand over once: 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def _check_email(session: Session, email: str, *, except_user: User | None = None) -> str:
    email = normalise_email(email)
    local, _at, domain = email.partition("@")
    if not local or not domain or " " in email or len(email) > 254:
        raise UserError(_("%(email)s is not an e-mail address", email=repr(email)), "email")
    existing = find_user_by_email(session, email)
    if existing is not None and existing is not except_user:
        raise UserError(_("a user with e-mail %(email)s already exists", email=email), "email")
    return email


def has_control_characters(text: str) -> bool:
    """True if ``text`` holds a line break, tab, NUL or any other control character.

    Format characters (Cf) stay allowed: Khmer names use zero-width spaces and joiners.

    Names go into the subject and salutation of plain-text mail, where a line break
    starts a new line (or a new header) that the name's owner wrote.
    """
    return any(unicodedata.category(character) in {"Cc", "Zl", "Zp"} for character in text)


def _check_name(name: str, email: str) -> str:
    name = name.strip()
    if has_control_characters(name):
        raise UserError(_("the name must be one line, without control characters"), "name")
    if len(name) > 200:
        raise UserError(_("the name must have at most 200 characters"), "name")
    return name or email


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
    email = _check_email(session, email)
    name = _check_name(name, email)
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
    email = _check_email(session, email, except_user=user)
    name = _check_name(name, email)
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


def change_password(session: Session, user: User, *, current: str, new: str) -> User:
    """Set the user's own password: needs the current one; ends every other session.

    The caller signs the person in again with the new session version, so only
    the browser that made the change stays signed in.
    """
    if not password_matches(user, current):
        raise UserError(_("the current password is not right"), "current_password")
    if new == current:
        raise UserError(_("the new password must differ from the current one"), "new_password")
    try:
        check_password_rules(new, user.email)
    except UserError as exc:
        raise UserError(str(exc), "new_password") from None
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(user)
    session.add(user)
    session.flush()
    return user


def end_sessions(user: User) -> None:
    """End every sign-in of ``user``: each ``sign_in`` row carries the old session version."""
    user.session_version = (user.session_version or 0) + 1


def end_all_sessions(session: Session, user: User) -> User:
    """ "Sign out everywhere": every browser of this user must sign in again."""
    end_sessions(user)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[tuple[User, Organisation | None]]:
    """Every account with its organisation, active ones first, by name."""
    rows = session.exec(
        select(User, Organisation)
        .join(Organisation, User.organisation_id == Organisation.id, isouter=True)  # type: ignore[arg-type]
        .order_by(col(User.active).desc(), sa.func.lower(User.name), col(User.id))
    ).all()
    return [(user, organisation) for user, organisation in rows]
