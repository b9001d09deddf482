"""Bearer tokens, and nothing else: the API never looks at the session cookie.

A signed-in browser tab therefore cannot drive the API (no CSRF to worry about),
and an integrator's token acts with its user's role and organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext

from ..db import get_engine, get_session, new_session, session_scope
from ..models import ApiToken, TokenScope, User, utcnow
from ..services import tokens as token_service
from .errors import ApiError

REALM = 'Bearer realm="tracker"'


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's user (in the request's session) and the token."""

    user: User
    token: ApiToken

    @property
    def can_write(self) -> bool:
        return self.token.scope == TokenScope.write


def _unauthorized(detail: str, *, invalid: bool) -> ApiError:
    challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    return ApiError("unauthorized", detail, headers={"WWW-Authenticate": challenge})


def _bearer_secret() -> str:
    header = request.headers.get("Authorization", "")
    if not header:
        raise _unauthorized(
            gettext(
                "Send a personal API token as Authorization: Bearer <token>; create one on "
                "your profile page. Session cookies are not accepted here."
            ),
            invalid=False,
        )
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized(
            gettext("Only Authorization: Bearer <token> is accepted."), invalid=True
        )
    return secret.strip()


def authenticate(scope: TokenScope) -> Caller:
    """The caller of this request, or an ``ApiError`` (401, or 403 for a read-only token).

    The token is looked up and its use recorded in short sessions of their own,
    before the request's session starts, so that a write request holding the
    database's write lock never waits on its own bookkeeping.
    """
    secret = _bearer_secret()
    engine = get_engine()
    with new_session(engine) as lookup:
        try:
            found = token_service.authenticate_token(lookup, secret)
        except token_service.TokenExpired as expired:
            raise ApiError(
                "token-expired",
                gettext(
                    "This token expired on %(day)s. Create a new one on your profile page.",
                    day=expired.token.expires_at.date().isoformat(),
                ),
                headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
            ) from None
        if found is None:
            raise _unauthorized(
                gettext(
                    "This token is not valid: it is unknown, revoked, or its account is inactive."
                ),
                invalid=True,
            )
        token, _user = found
        lookup.expunge(token)
    if token.last_used_at is None or token.last_used_at < utcnow() - token_service.TOUCH_EVERY:
        with session_scope(write=True, engine=engine) as touch:
            token_service.record_token_use(touch, token)
    user = get_session().get(User, token.user_id)
    if user is None or not user.active:  # deactivated in between
        raise _unauthorized(gettext("This token's account is inactive."), invalid=True)
    if scope == TokenScope.write and token.scope != TokenScope.write:
        raise ApiError(
            "forbidden",
            gettext(
                "This token can only read. Create a token with the write scope to change actions."
            ),
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="write"'},
        )
    return Caller(user=user, token=token)
