"""What has been imported, read as lists: programmes, reports, recommendations.

Read-only queries for the API (and any page that wants them); each is one or two
indexed queries whatever the size of the programme.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..formatting import local_today
from ..models import Action, Programme, Recommendation, RecommendationLink, Report
from . import editions, listing, policy
from . import programmes as programme_service


def list_programmes(session: Session, reader: policy.Who) -> list[tuple[Programme, dt.date | None]]:
    """Every programme ``reader`` may read, with its current treaty deadline, by country."""
    programmes = list(
        session.exec(
            select(Programme)
            .where(policy.readable(reader, Programme.id))
            .order_by(Programme.country, Programme.treaty)
        )
    )
    deadlines = programme_service.current_deadlines(
        session, [p.id for p in programmes if p.id is not None]
    )
    return [(p, deadlines.get(p.id)) for p in programmes if p.id is not None]


def list_recommendations(
    session: Session, report: Report
) -> list[tuple[Recommendation, int | None]]:
    """The report's recommendations in page order, each with the id of the action that
    carries it (made from it, or carrying it on from an earlier edition)."""
    return editions.recommendations_with_actions(session, report)


@dataclass
class LinkOut:
    """One lineage link seen from a recommendation: the other one, its edition, the kind."""

    recommendation_id: int
    report_id: int
    position: int
    kind: str


def recommendation_links(
    session: Session, recommendation_ids: list[int]
) -> dict[int, tuple[list[LinkOut], list[LinkOut]]]:
    """Recommendation id -> (what it continues, what continues it), links not detached."""
    result: dict[int, tuple[list[LinkOut], list[LinkOut]]] = {
        i: ([], []) for i in recommendation_ids
    }
    if not recommendation_ids:
        return result
    live = col(RecommendationLink.detached_at).is_(None)
    # Index 0: the links where the recommendation is the later end (what it continues);
    # index 1: where it is the earlier end (what continues it).
    ends = (
        (RecommendationLink.recommendation_id, RecommendationLink.continues_id),
        (RecommendationLink.continues_id, RecommendationLink.recommendation_id),
    )
    for side, (this_end, other_end) in enumerate(ends):
        other = sa.orm.aliased(Recommendation)
        for link, rec in session.execute(
            sa.select(RecommendationLink, other)
            .join(other, col(other.id) == other_end)
            .where(col(this_end).in_(recommendation_ids), live)
            .order_by(col(RecommendationLink.id))
        ):
            this_id = link.recommendation_id if side == 0 else link.continues_id
            result[this_id][side].append(
                LinkOut(rec.id, rec.report_id, rec.position, link.kind.value)
            )
    return result


def list_actions_after(
    session: Session, flt: listing.ActionFilter, after_id: int, limit: int
) -> tuple[list[listing.ActionRow], int]:
    """Up to ``limit`` matching actions with an id above ``after_id``, in id order; and the total.

    Keyset pagination for systems that copy every action: a page boundary is an id,
    so actions added or changed while walking are neither skipped nor repeated.
    """
    total = listing.count_actions(session, flt)
    result = session.execute(
        listing.filtered_query(session, flt)
        .where(col(Action.id) > after_id)
        .order_by(col(Action.id))
        .limit(limit)
    ).all()
    todays: dict[int | None, dt.date] = {}
    rows = []
    for action, programme, report, owner_name, organisation_name, assigned in result:
        if programme.id not in todays:
            todays[programme.id] = local_today(programme.timezone)
        rows.append(
            listing.ActionRow(
                action,
                programme,
                report,
                owner_name,
                organisation_name,
                bool(assigned),
                todays[programme.id],
            )
        )
    counts = editions.edition_counts(session, [r.action.id for r in rows if r.action.id])
    for row in rows:
        row.editions = counts.get(row.action.id or 0, 1)
    return rows, int(total)
