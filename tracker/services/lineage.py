"""Proposing how a new edition continues the stored ones, before anything is stored.

``plan_lineage`` finds the edition a new profile continues (the programme's stored
report with the latest year before its own, else the most recently imported one), the
candidates (that edition's recommendations, and the open actions whose newest text is
older: a recommendation that skipped a year is not a new one), asks the matcher
(``tracker/lineage.py``) for a proposal and applies the coordinator's overrides. It
only reads. The plan carries a fingerprint of what it was built from (the latest
report and the version of every action it names), so a confirmation can tell that
the preview went stale. ``services/lineage_store.py`` stores a plan.

Importing an edition older than a stored one back-fills history: it is matched
against the next stored edition instead, and its texts become older editions of the
actions that carry that one, so no action's current text moves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import lineage as matcher
from ..importer import ParsedProfile
from ..models import (
    OPEN_STATUSES,
    Action,
    Programme,
    Report,
    Treaty,
)
from . import editions

LineageError = matcher.LineageError


@dataclass
class LineagePlan:
    """What storing a profile would do to the programme's actions."""

    programme: Programme | None
    previous: Report | None  # the edition matched against (the next one when back-filling)
    backfill: bool
    texts: list[str]
    candidates: list[matcher.Candidate]
    proposal: matcher.Proposal
    actions: dict[int, Action] = field(default_factory=dict)
    truncated_last: bool = False
    fingerprint: str = ""
    warnings: list[str] = field(default_factory=list)

    def candidate_for(self, ref: int) -> matcher.Candidate | None:
        return next((c for c in self.candidates if c.ref == ref), None)

    def action_of(self, match: matcher.Match) -> Action | None:
        if match.candidate is None or match.candidate.action_id is None:
            return None
        return self.actions.get(match.candidate.action_id)

    def repeats_closed_action(self, match: matcher.Match) -> bool:
        action = self.action_of(match)
        return (
            match.kind in ("same", "reworded")
            and action is not None
            and action.status.is_closed
            and not self.backfill
        )

    @property
    def needs_review(self) -> int:
        """Proposals a command line may not store unasked: rewordings and splits."""
        return sum(1 for m in self.proposal.matches if m.kind in ("reworded", "split"))


def truncated_last(parsed: ParsedProfile) -> bool:
    """Whether the page's last recommendation is cut off mid-sentence (the parser's flag)."""
    return parsed.last_recommendation_truncated


def first_edition_plan(parsed: ParsedProfile) -> LineagePlan:
    """The plan of a programme's first edition: no previous one, every recommendation new."""
    texts = list(parsed.recommendations)
    plan = LineagePlan(None, None, False, texts, [], matcher.propose(texts, []))
    plan.truncated_last = truncated_last(parsed) and bool(texts)
    plan.fingerprint = _fingerprint(None, plan)
    return plan


def find_programme(session: Session, parsed: ParsedProfile, treaty: Treaty) -> Programme | None:
    return session.exec(
        select(Programme).where(
            sa.func.lower(Programme.country) == parsed.country.strip().lower(),
            Programme.treaty == treaty,
        )
    ).first()


def plan_lineage(
    session: Session,
    parsed: ParsedProfile,
    treaty: Treaty,
    overrides: Sequence[matcher.Override] = (),
    *,
    new_when_truncated: bool = False,
) -> LineagePlan:
    """The proposal for ``parsed`` against the stored editions, with ``overrides`` applied.

    Raises ``LineageError`` (one line) for an override that does not fit. With
    ``new_when_truncated`` a cut-off last recommendation is proposed as new (the
    command line's rule) unless an override names it.
    """
    programme = find_programme(session, parsed, treaty)
    plan = first_edition_plan(parsed)
    plan.programme = programme
    texts = plan.texts
    if programme is not None:
        assert programme.id is not None
        stored = [
            r
            for r in editions.list_editions(session, programme.id)
            if r.checksum != parsed.checksum
        ]
        previous, following = editions.neighbour_editions(stored, parsed.year)
        if following is not None:
            plan.previous, plan.backfill = following, True
            plan.candidates = _candidates(session, following, [])
        elif previous is not None:
            plan.previous = previous
            plan.candidates = _candidates(session, previous, stored)
        plan.proposal = matcher.propose(texts, plan.candidates)
    chosen = list(overrides)
    if (
        plan.truncated_last
        and new_when_truncated
        and not any(o.position == len(texts) for o in chosen)
        and plan.proposal.matches
        and plan.proposal.matches[-1].kind != "new"
    ):
        chosen.append(matcher.Override(len(texts), None))
        plan.warnings.append(
            f"recommendation {len(texts)} seems cut off mid-sentence: stored as new, "
            "not as the newest text of an earlier action"
        )
    if chosen:
        plan.proposal = matcher.apply_overrides(plan.proposal, texts, plan.candidates, chosen)
    ids = {c.action_id for c in plan.candidates if c.action_id is not None}
    if ids:
        plan.actions = {
            a.id: a  # type: ignore[misc]
            for a in session.exec(select(Action).where(col(Action.id).in_(ids))).all()
        }
    plan.fingerprint = _fingerprint(session, plan)
    return plan


