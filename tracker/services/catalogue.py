"""What has been imported, read as lists: programmes, reports, recommendations.

Read-only queries for the API (and any page that wants them); each is one or two
indexed queries whatever the size of the programme.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from ..formatting import local_today
from ..models import Action, Programme, Recommendation, Report
from . import listing
from . import programmes as programme_service


def list_programmes(session: Session) -> list[tuple[Programme, dt.date | None]]:
    """Every programme with its current treaty deadline, by country then treaty."""
    programmes = list(session.exec(select(Programme).order_by(Programme.country, Programme.treaty)))
    deadlines = programme_service.current_deadlines(
        session, [p.id for p in programmes if p.id is not None]
    )
    return [(p, deadlines.get(p.id)) for p in programmes if p.id is not None]


def list_recommendations(
    session: Session, report: Report
) -> list[tuple[Recommendation, int | None]]:
    """The report's recommendations in page order, each with the id of its action."""
    rows = session.exec(
        select(Recommendation, Action.id)
        .outerjoin(Action, col(Action.recommendation_id) == Recommendation.id)
        .where(Recommendation.report_id == report.id)
        .order_by(col(Recommendation.position))
    ).all()
    return [(recommendation, action_id) for recommendation, action_id in rows]


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
    return rows, int(total)
