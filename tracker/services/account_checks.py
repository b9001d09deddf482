"""What an account's e-mail, name, role and language may be, and the error every
account rule raises.

The admin pages, the profile page and the commands refuse the same things with the
same words because they all ask here (through ``services.users``).
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import languages
from ..models import Organisation, Role, User
from .errors import FieldError


class UserError(FieldError):
    """A user that cannot be created or changed as asked."""


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


def check_email(session: Session, email: str, *, except_user: User | None = None) -> str:
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


def check_name(name: str, email: str) -> str:
    name = name.strip()
    if has_control_characters(name):
        raise UserError(_("the name must be one line, without control characters"), "name")
    if len(name) > 200:
        raise UserError(_("the name must have at most 200 characters"), "name")
    return name or email
