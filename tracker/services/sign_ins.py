"""Server-side sign-ins: a row per browser sign-in, checked in the database on each request.

The session cookie carries only a random secret; the row is stored under its SHA-256,
so a copy of the table signs nobody in. A sign-in ends when its browser signs out,
when it is ended from the profile page, when it has been idle too long or lived too
long, and when the user's ``session_version`` moves on (sign out everywhere, password
change, an admin's reset, deactivation). Because every request reads the row by
primary key, an ended sign-in is refused at once on every worker and host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import SignIn, User, utcnow

# "Last seen" is written at most once per this interval, so that a busy page does
# not make every request of a browser queue on one row.
TOUCH_EVERY = dt.timedelta(minutes=1)
MAX_USER_AGENT = 300
MAX_ADDRESS = 64


@dataclass(frozen=True)
class SignInLimits:
    """How long a sign-in lasts: idle time since last seen, and absolute lifetime."""

    idle: dt.timedelta = dt.timedelta(hours=12)
    lifetime: dt.timedelta = dt.timedelta(days=30)

    def oldest_seen(self, now: dt.datetime) -> dt.datetime:
        return now - self.idle

    def oldest_created(self, now: dt.datetime) -> dt.datetime:
        return now - self.lifetime


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start_sign_in(
    session: Session,
    user: User,
    *,
    address: str,
    user_agent: str,
    limits: SignInLimits,
    now: dt.datetime | None = None,
) -> str:
    """Record a new sign-in of ``user`` and return the secret for its cookie; the caller commits.

    A new secret at every sign-in, so a cookie planted before sign-in (session
    fixation) never becomes a signed-in one. The user's sign-ins that can no longer
    be used are deleted here, which keeps the table to live rows without a job.
    """
    now = now or utcnow()
    _forget_dead_sign_ins(session, user, limits, now)
    secret = secrets.token_urlsafe(32)
    session.add(
        SignIn(
            id=hash_secret(secret),
            user_id=user.id,  # type: ignore[arg-type]
            session_version=user.session_version,
            created_at=now,
            last_seen_at=now,
            address=(address or "")[:MAX_ADDRESS],
            user_agent=(user_agent or "")[:MAX_USER_AGENT],
        )
    )
    session.flush()
    return secret


def _live(limits: SignInLimits, now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(SignIn.ended_at).is_(None),
        col(SignIn.last_seen_at) >= limits.oldest_seen(now),
        col(SignIn.created_at) >= limits.oldest_created(now),
    )


def _forget_dead_sign_ins(
    session: Session, user: User, limits: SignInLimits, now: dt.datetime
) -> None:
    session.execute(
        sa.delete(SignIn)
        .where(
            col(SignIn.user_id) == user.id,
            sa.or_(~_live(limits, now), col(SignIn.session_version) != user.session_version),
        )
        .execution_options(synchronize_session=False)
    )


def find_sign_in(
    session: Session, secret: str, limits: SignInLimits, now: dt.datetime | None = None
) -> tuple[SignIn, User] | None:
    """The live sign-in with this cookie secret and its active user, or None.

    One lookup by primary key (joined to the user by theirs).
    """
    if not secret or len(secret) > 200:
        return None
    now = now or utcnow()
    row = session.exec(
        select(SignIn, User)
        .join(User, col(User.id) == SignIn.user_id)
        .where(col(SignIn.id) == hash_secret(secret))
    ).first()
    if row is None:
        return None
    sign_in, user = row
    if (
        sign_in.ended_at is not None
        or sign_in.last_seen_at < limits.oldest_seen(now)
        or sign_in.created_at < limits.oldest_created(now)
        or sign_in.session_version != user.session_version
        or not user.active
    ):
        return None
    return sign_in, user


def needs_touch(sign_in: SignIn, now: dt.datetime | None = None) -> bool:
    return sign_in.last_seen_at < (now or utcnow()) - TOUCH_EVERY


def touch_sign_in(session: Session, sign_in_id: str, now: dt.datetime | None = None) -> None:
    """Note that the sign-in was used, at most once a minute; the caller commits."""
    now = now or utcnow()
    session.execute(
        sa.update(SignIn)
        .where(col(SignIn.id) == sign_in_id, col(SignIn.last_seen_at) < now - TOUCH_EVERY)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def end_sign_in(session: Session, sign_in_id: str, now: dt.datetime | None = None) -> None:
    """End one sign-in (this browser signs out); the caller commits."""
    session.execute(
        sa.update(SignIn)
        .where(col(SignIn.id) == sign_in_id, col(SignIn.ended_at).is_(None))
        .values(ended_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def end_own_sign_in(session: Session, user: User, sign_in_id: str) -> bool:
    """End one of ``user``'s own sign-ins from the profile page; False if there is none."""
    sign_in = session.get(SignIn, sign_in_id)
    if sign_in is None or sign_in.user_id != user.id or sign_in.ended_at is not None:
        return False
    end_sign_in(session, sign_in_id)
    return True


def list_sign_ins(
    session: Session, user: User, limits: SignInLimits, now: dt.datetime | None = None
) -> list[SignIn]:
    """The user's sign-ins that still work, most recently seen first."""
    now = now or utcnow()
    return list(
        session.exec(
            select(SignIn)
            .where(
                col(SignIn.user_id) == user.id,
                col(SignIn.session_version) == user.session_version,
                _live(limits, now),
            )
            .order_by(col(SignIn.last_seen_at).desc(), col(SignIn.created_at).desc())
        )
    )
