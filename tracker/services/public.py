"""The public progress page of a programme (issue 11): publishing, its slug, what it shows.

Nothing here names a person: the page, its JSON and its CSV show organisations (a
person-owned action shows the person's organisation), statuses, dates, editions and
scorecards, never names, e-mail addresses, comments, evidence or meetings.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    Action,
    Organisation,
    Programme,
    Recommendation,
    Report,
    Status,
    User,
    utcnow,
)
from . import policy, public_updates
from . import summary as summary_service
from .audit import AuditActor, record_audit
from .public_updates import PublicUpdate
from .summary_cache import SummaryCache


def slug_for(programme: Programme) -> str:
    """Country and treaty in lower-case ASCII: ``cambodia-apmbc``, ``lao-pdr-ccm``.

    Accents are stripped, any other character becomes ``-``, runs collapse to one.
    """
    text = f"{programme.country} {programme.treaty.value}"
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
        subject_label=f"{programme.country} {programme.treaty.value}",
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


@dataclass(frozen=True)
class PublicDeadline:
    kind: str
    new_on: dt.date
    previous_on: dt.date | None
    requested_on: dt.date | None
    decided_on: dt.date | None
    decided_by: str | None
    refused: bool
    source: str | None


@dataclass(frozen=True)
class PublicRecommendation:
    action_id: int
    edition: str | None
    position: int
    text: str
    status: Status
    organisation: str | None
    due_on: dt.date | None
    updates: tuple[PublicUpdate, ...] = ()  # those a coordinator made public


@dataclass(frozen=True)
class PublicCriterion:
    name: str
    weight: int | None
    score: float


@dataclass(frozen=True)
class PublicEdition:
    edition: str | None
    year: int | None
    publisher: str
    source_url: str | None
    rating: str | None
    score: float | None
    band: str | None
    criteria: tuple[PublicCriterion, ...]


@dataclass(frozen=True)
class PublicProgress:
    """Everything the public page shows, and nothing more: no person is named here."""

    slug: str
    country: str
    treaty: str
    article: str
    today: dt.date
    deadline: dt.date | None
    deadlines: tuple[PublicDeadline, ...]
    total: int
    applicable: int
    implemented: int
    percent_implemented: float | None
    overdue: int
    by_status: tuple[tuple[Status, int], ...]
    burnup: tuple[Any, ...]
    recommendations: tuple[PublicRecommendation, ...]
    editions: tuple[PublicEdition, ...]
    latest_change_on: dt.date | None


def public_progress(
    session: Session, programme: Programme, *, cache: SummaryCache | None = None
) -> PublicProgress:
    """The published figures of ``programme`` (cached with the summary's data generation)."""
    assert programme.id is not None and programme.public_slug is not None
    summary = summary_service.summarise_programme(session, programme, cache=cache)

    def compute() -> tuple[tuple[PublicRecommendation, ...], dt.date | None]:
        updates = public_updates.public_updates(session, programme)
        recommendations = tuple(
            replace(r, updates=updates.get(r.action_id, ()))
            for r in _recommendations(session, programme)
        )
        return recommendations, _latest_change(session, programme)

    key = ("public", programme.id, summary.today)
    recommendations, latest = (
        cache.get_or_compute(session, key, compute) if cache is not None else compute()
    )
    figures = summary.figures
    return PublicProgress(
        slug=programme.public_slug,
        country=programme.country,
        treaty=programme.treaty.value,
        article=programme.article,
        today=summary.today,
        deadline=summary.deadline,
        deadlines=tuple(
            PublicDeadline(
                c.kind.value,
                c.new_on,
                c.previous_on,
                c.requested_on,
                c.decided_on,
                c.decided_by,
                c.refused,
                c.source,
            )
            for c in summary.history
        ),
        total=figures.total,
        applicable=figures.applicable,
        implemented=figures.implemented,
        percent_implemented=figures.percent_implemented,
        overdue=figures.overdue,
        by_status=tuple(figures.by_status.items()),
        burnup=tuple(summary.burnup),
        recommendations=recommendations,
        editions=tuple(
            PublicEdition(
                report.edition,
                report.year,
                report.publisher,
                report.source_url,
                report.rating,
                report.stated_score if report.stated_score is not None else report.computed_score,
                report.band,
                tuple(PublicCriterion(c.name, c.weight, c.score) for c in criteria),
            )
            for report, criteria in summary.reports
        ),
        latest_change_on=latest,
    )


def _recommendations(session: Session, programme: Programme) -> tuple[PublicRecommendation, ...]:
    """Each action with its recommendation, status, organisation and due date.

    A person-owned action shows the person's organisation, never the person.
    """
    person = sa.orm.aliased(User, name="public_person")
    person_org = sa.orm.aliased(Organisation, name="public_person_org")
    rows = session.execute(
        sa.select(
            col(Action.id),
            col(Report.edition),
            col(Recommendation.position),
            col(Recommendation.text),
            col(Action.status),
            sa.func.coalesce(col(Organisation.short_name), person_org.short_name),
            col(Action.due_on),
        )
        .join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
        .join(Report, col(Report.id) == Recommendation.report_id)
        .outerjoin(Organisation, col(Organisation.id) == Action.owner_organisation_id)
        .outerjoin(person, col(person.id) == Action.owner_user_id)
        .outerjoin(person_org, col(person_org.id) == person.organisation_id)
        .where(col(Action.programme_id) == programme.id)
        .order_by(col(Report.year).desc(), col(Report.id).desc(), col(Recommendation.position))
    ).all()
    return tuple(
        PublicRecommendation(a_id, edition, position, text, Status(status), org, due)
        for a_id, edition, position, text, status, org, due in rows
    )


def _latest_change(session: Session, programme: Programme) -> dt.date | None:
    at = session.execute(
        sa.select(sa.func.max(Action.updated_at)).where(col(Action.programme_id) == programme.id)
    ).scalar()
    if at is None:
        return None
    if not isinstance(at, dt.datetime):
        at = dt.datetime.fromisoformat(str(at))
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).date()


