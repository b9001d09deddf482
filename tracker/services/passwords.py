"""Passwords and sessions of an account: the rules a password keeps, its hash, the
person's own change of it, and the end of every sign-in.

Functions take a session and never commit: the caller commits once.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlmodel import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User
from .account_checks import UserError, normalise_email

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
