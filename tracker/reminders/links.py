"""One-tap links in an owner's reminder (issue 18): signed, 14 days, one per choice.

A link is its own credential: ``/r/<token>``, where the token is signed with the app's
secret key (itsdangerous, a salt of its own, so no other signed value of the app can
stand in for it) and carries the recipient, the action, the recipient's session
version (so "sign out everywhere", a password reset or a deactivation ends it), the
choice it offers and the action's version when the mail was written (so the page can
say what changed since). Only the token's SHA-256 is ever stored (a used "Done").
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from ..models import User

SALT = "tracker.reminder.one-tap"
MAX_AGE_DAYS = 14
MAX_TOKEN_LENGTH = 400


class Choice(enum.StrEnum):
    """What a link offers: one of the three moves, or the page with all of them."""

    on_track = "on_track"
    blocked = "blocked"
    done = "done"
    open = "open"


MOVES = (Choice.on_track, Choice.blocked, Choice.done)


class LinkRefused(Exception):
    """A link that cannot be used; ``reason`` names why (the page words it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    """What a genuine, unexpired link says."""

    user_id: int
    action_id: int
    session_version: int
    choice: Choice
    action_version: int
    token_sha256: str


def _serializer(secret_key: str, issued_at: int | None = None) -> URLSafeTimedSerializer:
    """The link serializer; ``issued_at`` (a Unix time) fixes the signature's time."""
    if issued_at is None:
        return URLSafeTimedSerializer(secret_key, salt=SALT)
    fixed: int = issued_at

    class IssuedAt(TimestampSigner):
        def get_timestamp(self) -> int:
            return fixed

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=IssuedAt)


def sign_link(
    secret_key: str, user: User, action_id: int, action_version: int, choice: Choice,
    *, issued_at: dt.datetime | None = None,
) -> str:  # fmt: skip
    """The token of ``choice`` on the action for ``user``, valid for 14 days from
    ``issued_at`` (default now); ``action_version`` is the version the mail shows."""
    payload = {
        "u": user.id,
        "a": action_id,
        "v": user.session_version,
        "c": choice.value,
        "av": action_version,
    }
    stamp = int(issued_at.timestamp()) if issued_at is not None else None
    return _serializer(secret_key, stamp).dumps(payload)


def link_urls(
    base_url: str, secret_key: str, user: User, action_id: int, action_version: int,
    *, issued_at: dt.datetime | None = None,
) -> dict[str, str]:  # fmt: skip
    """The four addresses of one action's line in a mail, by choice. A mail's links are
    issued when it was planned, so a second copy of it (after a crash) is identical."""
    urls = {}
    for choice in Choice:
        token = sign_link(secret_key, user, action_id, action_version, choice, issued_at=issued_at)
        urls[choice.value] = f"{base_url}/r/{token}"
    return urls


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_link(secret_key: str, token: str) -> Claims:
    """The claims of a genuine link younger than 14 days, else ``LinkRefused``
    ("expired" or "invalid")."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkRefused("invalid")
    try:
        payload: Any = _serializer(secret_key).loads(token, max_age=MAX_AGE_DAYS * 86_400)
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadSignature:
        raise LinkRefused("invalid") from None
    try:
        return Claims(
            user_id=int(payload["u"]),
            action_id=int(payload["a"]),
            session_version=int(payload["v"]),
            choice=Choice(payload["c"]),
            action_version=int(payload["av"]),
            token_sha256=token_digest(token),
        )
    except (KeyError, TypeError, ValueError):
        raise LinkRefused("invalid") from None
