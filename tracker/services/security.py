"""Sign-in throttling: failed attempts counted in the database, per account and per address.

Counting in the database rather than in memory makes the limit hold across every
worker and host. A blocked person is told when to try again; a successful sign-in
clears the account's count (not the address's, so one known password does not
reset a guessing run against other accounts from the same place).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from ..models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
# Attempts older than this are deleted when new ones are recorded.
KEEP_FOR = dt.timedelta(days=1)


@dataclass(frozen=True)
class Throttle:
    """Why sign-in is refused for now, and from when it is allowed again."""

    retry_at: dt.datetime
    per_account: bool

    def minutes_left(self, now: dt.datetime) -> int:
        seconds = max(0.0, (self.retry_at - now).total_seconds())
        return max(1, int(-(-seconds // 60)))


def _oldest_counting(
    session: Session, column: Any, value: str, now: dt.datetime, limit: int
) -> dt.datetime | None:
    """The attempt whose expiry brings the count back under ``limit``."""
    rows = session.exec(
        select(LoginAttempt.at)
        .where(column == value, col(LoginAttempt.at) > now - WINDOW)
        .order_by(col(LoginAttempt.at).desc())
        .offset(limit - 1)
        .limit(1)
    ).all()
    return rows[0] if rows else None


def sign_in_throttle(
    session: Session, *, email: str, address: str, now: dt.datetime
) -> Throttle | None:
    """A Throttle if this account or this address has failed too often lately, else None."""
    checks = (
        (col(LoginAttempt.email), email.strip().lower(), MAX_FAILURES_PER_ACCOUNT, True),
        (col(LoginAttempt.address), address, MAX_FAILURES_PER_ADDRESS, False),
    )
    throttles = []
    for column, value, limit, per_account in checks:
        if not value:
            continue
        blocking = _oldest_counting(session, column, value, now, limit)
        if blocking is not None:
            throttles.append(Throttle(retry_at=blocking + WINDOW, per_account=per_account))
    return max(throttles, key=lambda t: t.retry_at) if throttles else None


def record_failed_sign_in(session: Session, *, email: str, address: str, now: dt.datetime) -> None:
    """Count one failure (for unknown e-mails too) and forget attempts older than a day."""
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - KEEP_FOR))
    session.add(LoginAttempt(email=email.strip().lower()[:254], address=address[:64], at=now))
    session.flush()


def clear_failed_sign_ins(session: Session, *, email: str) -> None:
    """A successful sign-in forgives the account's earlier failures."""
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == email.strip().lower()))


def count_failures(session: Session, *, email: str, now: dt.datetime) -> int:
    """How many failures of this account count against it now."""
    count = session.exec(
        select(sa.func.count()).where(
            col(LoginAttempt.email) == email.strip().lower(), col(LoginAttempt.at) > now - WINDOW
        )
    ).one()
    return int(count)


# --- issue 18: one-tap reminder links, throttled like sign-in, per address ---


def link_throttle(session: Session, *, address: str, now: dt.datetime) -> Throttle | None:
    """A Throttle if this address has failed too often lately, at sign-in or with a
    reminder link: the same count, so guessing cannot alternate between the two."""
    return sign_in_throttle(session, email="", address=address, now=now)


def record_failed_link(session: Session, *, address: str, now: dt.datetime) -> None:
    """Count a refused reminder link against its address (no account: the link names one
    only if it is genuine)."""
    record_failed_sign_in(session, email="", address=address, now=now)