def _candidates(
    session: Session, previous: Report, stored: Sequence[Report]
) -> list[matcher.Candidate]:
    """The previous edition's recommendations, then older open actions' newest texts."""
    recs = editions.recommendations_with_actions(session, previous)
    result = [
        matcher.Candidate(
            ref=r.id,  # type: ignore[arg-type]
            text=r.text,
            position=r.position,
            report_id=previous.id,
            action_id=action_id,
            from_previous=True,
        )
        for r, action_id in recs
    ]
    older = [r for r in stored if editions.edition_key(r) < editions.edition_key(previous)]
    if not older:
        return result
    taken = {action_id for _r, action_id in recs if action_id is not None}
    open_actions = session.exec(
        select(Action)
        .where(
            Action.programme_id == previous.programme_id,
            col(Action.status).in_(OPEN_STATUSES),
        )
        .order_by(col(Action.id))
    ).all()
    for action in open_actions:
        if action.id in taken:
            continue
        newest = editions.newest_text(session, action)
        if editions.edition_key(newest.report) >= editions.edition_key(previous):
            continue
        result.append(
            matcher.Candidate(
                ref=newest.recommendation.id,  # type: ignore[arg-type]
                text=newest.recommendation.text,
                position=newest.recommendation.position,
                report_id=newest.report.id,
                action_id=action.id,
                from_previous=False,
            )
        )
    return result


def _fingerprint(session: Session | None, plan: LineagePlan) -> str:
    """What the plan was built from: the latest report, and each named action's version."""
    latest = None
    if plan.programme is not None and session is not None:
        latest = session.exec(
            select(sa.func.max(Report.id)).where(Report.programme_id == plan.programme.id)
        ).one()
    versions = sorted((a.id or 0, a.version) for a in plan.actions.values())
    data = json.dumps({"latest": latest, "actions": versions}, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def lineage_json(plan: LineagePlan, stored: dict[int, int] | None = None) -> dict[str, object]:
    """The ``lineage`` key of ``import-profile --json``.

    ``stored`` maps the new positions to the actions the store created or linked, so
    the ids printed after storing are the stored ones.
    """
    stored = stored or {}
    previous = None
    if plan.previous is not None:
        previous = {
            "report_id": plan.previous.id,
            "edition": plan.previous.edition,
            "year": plan.previous.year,
        }
    matches = []
    for m in plan.proposal.matches:
        cand = m.candidate
        action_id = cand.action_id if cand is not None else None
        if m.kind == "new" or plan.backfill:
            action_id = stored.get(m.position, action_id)
        matches.append(
            {
                "position": m.position,
                "previous_position": cand.position if cand else None,
                "previous_report_id": cand.report_id if cand else None,
                "kind": m.kind,
                "score": m.score,
                "action_id": action_id,
                "repeats_closed_action": plan.repeats_closed_action(m),
            }
        )
    dropped = [
        {
            "previous_position": d.candidate.position,
            "action_id": d.candidate.action_id,
            "kind": d.kind,
            "merged_into": d.merged_into,
        }
        for d in plan.proposal.dropped
        if not plan.backfill
    ]
    return {"previous": previous, "matches": matches, "dropped": dropped}


def parse_overrides(data: object) -> list[matcher.Override]:
    """``--lineage FILE``'s JSON list, or the preview form's choices, as overrides.

    Raises ``LineageError`` with one line for anything that is not such a list.
    """
    if not isinstance(data, list):
        raise LineageError("the lineage file must hold a JSON list of overrides")
    result = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or set(item) - {
            "position",
            "previous_position",
            "previous_report_id",
            "split",
        }:
            raise LineageError(
                f"override {number}: give position, previous_position and optionally split"
            )
        position = item.get("position")
        previous = item.get("previous_position")
        report = item.get("previous_report_id")
        split = item.get("split", False)
        if not _is_int(position) or not (previous is None or _is_int(previous)):
            raise LineageError(f"override {number}: positions must be whole numbers")
        if not (report is None or _is_int(report)) or not isinstance(split, bool):
            raise LineageError(f"override {number}: previous_report_id or split is malformed")
        result.append(matcher.Override(position, previous, split, report))  # type: ignore[arg-type]
    return result


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**31) < value < 2**31
