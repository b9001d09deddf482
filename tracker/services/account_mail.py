"""Account mail: invitations and password resets, with one-use links, through the outbox.

The link carries a random token; only its SHA-256 is stored, so a copy of the
database cannot be used to take over an account. The message is queued in the outbox
in the caller's transaction and sent by the scheduler after the commit, never from
the web request (whose timing would otherwise tell whether an address exists).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import replace

import sqlalchemy as sa
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlmodel import Session, col, select

from ..mail import MailSettings, make_message_id, queue_mail, render_mail
from ..models import (
    AccountToken,
    MessageKind,
    Organisation,
    OutboxMessage,
    Role,
    TokenPurpose,
    User,
    utcnow,
)
from . import users as user_service
from .audit import AuditActor

INVITATION_VALID = dt.timedelta(days=7)
RESET_VALID = dt.timedelta(hours=1)


class TokenError(ValueError):
    """A link that is unknown, used or expired; one message for all three."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(
    session: Session, user: User, purpose: TokenPurpose, valid: dt.timedelta, now: dt.datetime
) -> str:
    """A new one-use token; earlier unused tokens of the same purpose stop working."""
    assert user.id is not None
    session.execute(
        sa.update(AccountToken)
        .where(
            col(AccountToken.user_id) == user.id,
            col(AccountToken.purpose) == purpose,
            col(AccountToken.used_at).is_(None),
        )
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + valid,
        )
    )
    return token


def _queue(
    session: Session, user: User, kind: MessageKind, subject: LazyString, token: str,
    valid_for: LazyString, settings: MailSettings, now: dt.datetime,
) -> OutboxMessage:  # fmt: skip
    """Render and queue the mail, subject included, in the recipient's language."""
    link = f"{settings.base_url}/auth/reset/{token}"
    with force_locale(settings.language_for(user.language)):
        subject_text = str(subject)
        text, html = render_mail(
            kind.value, user=user, link=link, valid_for=str(valid_for), base_url=settings.base_url
        )
    return queue_mail(
        session,
        user,
        kind=kind,
        message_id=make_message_id(f"{kind.value}:{_digest(token)}", settings.domain),
        subject=subject_text,
        text=text,
        html=html,
        now=now,
    )


def send_invitation(
    session: Session, user: User, base_url: str | None = None, *,
    settings: MailSettings, now: dt.datetime | None = None,
) -> OutboxMessage:  # fmt: skip
    """Queue an invitation with a link to set a password (valid 7 days); the caller commits.

    ``settings`` come from the caller (a view or command reads them from the app's
    config); ``base_url``, if given, overrides theirs for the link.
    """
    settings = _with_base_url(settings, base_url)
    now = now or utcnow()
    token = _issue_token(session, user, TokenPurpose.invitation, INVITATION_VALID, now)
    return _queue(
        session, user, MessageKind.invitation, lazy_gettext("Your tracker account"), token,
        lazy_gettext("7 days"), settings, now,
    )  # fmt: skip


def invite_user_by_mail(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    organisation: Organisation | None = None,
    base_url: str | None = None,
    settings: MailSettings,
    language: str | None = None,
    audit: AuditActor | None = None,
) -> user_service.Invitation:
    """An account with no password yet and an invitation to set one; the caller commits.

    Where mail is configured this replaces the temporary password an admin would
    otherwise have to pass on by hand.
    """
    user = user_service.create_user(session, email=email, name=name, role=role,
                                    organisation=organisation, language=language,
                                    audit=audit)  # fmt: skip
    send_invitation(session, user, base_url, settings=settings)
    return user_service.Invitation(user=user, temporary_password=None)


def send_password_reset(
    session: Session, email: str, base_url: str | None = None, *,
    settings: MailSettings, now: dt.datetime | None = None,
) -> OutboxMessage | None:  # fmt: skip
    """Queue a reset link (valid 1 hour) if ``email`` belongs to an active account.

    Returns None otherwise; the page answers the same either way.
    """
    user = user_service.find_user_by_email(session, email)
    if user is None or not user.active:
        return None
    settings = _with_base_url(settings, base_url)
    now = now or utcnow()
    token = _issue_token(session, user, TokenPurpose.password_reset, RESET_VALID, now)
    return _queue(
        session, user, MessageKind.password_reset, lazy_gettext("Reset your tracker password"),
        token, lazy_gettext("1 hour"), settings, now,
    )  # fmt: skip


def find_token(session: Session, token: str, now: dt.datetime | None = None) -> AccountToken:
    """The unused, unexpired token behind a link, or TokenError."""
    now = now or utcnow()
    found = session.exec(
        select(AccountToken).where(AccountToken.token_hash == _digest(token))
    ).first()
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise TokenError(_("This link is not valid any more. Ask for a new one."))
    return found


def set_password_with_token(
    session: Session, token: str, password: str, now: dt.datetime | None = None
) -> User:
    """Use a link once: set the password, end other sessions; the caller commits."""
    now = now or utcnow()
    found = find_token(session, token, now)
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        raise TokenError(_("This link is not valid any more. Ask for a new one."))
    user_service.check_password_rules(password, user.email)
    # Mark used with a conditional update, so two clicks at once cannot both use it.
    used = session.execute(
        sa.update(AccountToken)
        .where(col(AccountToken.id) == found.id, col(AccountToken.used_at).is_(None))
        .values(used_at=now)
    )
    if int(getattr(used, "rowcount", 0) or 0) != 1:
        raise TokenError(_("This link is not valid any more. Ask for a new one."))
    user.password_hash = user_service.hash_password(password)
    user.must_change_password = False
    user_service.end_sessions(user)
    session.add(user)
    session.flush()
    return user


def _with_base_url(settings: MailSettings, base_url: str | None) -> MailSettings:
    if base_url:
        settings = replace(settings, base_url=base_url.rstrip("/"))
    return settings
