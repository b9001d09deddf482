"""Read models for the programme page: what a page needs, gathered in few queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ..formatting import local_today
from ..models import Action, Criterion, DeadlineChange, Organisation, Programme, Report, User
from . import catalogue, policy
from . import programmes as programme_service
from . import summary as summary_service


@dataclass
class ReportCard:
    report: Report
    criteria: list[Criterion]


@dataclass
class ProgrammeOverview:
    programme: Programme
    today: dt.date
    deadline: dt.date | None
    history: list[DeadlineChange]
    reports: list[ReportCard]
    actions: list[Action] = field(default_factory=list)
    owner_names: dict[int, str] = field(default_factory=dict)
    organisation_names: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProgrammeLine:
    """One row of the programmes list: the programme and where its deadline stands today."""

    programme: Programme
    deadline: dt.date | None
    today: dt.date


def list_programme_lines(session: Session, reader: policy.Who) -> list[ProgrammeLine]:
    """Every programme ``reader`` may read with its current deadline, in two queries."""
    return [
        ProgrammeLine(programme, deadline, local_today(programme.timezone))
        for programme, deadline in catalogue.list_programmes(session, reader)
    ]


def programme_overview(session: Session, programme: Programme) -> ProgrammeOverview:
    assert programme.id is not None
    cards = [
        ReportCard(report, criteria)
        for report, criteria in summary_service.list_scorecards(session, programme.id)
    ]
    overview = ProgrammeOverview(
        programme=programme,
        today=local_today(programme.timezone),
        deadline=programme_service.current_deadline(session, programme.id),
        history=programme_service.deadline_history(session, programme.id),
        reports=cards,
    )
    overview.actions = list(
        session.exec(
            select(Action)
            .where(Action.programme_id == programme.id)
            .order_by(col(Action.due_on).asc().nulls_last(), col(Action.id))
            .limit(200)
        )
    )
    # Names of the owners on this page only, not of every account and organisation.
    user_ids = {a.owner_user_id for a in overview.actions if a.owner_user_id}
    organisation_ids = {
        a.owner_organisation_id for a in overview.actions if a.owner_organisation_id
    }
    overview.owner_names = {
        u.id: u.name
        for u in session.exec(select(User).where(col(User.id).in_(user_ids)))
        if u.id is not None
    }
    overview.organisation_names = {
        o.id: o.short_name
        for o in session.exec(
            select(Organisation).where(col(Organisation.id).in_(organisation_ids))
        )
        if o.id is not None
    }
    return overview
