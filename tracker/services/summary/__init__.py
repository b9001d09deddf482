"""The progress summary: every figure of the summary page, computed by SQL aggregates.

Nothing here loads every action or event of a programme into Python: counts are
``GROUP BY`` queries on indexed columns, lists carry a ``LIMIT``, and the burn-up
series is grouped by day in the database (a few hundred rows, whatever the number
of events), so the page costs the same at five actions as at a hundred thousand.

One module per job: ``figures`` (the headline counts), ``lists`` (per owner and
organisation, overdue, latest changes), ``series`` (burn-up, scores); this module
assembles the page's summary from them, through the cache when given one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlmodel import Session, select

from ...formatting import local_today
from ...models import Criterion, DeadlineChange, Programme, Report
from .. import policy
from .. import programmes as programme_service
from ..summary_cache import SummaryCache
from .figures import SOON_DAYS, Figures, count_figures, count_figures_by_programme
from .lists import (
    LATEST_CHANGES_LIMIT,
    OVERDUE_LIMIT,
    OWNER_LIMIT,
    Change,
    OverdueAction,
    OwnerRow,
    count_by_organisation,
    count_by_owner,
    list_latest_changes,
    list_overdue,
    select_changes,
)
from .series import (
    BurnupPoint,
    ScorePoint,
    burnup_series,
    list_scorecards,
    list_scores,
    utc_offset_minutes,
)

__all__ = [
    "LATEST_CHANGES_LIMIT",
    "OVERDUE_LIMIT",
    "OWNER_LIMIT",
    "SOON_DAYS",
    "BurnupPoint",
    "Change",
    "Figures",
    "OverdueAction",
    "OwnerRow",
    "ProgrammeLine",
    "ProgrammeSummary",
    "ScorePoint",
    "burnup_series",
    "count_by_organisation",
    "count_by_owner",
    "count_figures",
    "count_figures_by_programme",
    "count_programmes",
    "list_latest_changes",
    "list_overdue",
    "list_scorecards",
    "list_scores",
    "select_changes",
    "summarise_programme",
    "summarise_programmes",
    "utc_offset_minutes",
]


@dataclass(frozen=True)
class _Computed:
    """The figures of one programme's summary that a cache may keep (no database objects)."""

    figures: Figures
    owners: list[OwnerRow]
    owners_more: int
    organisations: list[OwnerRow]
    overdue: list[OverdueAction]
    latest: list[Change]
    burnup: list[BurnupPoint]


@dataclass(frozen=True)
class ProgrammeSummary(_Computed):
    """Everything the summary page shows for one programme: the figures a cache may keep,
    and what is read each time (the programme, its deadlines and its scorecards)."""

    programme: Programme
    today: dt.date
    deadline: dt.date | None
    history: list[DeadlineChange]
    scores: list[ScorePoint]
    reports: list[tuple[Report, list[Criterion]]]


def _compute_programme(session: Session, programme: Programme, today: dt.date) -> _Computed:
    assert programme.id is not None
    owners, more = count_by_owner(session, programme.id, today)
    return _Computed(
        figures=count_figures(session, programme.id, today),
        owners=owners,
        owners_more=more,
        organisations=count_by_organisation(session, programme.id, today),
        overdue=list_overdue(session, programme.id, today),
        latest=list_latest_changes(session, programme.id),
        burnup=burnup_series(session, programme),
    )


def summarise_programme(
    session: Session,
    programme: Programme,
    *,
    today: dt.date | None = None,
    cache: SummaryCache | None = None,
) -> ProgrammeSummary:
    """Everything the summary page shows for one programme.

    With a ``cache``, the counts, lists and burn-up come from it while the data has not
    changed (see ``summary_cache``); the deadline and the scorecards are read each time.
    """
    assert programme.id is not None
    today = today or local_today(programme.timezone)
    offset = utc_offset_minutes(programme.timezone)

    def compute() -> _Computed:
        return _compute_programme(session, programme, today)

    computed = (
        cache.get_or_compute(
            # The setting is in the key: switching verification on or off writes no event.
            session,
            ("programme", programme.id, today, offset, programme.requires_verification),
            compute,
        )
        if cache is not None
        else compute()
    )
    return ProgrammeSummary(
        **{f.name: getattr(computed, f.name) for f in fields(_Computed)},
        programme=programme,
        today=today,
        deadline=programme_service.current_deadline(session, programme.id),
        history=programme_service.deadline_history(session, programme.id),
        scores=list_scores(session, programme.id),
        reports=list_scorecards(session, programme.id),
    )


@dataclass
class ProgrammeLine:
    """One line of the all-programmes view."""

    programme: Programme
    today: dt.date
    deadline: dt.date | None
    figures: Figures


def summarise_programmes(
    session: Session, reader: policy.Who, *, cache: SummaryCache | None = None
) -> list[ProgrammeLine]:
    """Every programme ``reader`` may read with its deadline and figures: one grouped query
    for all the counts.

    With a ``cache``, the counts come from it while the data has not changed.
    """
    programmes = list(
        session.exec(
            select(Programme)
            .where(policy.readable(reader, Programme.id))
            .order_by(Programme.country, Programme.treaty)
        )
    )
    today_of = {p.id: local_today(p.timezone) for p in programmes if p.id is not None}

    def compute() -> dict[int, Figures]:
        return count_figures_by_programme(session, today_of)

    figures = (
        cache.get_or_compute(
            session,
            (
                "all",
                tuple(sorted(today_of.items())),
                tuple(p.id for p in programmes if p.requires_verification),
            ),
            compute,
        )
        if cache is not None
        else compute()
    )
    deadlines = programme_service.current_deadlines(session, list(today_of))
    return [
        ProgrammeLine(p, today_of[p.id], deadlines.get(p.id), figures[p.id])
        for p in programmes
        if p.id is not None
    ]


def count_programmes(session: Session, reader: policy.Who) -> int:
    """How many programmes ``reader`` may read."""
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(Programme)
            .where(policy.readable(reader, Programme.id))
        ).scalar_one()
    )
