"""The public progress page of a programme (issue 11): publishing, its slug, what it shows.

Nothing here names a person: the page, its JSON and its CSV show organisations (a
person-owned action shows the person's organisation), statuses, dates, editions and
scorecards, never names, e-mail addresses, comments, evidence or meetings.
"""

from __future__ import annotations

import re
import unicodedata

from sqlmodel import Session, col, select

from ...models import Programme, utcnow
from .. import policy
from ..audit import AuditActor, record_audit
from .formats import CSV_HEADERS, progress_csv, progress_json, progress_rows
from .progress import (
    PublicCriterion,
    PublicDeadline,
    PublicEdition,
    PublicProgress,
    PublicRecommendation,
    public_progress,
)

__all__ = [
    "CSV_HEADERS",
    "PublicCriterion",
    "PublicDeadline",
    "PublicEdition",
    "PublicProgress",
    "PublicRecommendation",
    "PublishError",
    "find_published",
    "list_published",
    "progress_csv",
    "progress_json",
    "progress_rows",
    "public_progress",
    "publish_programme",
    "slug_for",
    "unpublish_programme",
]


def slug_for(programme: Programme) -> str:
    """Country and treaty in lower-case ASCII: ``cambodia-apmbc``, ``lao-pdr-ccm``.

    Accents are stripped, any other character becomes ``-``, runs collapse to one.
    """
    text = programme.short_name
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "programme"


class PublishError(ValueError):
    """The programme cannot be published by this person."""


def _unique_slug(session: Session, programme: Programme) -> str:
    base = slug_for(programme)
    taken = set(
        session.exec(
            select(Programme.public_slug).where(
                col(Programme.public_slug).is_not(None), col(Programme.id) != programme.id
            )
        )
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def publish_programme(
    session: Session, programme: Programme, *, actor: policy.Who, audit: AuditActor | None = None
) -> str:
    """Publish the programme's progress page; its slug is fixed at the first publication.

    Only its coordinators (and admins) publish. Returns the slug.
    """
    refused = policy.refusal(actor, policy.Do.manage, programme)
    if refused is not None:
        raise PublishError(refused.message)
    if programme.public_slug is None:
        programme.public_slug = _unique_slug(session, programme)
    programme.published = True
    programme.published_at = utcnow()
    session.add(programme)
    session.flush()
    _journal(session, audit, programme, published=True)
    return programme.public_slug


def _journal(
    session: Session, audit: AuditActor | None, programme: Programme, *, published: bool
) -> None:
    record_audit(
        session,
        audit,
        "programme.published" if published else "programme.unpublished",
        subject_type="programme",
        subject_id=programme.id,
        subject_label=programme.short_name,
        old={"published": not published},
        new={"published": published, "slug": programme.public_slug},
    )


def unpublish_programme(
    session: Session, programme: Programme, *, actor: policy.Who, audit: AuditActor | None = None
) -> None:
    """Take the page down (caches may keep it for ``PUBLIC_MAX_AGE`` seconds); the slug stays."""
    refused = policy.refusal(actor, policy.Do.manage, programme)
    if refused is not None:
        raise PublishError(refused.message)
    programme.published = False
    programme.published_at = utcnow()
    session.add(programme)
    session.flush()
    _journal(session, audit, programme, published=False)


def list_published(session: Session) -> list[Programme]:
    return list(
        session.exec(
            select(Programme)
            .where(col(Programme.published).is_(True))
            .order_by(Programme.country, Programme.treaty)
        )
    )


def find_published(session: Session, slug: str) -> Programme | None:
    """The published programme with this slug; an unpublished or unknown one is None alike."""
    if len(slug) > 120:
        return None
    return session.exec(
        select(Programme).where(Programme.public_slug == slug, col(Programme.published).is_(True))
    ).first()
