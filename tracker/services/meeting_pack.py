"""What a review meeting's pack holds: one function builds it for the page, the PDF and
the Word minutes, so the three never disagree.

Everything is "as of" the meeting: the state rebuilt from the journal at the end of the
meeting day, the burn-up up to that day, the deadline records decided by then, and the
decisions (history entries naming the meeting) grouped by action in agenda order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col

from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    DeadlineChange,
    Meeting,
    Programme,
    Status,
)
from . import agenda as agenda_service
from . import edition_summary
from . import evidence as evidence_service
from . import meetings as meeting_service
from . import programmes as programme_service
from . import snapshot as snapshot_service
from . import summary as summary_service

# The pack lists every action up to this many (a PDF of about 60 pages); the page says
# how many more there are.
PACK_ACTIONS = 2_000
OWNER_BARS = 12


# One history entry written with the meeting named: what changed, and why. It reads as
# an entry of the summary's latest changes, from the same query.
PackDecision = summary_service.Change


@dataclass
class PackItem:
    """An action discussed at the meeting: its state then, why it is there, what was decided."""

    action_id: int
    title: str
    state: snapshot_service.ActionState | None
    reasons: list[str] = field(default_factory=list)
    decisions: list[PackDecision] = field(default_factory=list)
    # Issue 18: the evidence files the action had by the end of the meeting day.
    evidence: list[str] = field(default_factory=list)


@dataclass
class MeetingPack:
    programme: Programme
    meeting: Meeting
    previous: Meeting | None
    snapshot: snapshot_service.Snapshot
    changes: snapshot_service.ChangesSince | None
    deadline: dt.date | None
    history: list[DeadlineChange]
    burnup: list[summary_service.BurnupPoint]
    owners: list[summary_service.OwnerRow]
    items: list[PackItem]
    attendees: list[str]
    # What the editions imported by the end of the meeting day carried over and repeated
    # (issue 10): the asks a review meeting should look at first.
    editions: edition_summary.EditionCounts | None = None
    repeated: list[edition_summary.RepeatedAction] = field(default_factory=list)
    criterion_trends: list[edition_summary.CriterionTrend] = field(default_factory=list)

    @property
    def decisions(self) -> list[PackDecision]:
        return [d for item in self.items for d in item.decisions]

    @property
    def open_count(self) -> int:
        return sum(self.snapshot.by_status[s] for s in OPEN_STATUSES)


def list_pack_decisions(session: Session, meeting_id: int) -> list[PackDecision]:
    """Every history entry naming the meeting, oldest first, with the names it shows."""
    rows = session.execute(
        summary_service.select_changes()
        .where(col(ActionEvent.meeting_id) == meeting_id)
        .order_by(col(ActionEvent.at), col(ActionEvent.id))
        .limit(5_000)
    ).all()
    return [PackDecision(*row) for row in rows]


def _owner_rows(snapshot: snapshot_service.Snapshot) -> list[summary_service.OwnerRow]:
    """Actions by owner as of the meeting, largest first (the status bars' rows)."""
    rows: dict[tuple[int | None, int | None], summary_service.OwnerRow] = {}
    for a in snapshot.actions:
        key = (a.owner_user_id, a.owner_organisation_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = summary_service.OwnerRow(
                a.owner_user_id, a.owner_organisation_id, a.owner_name, dict.fromkeys(Status, 0), 0
            )
        row.by_status[a.status] += 1
        if a.status in OPEN_STATUSES and a.due_on is not None and a.due_on < snapshot.day:
            row.overdue += 1
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.name or "~"))
    return ordered[:OWNER_BARS]


def build_meeting_pack(
    session: Session,
    meeting: Meeting,
    *,
    limit: int = PACK_ACTIONS,
) -> MeetingPack:
    """The pack of ``meeting``: state, changes since the previous meeting, charts' data,
    deadline history, and the agenda items with their decisions.

    The items are the meeting's agenda in the coordinator's order; actions decided at the
    meeting but not on its agenda follow, in the order of their first decision.
    """
    programme = session.get(Programme, meeting.programme_id)
    assert programme is not None and programme.id is not None and meeting.id is not None
    day = meeting.held_on
    previous = meeting_service.previous_meeting(session, meeting)
    snapshot = snapshot_service.take_snapshot(session, programme, day, limit=limit)
    changes = (
        snapshot_service.changes_between(session, programme, previous.held_on, day)
        if previous
        else None
    )
    history = [
        c
        for c in programme_service.deadline_history(session, programme.id)
        if (c.decided_on or c.requested_on or day) <= day
    ]
    decided = [c for c in history if c.decided_on is not None]
    deadline = (
        decided[-1].new_on if decided else programme_service.current_deadline(session, programme.id)
    )
    burnup = [p for p in summary_service.burnup_series(session, programme) if p.day <= day]
    until = snapshot_service.end_of_day(programme, day)

    decisions = list_pack_decisions(session, meeting.id)
    by_action: dict[int, list[PackDecision]] = defaultdict(list)
    for d in decisions:
        by_action[d.action_id].append(d)
    order = [
        (item.action_id, agenda_service.reason_labels(item.reasons))
        for item in agenda_service.list_agenda(session, meeting.id)
    ]
    listed = {action_id for action_id, _ in order}
    for d in decisions:
        if d.action_id not in listed:
            order.append((d.action_id, []))
            listed.add(d.action_id)
    states = {a.action_id: a for a in snapshot.actions}
    missing = [action_id for action_id, _ in order if action_id not in states]
    titles = dict(
        session.execute(
            sa.select(col(Action.id), col(Action.title)).where(col(Action.id).in_(missing))
        ).all()
        if missing
        else []
    )
    files = evidence_service.names_as_of(session, [action_id for action_id, _ in order], until)
    items = [
        PackItem(
            action_id=action_id,
            title=states[action_id].title if action_id in states else titles.get(action_id, ""),
            state=states.get(action_id),
            reasons=reasons,
            decisions=by_action.get(action_id, []),
            evidence=files.get(action_id, []),
        )
        for action_id, reasons in order
    ]
    return MeetingPack(
        programme=programme,
        meeting=meeting,
        previous=previous,
        snapshot=snapshot,
        changes=changes,
        deadline=deadline,
        history=history,
        burnup=burnup,
        owners=_owner_rows(snapshot),
        items=items,
        attendees=[a.name for a in agenda_service.list_attendees(session, meeting)],
        editions=edition_summary.count_latest_edition(session, programme.id, before=until),
        repeated=edition_summary.list_repeated(session, programme.id, before=until),
        criterion_trends=edition_summary.list_criterion_trends(session, programme.id, before=until),
    )