CSV_HEADERS = (
    "action_id", "edition", "position", "recommendation", "status", "organisation", "due_on",
)  # fmt: skip


def progress_rows(progress: PublicProgress) -> list[list[str]]:
    """The CSV's rows: one per recommendation, formula-like cells made text."""
    from .exports import csv_safe

    return [
        [
            str(r.action_id),
            csv_safe(r.edition or ""),
            str(r.position),
            csv_safe(r.text),
            r.status.value,
            csv_safe(r.organisation or ""),
            r.due_on.isoformat() if r.due_on else "",
        ]
        for r in progress.recommendations
    ]


def progress_json(progress: PublicProgress) -> dict[str, Any]:
    """The open-data JSON document (described in the README)."""
    return {
        "programme": {
            "slug": progress.slug,
            "country": progress.country,
            "treaty": progress.treaty,
            "article": progress.article,
        },
        "today": progress.today.isoformat(),
        "latest_change_on": progress.latest_change_on.isoformat()
        if progress.latest_change_on
        else None,
        "deadline": {
            "current": progress.deadline.isoformat() if progress.deadline else None,
            "history": [
                {
                    "kind": d.kind,
                    "new_on": d.new_on.isoformat(),
                    "previous_on": d.previous_on.isoformat() if d.previous_on else None,
                    "requested_on": d.requested_on.isoformat() if d.requested_on else None,
                    "decided_on": d.decided_on.isoformat() if d.decided_on else None,
                    "decided_by": d.decided_by,
                    "refused": d.refused,
                    "source": d.source,
                }
                for d in progress.deadlines
            ],
        },
        "progress": {
            "total": progress.total,
            "applicable": progress.applicable,
            "implemented": progress.implemented,
            "percent_implemented": progress.percent_implemented,
            "overdue": progress.overdue,
            "by_status": {status.value: count for status, count in progress.by_status},
            "burnup": [
                {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(p).items()}
                for p in progress.burnup
            ],
        },
        "recommendations": [
            {
                "action_id": r.action_id,
                "edition": r.edition,
                "position": r.position,
                "text": r.text,
                "status": r.status.value,
                "organisation": r.organisation,
                "due_on": r.due_on.isoformat() if r.due_on else None,
                "updates": public_updates.updates_json(r.updates, progress.slug),
            }
            for r in progress.recommendations
        ],
        "editions": [
            {
                "edition": e.edition,
                "year": e.year,
                "publisher": e.publisher,
                "source_url": e.source_url,
                "rating": e.rating,
                "score": e.score,
                "band": e.band,
                "scorecard": [
                    {"criterion": c.name, "weight": c.weight, "score": c.score} for c in e.criteria
                ],
            }
            for e in progress.editions
        ],
    }
