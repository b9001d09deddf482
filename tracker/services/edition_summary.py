"""What a review meeting should see of the editions: what the latest one carried over,
reworded, added and dropped; the asks repeated for three editions or more; and how
each scorecard criterion moved from edition to edition.

A criterion that does not improve while its actions are "implemented" is worth a
question; an ask repeated year after year is the first thing to look at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    Action,
    Criterion,
    LineageKind,
    Recommendation,
    RecommendationLink,
    Report,
    Status,
)
from . import editions

REPEATED_FROM = 3
REPEATED_LIMIT = 50


@dataclass
class EditionCounts:
    """The latest edition against the one before it."""

    edition: Report
    previous: Report | None
    total: int = 0
    same: int = 0
    reworded: int = 0
    split: int = 0
    new: int = 0
    dropped: int = 0
    merged: int = 0


def _editions(session: Session, programme_id: int, before: dt.datetime | None) -> list[Report]:
    stored = editions.list_editions(session, programme_id)
    return [r for r in stored if before is None or r.imported_at < before]


def count_latest_edition(
    session: Session, programme_id: int, *, before: dt.datetime | None = None
) -> EditionCounts | None:
    """Carried over word for word, reworded, split, new and dropped in the latest edition
    (the latest imported before ``before``, for a past meeting)."""
    stored = _editions(session, programme_id, before)
    if not stored:
        return None
    latest = stored[-1]
    previous = stored[-2] if len(stored) > 1 else None
    counts = EditionCounts(latest, previous)
    rec_ids = list(
        session.exec(select(Recommendation.id).where(Recommendation.report_id == latest.id))
    )
    counts.total = len(rec_ids)
    links = [
        lk
        for lk in session.exec(
            select(RecommendationLink).where(RecommendationLink.report_id == latest.id)
        )
        if _live(lk.created_at, lk.detached_at, before)
    ]
    continuing = {lk.recommendation_id for lk in links if lk.kind != LineageKind.merged}
    for link in links:
        if link.kind == LineageKind.same:
            counts.same += 1
        elif link.kind == LineageKind.reworded:
            counts.reworded += 1
        elif link.kind == LineageKind.split:
            counts.split += 1
        else:
            counts.merged += 1
    counts.new = sum(1 for r in rec_ids if r not in continuing)
    if previous is not None:
        continued = {lk.continues_id for lk in links}
        earlier = session.exec(
            select(Recommendation.id).where(Recommendation.report_id == previous.id)
        ).all()
        counts.dropped = sum(1 for r in earlier if r not in continued)
    return counts


@dataclass
class RepeatedAction:
    action_id: int
    title: str
    status: Status
    editions: int
    years: list[str] = field(default_factory=list)


def _live(start: dt.datetime, end: dt.datetime | None, before: dt.datetime | None) -> bool:
    if before is None:
        return end is None
    return start < before and (end is None or end >= before)


def list_repeated(
    session: Session,
    programme_id: int,
    *,
    minimum: int = REPEATED_FROM,
    before: dt.datetime | None = None,
) -> list[RepeatedAction]:
    """Actions carried by ``minimum`` editions or more, most editions first (as of
    ``before``; the status shown is today's)."""
    count = editions.edition_count(before).label("editions")
    existed = [] if before is None else [col(Action.created_at) < before]
    rows = session.execute(
        sa.select(col(Action.id), col(Action.title), col(Action.status), count)
        .where(col(Action.programme_id) == programme_id, count >= minimum, *existed)
        .order_by(count.desc(), col(Action.id))
        .limit(REPEATED_LIMIT)
    ).all()
    years = editions.action_years(session, [r[0] for r in rows])
    return [
        RepeatedAction(
            r[0],
            r[1],
            r[2] if isinstance(r[2], Status) else Status(r[2]),
            int(r[3]),
            [editions.edition_label(e) for e in years.get(r[0], [])],
        )
        for r in rows
    ]


@dataclass
class CriterionTrend:
    """One scorecard criterion's score in each edition that has it, oldest first."""

    name: str
    points: list[tuple[Report, float]]

    @property
    def change(self) -> float | None:
        if len(self.points) < 2:
            return None
        return self.points[-1][1] - self.points[0][1]


def list_criterion_trends(
    session: Session, programme_id: int, *, before: dt.datetime | None = None
) -> list[CriterionTrend]:
    """Criteria by name across editions, in the latest edition's order."""
    stored = _editions(session, programme_id, before)
    ids = [r.id for r in stored]
    if len(ids) < 2:
        return []
    criteria: Sequence[Criterion] = session.exec(
        select(Criterion).where(col(Criterion.report_id).in_(ids)).order_by(col(Criterion.position))
    ).all()
    by_report = {r.id: r for r in stored}
    order = {r.id: i for i, r in enumerate(stored)}
    trends: dict[str, CriterionTrend] = {}
    latest_first = sorted(criteria, key=lambda c: (-order[c.report_id], c.position))
    for criterion in latest_first:
        key = criterion.name.strip().casefold()
        trend = trends.setdefault(key, CriterionTrend(criterion.name, []))
        trend.points.append((by_report[criterion.report_id], criterion.score))
    for trend in trends.values():
        trend.points.sort(key=lambda p: order[p[0].id])
    return [t for t in trends.values() if len(t.points) > 1]
