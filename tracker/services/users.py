"""User accounts: creation and passwords."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select
from werkzeug.security import generate_password_hash

from ..models import Organisation, Role, User

MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user that cannot be created or changed as asked; one line for the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(
        select(User).where(sa.func.lower(User.email) == normalise_email(email))
    ).first()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password, method="scrypt")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    organisation: Organisation | None = None,
    must_change_password: bool = False,
) -> User:
    """A new account; e-mail addresses are unique whatever their case."""
    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise UserError(f"{email!r} is not an e-mail address")
    if find_user_by_email(session, email) is not None:
        raise UserError(f"a user with e-mail {email} already exists")
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        organisation_id=organisation.id if organisation else None,
        password_hash=hash_password(password) if password else None,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user
