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
from .audit import AuditActor, record_audit
from .errors import FieldError

SECRET_PREFIX = "trk_"  # noqa: S105  (marks our tokens; not a secret)
PREFIX_LENGTH = 12  # "trk_" and 8 characters of the secret: enough to tell tokens apart
MAX_NAME = 100
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most once per this interval, so reading does not mean writing.
TOUCH_EVERY = dt.timedelta(minutes=1)
# Lifetimes offered at creation (issue 16): a token stops working on its own, so one
# forgotten in a retired system does not work for ever.
LIFETIME_DAYS = (30, 90, 365)
DEFAULT_LIFETIME_DAYS = 90


class TokenError(FieldError):
    """A token that cannot be created or revoked; the message says why."""


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


class TokenExpired(Exception):
    """The secret names a token whose expiry date has passed."""

    def __init__(self, token: ApiToken) -> None:
        super().__init__(token.name)
        self.token = token


def parse_lifetime(value: str | int | None) -> int:
    """30, 90 or 365 days; nothing chosen means the default of 90."""
    if value is None or value == "":
        return DEFAULT_LIFETIME_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days not in LIFETIME_DAYS:
        raise TokenError(gettext("Choose 30, 90 or 365 days."), "lifetime")
    return days


def create_token(
    session: Session,
    user: User,
    name: str,
    scope: TokenScope | str,
    lifetime_days: int | str | None = None,
    now: dt.datetime | None = None,
    audit: AuditActor | None = None,
) -> NewToken:
    """Make a token for ``user``, expiring after ``lifetime_days``; the caller commits and
    shows ``secret`` once."""
    clean = " ".join((name or "").split())
    if not clean:
        raise TokenError(gettext("Give the token a name, such as the system that uses it."), "name")
    if len(clean) > MAX_NAME:
        raise TokenError(
            gettext("The name is longer than %(limit)s characters.", limit=MAX_NAME), "name"
        )
    token_scope = parse_scope(scope) if isinstance(scope, str) else scope
    days = parse_lifetime(lifetime_days)
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
        created_at=now or utcnow(),
        expires_at=(now or utcnow()) + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    _audit_token(session, audit or AuditActor.of(user, None), "token.created", token, user)
    return NewToken(token, secret)


def _audit_token(
    session: Session, audit: AuditActor | None, kind: str, token: ApiToken, user: User,
    reason: str | None = None,
) -> None:  # fmt: skip
    details = {
        "user_id": user.id,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope.value,
        "expires_at": token.expires_at.isoformat(timespec="seconds"),
    }
    if reason:
        details["reason"] = reason
    record_audit(
        session, audit, kind, subject_type="api_token", subject_id=token.id,
        subject_label=f"{token.name} ({user.email})",
        old=details if kind == "token.revoked" else None,
        new=details if kind == "token.created" else {"revoked": True},
    )  # fmt: skip


def list_tokens(session: Session, user: User, now: dt.datetime | None = None) -> list[ApiToken]:
    """The user's tokens that still work (not revoked, not expired), newest first."""
    return list(
        session.exec(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                col(ApiToken.revoked_at).is_(None),
                col(ApiToken.expires_at) > (now or utcnow()),
            )
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        )
    )


def revoke_all_tokens(
    session: Session,
    user: User,
    now: dt.datetime | None = None,
    audit: AuditActor | None = None,
) -> int:
    """Revoke every token of ``user`` not yet revoked (reset, deactivation, sign out
    everywhere), each journalled; the caller commits. Returns how many were revoked."""
    now = now or utcnow()
    tokens = list(
        session.exec(
            select(ApiToken).where(
                col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None)
            )
        )
    )
    for token in tokens:
        token.revoked_at = now
        session.add(token)
        _audit_token(session, audit, "token.revoked", token, user, reason="all tokens revoked")
    session.flush()
    return len(tokens)


def revoke_token(
    session: Session, user: User, token_id: int, audit: AuditActor | None = None
) -> ApiToken:
    """Stop one of the user's own tokens from working, at once; the caller commits."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise TokenError(gettext("There is no such token among yours."))
    token.revoked_at = utcnow()
    session.add(token)
    session.flush()
    _audit_token(session, audit or AuditActor.of(user, None), "token.revoked", token, user)
    return token


def authenticate_token(
    session: Session, secret: str, now: dt.datetime | None = None
) -> tuple[ApiToken, User] | None:
    """The live token with this secret and its active user, or None.

    Raises ``TokenExpired`` for a token that would work but for its expiry date, so
    that the caller can say so: a sync that stops should say why.
    """
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
    if token.expires_at <= (now or utcnow()):
        raise TokenExpired(token)
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
