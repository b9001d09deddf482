"""Storing a new edition's lineage, and detaching a wrong link later.

Called by ``imports.store_profile`` once the report and its recommendations exist, in
the same transaction: a continued recommendation is linked to the action that carries
the earlier one (no new action; owner, status, due date and history carry on; the
title stays), a split's second part gets an action of its own linked to the first, a
new one gets a new action, and every earlier recommendation the edition dropped or
merged is journalled on its action, with the coordinator's choice of closing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Unpack

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col, select

from .. import lineage as matcher
from ..models import (
    Action,
    ActionText,
    EventKind,
    LineageKind,
    Recommendation,
    RecommendationLink,
    Report,
    Status,
    User,
    utcnow,
)
from . import actions as action_service
from . import programmes as programme_service
from . import workflow
from .journal import EventValues, record_event
from .lineage import LineagePlan

DropOutcome = Literal["keep", "implemented", "not_applicable"]


@dataclass(frozen=True)
class DropChoice:
    """What happens to the open action of a dropped (or merged) recommendation."""

    outcome: DropOutcome = "keep"
    comment: str = ""


@dataclass(frozen=True)
class LineageChoices:
    """The coordinator's decisions beside the matches: keyed by the earlier recommendation
    id (drops) and by the new position (reopen, with the comment)."""

    drops: Mapping[int, DropChoice] = field(default_factory=dict)
    reopen: Mapping[int, str] = field(default_factory=dict)


@dataclass
class StoredLineage:
    """What storing did: new position -> the action now carrying it; counts."""

    actions: dict[int, int] = field(default_factory=dict)
    created: int = 0
    linked: int = 0
    closed: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)


def _event(
    session: Session,
    action_id: int,
    kind: EventKind,
    at: dt.datetime,
    actor: User | None,
    **values: Unpack[EventValues],
) -> None:
    record_event(session, action_id, kind, at=at, actor=actor, **values)


def _touch(session: Session, action_ids: Sequence[int], at: dt.datetime) -> None:
    """A new version for each action the import journalled: an open form on it goes stale,
    so no one saves over a change they have not seen (status, owner, due date unchanged)."""
    if action_ids:
        session.execute(
            sa.update(Action)
            .where(col(Action.id).in_(sorted(set(action_ids))))
            .values(version=Action.version + 1, updated_at=at)
            .execution_options(synchronize_session=False)
        )


def store_lineage(
    session: Session,
    plan: LineagePlan,
    report: Report,
    recommendations: Sequence[Recommendation],
    *,
    actor: User | None = None,
    choices: LineageChoices | None = None,
    at: dt.datetime | None = None,
) -> StoredLineage:
    """Links, new actions and events for one stored edition; the caller commits."""
    choices = choices or LineageChoices()
    now = at or utcnow()
    assert report.id is not None
    programme_id = report.programme_id
    due_on = programme_service.current_deadline(session, programme_id)
    edition = report.edition or str(report.year or "")
    result = StoredLineage()
    touched: list[int] = []
    by_position = {r.position: r for r in recommendations}

    def link_text(action_id: int, rec: Recommendation, cand: matcher.Candidate, kind: str) -> None:
        lineage_kind = LineageKind.same if kind == "same" else LineageKind.reworded
        session.add(
            ActionText(
                action_id=action_id,
                recommendation_id=rec.id,  # type: ignore[arg-type]
                report_id=report.id,  # type: ignore[arg-type]
                kind=lineage_kind,
                linked_at=now,
                linked_by_id=actor.id if actor else None,
            )
        )
        _event(
            session,
            action_id,
            EventKind.repeated if kind == "same" else EventKind.reworded,
            now,
            actor,
            report_id=report.id,
            recommendation_id=rec.id,
            text_from=cand.text if not plan.backfill else rec.text,
            text_to=rec.text if not plan.backfill else cand.text,
        )
        touched.append(action_id)
        result.linked += 1

    def link(later: int, earlier: int, kind: LineageKind, report_id: int) -> None:
        session.add(
            RecommendationLink(
                recommendation_id=later,
                continues_id=earlier,
                report_id=report_id,
                kind=kind,
                created_at=now,
                created_by_id=actor.id if actor else None,
            )
        )

    for match in plan.proposal.matches:
        rec = by_position[match.position]
        assert rec.id is not None
        cand = match.candidate
        if cand is not None and cand.action_id is not None and match.kind in ("same", "reworded"):
            link_text(cand.action_id, rec, cand, match.kind)
            if plan.backfill:
                link(cand.ref, rec.id, LineageKind(match.kind), cand.report_id or report.id)
            else:
                link(rec.id, cand.ref, LineageKind(match.kind), report.id)
            result.actions[match.position] = cand.action_id
            continue
        action = action_service.create_action(
            session, rec, programme_id, due_on=due_on, actor=actor, at=now
        )
        assert action.id is not None
        result.actions[match.position] = action.id
        result.created += 1
        if match.kind == "split" and cand is not None and not plan.backfill:
            link(rec.id, cand.ref, LineageKind.split, report.id)
            if cand.action_id is not None:
                for one, other in ((action.id, cand.action_id), (cand.action_id, action.id)):
                    _event(
                        session,
                        one,
                        EventKind.split_off,
                        now,
                        actor,
                        report_id=report.id,
                        recommendation_id=rec.id,
                        related_action_id=other,
                        text_from=cand.text,
                        text_to=rec.text,
                    )
                touched.append(cand.action_id)
    session.flush()

    if not plan.backfill:
        for drop in plan.proposal.dropped:
            _store_drop(session, plan, drop, report, result, actor, now, by_position, edition)
            if drop.candidate.action_id is not None:
                touched.append(drop.candidate.action_id)
    _touch(session, touched, now)
    session.flush()
    _apply_choices(session, plan, choices, result, actor, now, edition)
    return result


def _store_drop(
    session: Session,
    plan: LineagePlan,
    drop: matcher.Drop,
    report: Report,
    result: StoredLineage,
    actor: User | None,
    now: dt.datetime,
    by_position: Mapping[int, Recommendation],
    edition: str,
) -> None:
    cand = drop.candidate
    if cand.action_id is None:
        return
    into_action = None
    into_rec = by_position.get(drop.merged_into) if drop.merged_into else None
    if drop.kind == "merged" and into_rec is not None and into_rec.id is not None:
        into_action = result.actions.get(into_rec.position)
        session.add(
            RecommendationLink(
                recommendation_id=into_rec.id,
                continues_id=cand.ref,
                report_id=report.id,  # type: ignore[arg-type]
                kind=LineageKind.merged,
                created_at=now,
                created_by_id=actor.id if actor else None,
            )
        )
    _event(
        session,
        cand.action_id,
        EventKind.merged if into_rec is not None else EventKind.dropped,
        now,
        actor,
        report_id=report.id,
        recommendation_id=into_rec.id if into_rec else None,
        related_action_id=into_action,
        text_from=cand.text,
        text_to=into_rec.text if into_rec else None,
    )


def _apply_choices(
    session: Session,
    plan: LineagePlan,
    choices: LineageChoices,
    result: StoredLineage,
    actor: User | None,
    now: dt.datetime,
    edition: str,
) -> None:
    """Close dropped actions and reopen repeated closed ones, as the coordinator chose.

    Through ``update_action``, so the rules (a coordinator, a comment) and the journal
    are the workflow's own.
    """
    for drop in plan.proposal.dropped:
        choice = choices.drops.get(drop.candidate.ref)
        action_id = drop.candidate.action_id
        if choice is None or choice.outcome == "keep" or action_id is None or actor is None:
            continue
        action = session.get(Action, action_id, populate_existing=True)
        if action is None or action.status.is_closed:
            continue
        comment = choice.comment.strip() or gettext(
            "%(edition)s no longer lists this recommendation.", edition=edition
        )
        workflow.update_action(
            session,
            action_id,
            actor,
            action.version,
            workflow.ActionChange(status=Status(choice.outcome), comment=comment),
            at=now,
        )
        result.closed.append(action_id)
    for match in plan.proposal.matches:
        if match.position not in choices.reopen or not plan.repeats_closed_action(match):
            continue
        action_id = result.actions[match.position]
        action = session.get(Action, action_id, populate_existing=True)
        if action is None or not action.status.is_closed or actor is None:
            continue
        comment = choices.reopen[match.position].strip() or gettext(
            "%(edition)s repeats this recommendation.", edition=edition
        )
        workflow.update_action(
            session,
            action_id,
            actor,
            action.version,
            workflow.ActionChange(status=Status.in_progress, comment=comment),
            at=now,
        )
        result.reopened.append(action_id)


class DetachRefused(ValueError):
    """The link cannot be detached; the message says why."""


def detach_recommendation(
    session: Session, action_id: int, recommendation_id: int, actor: User
) -> Action:
    """Undo a wrong link: the recommendation (and the later texts continuing it) gets an
    action of its own; both journals record it. Returns the new action; caller commits."""
    now = utcnow()
    row = session.exec(
        select(ActionText).where(
            ActionText.action_id == action_id,
            ActionText.recommendation_id == recommendation_id,
            col(ActionText.detached_at).is_(None),
        )
    ).first()
    if row is None:
        raise DetachRefused(gettext("This text is not linked to this action."))
    rec = session.get(Recommendation, recommendation_id)
    action = session.get(Action, action_id)
    assert rec is not None and action is not None
    moving = [row, *_continuing(session, action_id, recommendation_id)]
    for text in moving:
        text.detached_at, text.detached_by_id = now, actor.id
        session.add(text)
    for link in session.exec(
        select(RecommendationLink).where(
            RecommendationLink.recommendation_id == recommendation_id,
            col(RecommendationLink.detached_at).is_(None),
        )
    ):
        link.detached_at, link.detached_by_id = now, actor.id
        session.add(link)
    session.flush()
    due_on = programme_service.current_deadline(session, action.programme_id)
    new = action_service.create_action(
        session, rec, action.programme_id, due_on=due_on, actor=actor, at=now
    )
    assert new.id is not None
    for text in moving[1:]:
        session.add(
            ActionText(
                action_id=new.id,
                recommendation_id=text.recommendation_id,
                report_id=text.report_id,
                kind=text.kind,
                linked_at=now,
                linked_by_id=actor.id,
            )
        )
    for one, other in ((action_id, new.id), (new.id, action_id)):
        _event(
            session,
            one,
            EventKind.detached,
            now,
            actor,
            report_id=row.report_id,
            recommendation_id=recommendation_id,
            related_action_id=other,
            text_from=rec.text,
        )
    _touch(session, [action_id], now)
    session.flush()
    return new


def _continuing(session: Session, action_id: int, recommendation_id: int) -> list[ActionText]:
    """The action's linked texts that continue ``recommendation_id``, directly or not."""
    texts = {
        t.recommendation_id: t
        for t in session.exec(
            select(ActionText).where(
                ActionText.action_id == action_id, col(ActionText.detached_at).is_(None)
            )
        )
    }
    links = session.exec(
        select(RecommendationLink).where(
            col(RecommendationLink.recommendation_id).in_(list(texts)),
            col(RecommendationLink.detached_at).is_(None),
        )
    ).all()
    found: list[ActionText] = []
    frontier = {recommendation_id}
    while frontier:
        nxt = {
            link.recommendation_id
            for link in links
            if link.continues_id in frontier and link.recommendation_id in texts
        } - {t.recommendation_id for t in found}
        found.extend(texts[r] for r in sorted(nxt))
        frontier = nxt
    return found
