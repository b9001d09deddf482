"""Personal API tokens: created by their user, shown once, stored hashed, revocable.

A token acts with its user's role and organisation, so the API applies exactly the
rules the pages apply. Only the SHA-256 of the secret is kept: the secret carries
256 bits from ``secrets``, so a fast hash is enough (there is nothing to guess that
a slow hash would protect) and lets a request find its token with one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col, select

from ..models import ApiToken, TokenScope, User, utcnow

SECRET_PREFIX = "trk_"  # noqa: S105  (marks our tokens; not a secret)
PREFIX_LENGTH = 12  # "trk_" and 8 characters of the secret: enough to tell tokens apart
MAX_NAME = 100
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most once per this interval, so reading does not mean writing.
TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be created or revoked; the message says why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``secret`` is shown to its user this once, never again."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scope(value: str) -> TokenScope:
    try:
        return TokenScope(value)
    except ValueError:
        raise TokenError(gettext("Choose read or write."), "scope") from None


def create_token(session: Session, user: User, name: str, scope: TokenScope | str) -> NewToken:
    """Make a token for ``user``; the caller commits and shows ``secret`` once."""
    clean = " ".join((name or "").split())
    if not clean:
        raise TokenError(gettext("Give the token a name, such as the system that uses it."), "name")
    if len(clean) > MAX_NAME:
        raise TokenError(
            gettext("The name is longer than %(limit)s characters.", limit=MAX_NAME), "name"
        )
    token_scope = parse_scope(scope) if isinstance(scope, str) else scope
    if not user.active:
        raise TokenError(gettext("An inactive account cannot have API tokens."))
    if len(list_tokens(session, user)) >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            gettext(
                "You already have %(count)s tokens; revoke one you no longer use first.",
                count=MAX_ACTIVE_TOKENS,
            )
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,  # type: ignore[arg-type]
        name=clean,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        scope=token_scope,
    )
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Stop one of the user's own tokens from working, at once; the caller commits."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise TokenError(gettext("There is no such token among yours."))
    token.revoked_at = utcnow()
    session.add(token)
    session.flush()
    return token


def authenticate_token(session: Session, secret: str) -> tuple[ApiToken, User] | None:
    """The live token with this secret and its active user, or None."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    row = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_secret(secret), col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    token, user = row
    if not user.active:
        return None
    return token, user


def record_token_use(session: Session, token: ApiToken, now: dt.datetime | None = None) -> None:
    """Note when the token was last used, at most once a minute; the caller commits."""
    now = now or utcnow()
    session.execute(
        sa.update(ApiToken)
        .where(
            col(ApiToken.id) == token.id,
            sa.or_(
                col(ApiToken.last_used_at).is_(None),
                col(ApiToken.last_used_at) < now - TOUCH_EVERY,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
