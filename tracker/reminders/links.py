"""One-tap links in an owner's reminder (issue 18): signed, 14 days, one per choice.

A link is its own credential: ``/r/<token>``, where the token is signed with the app's
secret key (itsdangerous, a salt of its own, so no other signed value of the app can
stand in for it) and carries the recipient, the action, the recipient's session
version (so "sign out everywhere", a password reset or a deactivation ends it), the
choice it offers and the action's version when the mail was written (so the page can
say what changed since). Only the token's SHA-256 is ever stored (a used "Done").
"""

from __future__ import annotations

import binascii
import datetime as dt
import enum
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes
from itsdangerous.signer import HMACAlgorithm

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


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # itsdangerous's


class _Issuer:
    """Signs the links of mails planned at one instant, as the link serializer does
    (compact JSON, the fixed timestamp, HMAC-SHA1 over the derived key, so ``read_link``
    reads them) with what every link shares (the keyed HMAC, the timestamp) made once.

    A reminder signs four links an action, up to 80 a mail, 94,000 in the tick a week
    later at 100,000 actions. ``dumps`` made its signer, derived its key and built the
    fixed-time signer class for each, and tried ``zlib.compress`` on the 50-byte payload
    (allocating a compressor each time: most of a link's cost). Here the payload is never
    compressed: the serializer reads both forms, and the same inputs give the same
    token, so a second copy of a mail still carries the same links."""

    def __init__(self, secret_key: str, issued_at: int) -> None:
        signer = _serializer(secret_key, issued_at).make_signer()
        assert isinstance(signer.algorithm, HMACAlgorithm)
        # Keyed once; each link copies it.
        self._mac = hmac.new(signer.derive_key(), digestmod=signer.algorithm.digest_method)
        self._sep = want_bytes(signer.sep)
        self._stamp = self._sep + base64_encode(int_to_bytes(issued_at))

    def sign(self, payload: dict[str, Any]) -> str:
        value = base64_encode(_compact_json(payload).encode("utf-8")) + self._stamp
        mac = self._mac.copy()
        mac.update(value)
        return (value + self._sep + base64_encode(mac.digest())).decode("ascii")

    def urls(
        self, prefix: str, user_id: int, session_version: int, action_id: int,
        action_version: int,
    ) -> dict[str, str]:  # fmt: skip
        """``prefix`` + the token of every choice on one action, by choice: ``sign`` of
        each payload with its steps inlined (a tick signs 94,000 of them)."""
        if type(action_id) is not int or type(action_version) is not int:
            return {
                choice: prefix + self.sign(
                    {"u": user_id, "a": action_id, "v": session_version, "c": choice,
                     "av": action_version}
                )
                for choice in _CHOICE_VALUES
            }  # fmt: skip
        head = f'{{"u":{user_id},"a":{action_id},"v":{session_version},"c":"'
        tail = f'","av":{action_version}}}'
        urls = {}
        for choice in _CHOICE_VALUES:
            value = _b64(f"{head}{choice}{tail}".encode("ascii")) + self._stamp
            mac = self._mac.copy()
            mac.update(value)
            urls[choice] = prefix + (value + self._sep + _b64(mac.digest())).decode("ascii")
        return urls


def _compact_json(payload: dict[str, Any]) -> str:
    """The compact JSON of a link's payload: written directly when it is the usual ints
    and a choice (the same text as the encoder's, a fifth of its cost), else encoded."""
    u, a, v, c, av = (payload.get(k) for k in ("u", "a", "v", "c", "av"))
    plain = all(type(x) is int for x in (u, a, v, av)) and c in _CHOICES and len(payload) == 5
    if plain and list(payload) == ["u", "a", "v", "c", "av"]:
        return f'{{"u":{u},"a":{a},"v":{v},"c":"{c}","av":{av}}}'
    return _COMPACT.encode(payload)


_CHOICES = frozenset(choice.value for choice in Choice)
_CHOICE_VALUES = tuple(choice.value for choice in Choice)
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    """itsdangerous's ``base64_encode`` (URL-safe, no padding), without its wrappers."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


@functools.lru_cache(maxsize=64)
def _issuer(secret_key: str, issued_at: int) -> _Issuer:
    return _Issuer(secret_key, issued_at)


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
    if issued_at is None:
        return _serializer(secret_key).dumps(payload)
    return _issuer(secret_key, int(issued_at.timestamp())).sign(payload)


def link_urls(
    base_url: str, secret_key: str, user: User, action_id: int, action_version: int,
    *, issued_at: dt.datetime | None = None,
) -> dict[str, str]:  # fmt: skip
    """The four addresses of one action's line in a mail, by choice. A mail's links are
    issued when it was planned, so a second copy of it (after a crash) is identical."""
    return link_signer(base_url, secret_key, user, issued_at=issued_at)(action_id, action_version)


def link_signer(
    base_url: str, secret_key: str, user: User, *, issued_at: dt.datetime | None = None
) -> Callable[[int, int], dict[str, str]]:
    """``link_urls`` of one recipient's mail, as a function of (action, its version):
    what every line of the mail shares (the issuer, the user) is looked up once."""
    user_id, version = user.id, user.session_version
    if issued_at is not None and type(user_id) is int and type(version) is int:
        issuer = _issuer(secret_key, int(issued_at.timestamp()))
        # As _compact_json writes them: plain ints (a bool or a float is encoded).
        return functools.partial(issuer.urls, f"{base_url}/r/", user_id, version)

    def urls(action_id: int, action_version: int) -> dict[str, str]:
        found = {}
        for choice in Choice:
            token = sign_link(
                secret_key, user, action_id, action_version, choice, issued_at=issued_at
            )
            found[choice.value] = f"{base_url}/r/{token}"
        return found

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
