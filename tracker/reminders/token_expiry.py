"""Mail the owner of an API token 14 days and 1 day before it expires (issue 16).

A nightly sync should not stop unnoticed. Each reached threshold is a reminder line of
kind ``token_expiry`` under the unique key ``token:<id>:<days>``, inserted if absent
like every other line, so however many schedulers tick at once each warning is planned
once; each line planned by this tick gets its own message with its body rendered now
(there is no action to re-read at send time), and a Message-ID that depends only on the
key, so a second delivery after a crash carries the same identity.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import mail
from ..models import (
    ApiToken,
    LineKind,
    LineState,
    MessageKind,
    ReminderLine,
    User,
    dialect_insert,
)
from .newlines import insert_ignoring

WARN_DAYS = (14, 1)


def _latest_reached(expires_at: dt.datetime, now: dt.datetime) -> int | None:
    reached = [days for days in WARN_DAYS if now >= expires_at - dt.timedelta(days=days)]
    return min(reached) if reached else None


def plan_token_expiry(session: Session, now: dt.datetime, settings: mail.MailSettings) -> int:
    """Plan the warnings due at ``now``; returns how many messages were queued. Caller commits.

    Only the latest reached threshold of a token is planned: a token created 10 days
    before it expires is warned once at 1 day, not twice at once.
    """
    rows = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(
            col(ApiToken.revoked_at).is_(None),
            col(ApiToken.expires_at) > now,
            col(ApiToken.expires_at) <= now + dt.timedelta(days=max(WARN_DAYS)),
            col(User.active).is_(True),
        )
    ).all()
    drafts = []
    for token, user in rows:
        days = _latest_reached(token.expires_at, now)
        if days is None:
            continue
        drafts.append((token, user, days))
    if not drafts:
        return 0
    table = ReminderLine.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)
    queued = 0
    for token, user, days in drafts:
        key = f"token:{token.id}:{days}"
        inserted = session.execute(
            insert_ignoring(insert, table)
            .values(
                key=key,
                recipient_user_id=user.id,
                kind=LineKind.token_expiry,
                programme_id=None,
                action_id=None,
                api_token_id=token.id,
                due_on=token.expires_at.date(),
                offset_days=-days,
                reached_at=token.expires_at - dt.timedelta(days=days),
                state=LineState.planned,
                planned_at=now,
            )
            .returning(table.c.id)
        ).scalar()
        if inserted is None:
            continue  # planned before, by this or another scheduler
        text, html = mail.render_mail(
            "token_expiry",
            user=user,
            token=token,
            days=days,
            link=f"{settings.base_url}/profile/tokens",
        )
        message = mail.queue_mail(
            session,
            user,
            kind=MessageKind.token_expiry,
            message_id=mail.make_message_id(key, settings.domain),
            subject=_subject(token, days)[:300],
            text=text,
            html=html,
            now=now,
        )
        session.execute(
            sa.update(ReminderLine)
            .where(col(ReminderLine.id) == inserted)
            .values(outbox_message_id=message.id)
        )
        queued += 1
    return queued


def _subject(token: ApiToken, days: int) -> str:
    from flask_babel import ngettext

    return ngettext(
        "Your API token %(name)s expires tomorrow",
        "Your API token %(name)s expires in %(num)d days",
        days,
        name=token.name,
    )
