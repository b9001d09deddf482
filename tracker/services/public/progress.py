"""What a published programme shows: its figures, recommendations and editions, without
naming anyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import Action, Organisation, Programme, Recommendation, Report, Status, User
from .. import public_updates
from .. import summary as summary_service
from ..public_updates import PublicUpdate
from ..summary_cache import SummaryCache


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
    # Issue 14: verified and reported apart; progress counts verified where required.
    verified: int
    awaiting: int
    requires_verification: bool
    # What progress counts, and how much of it was reported before verification was
    # required (then not checked: ``Progress.unchecked``).
    done: int
    unchecked: int
    percent_done: float | None
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
        verified=figures.verified,
        awaiting=figures.awaiting,
        requires_verification=figures.requires_verification,
        done=figures.done,
        unchecked=figures.unchecked,
        percent_done=figures.percent_done,
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
