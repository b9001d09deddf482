"""One generated action and its history of events, consistent with each other.

The status walks are not a second copy of the rules: every step of every walk is
checked against the workflow's own transition table (``services.policy.TRANSITIONS``)
when this module loads, so a change to the rules cannot leave the seed making moves the
workflow would refuse. (The walks stay written out because the seed's rows must not
change: the same seed and day give the same rows.)
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ..models import EventKind, Status, Verification
from ..services.actions import action_title
from ..services.policy import TRANSITIONS
from .plan import ProgrammeSpec, SyntheticPlan, current_deadline
from .words import COMMENTS

# One action per programme gets this many times the usual events: a long history.
LONG_HISTORY_FACTOR = 20
# Current statuses and their weights: spread over every status, most of them open.
STATUS_WEIGHTS = {
    Status.not_started: 25,
    Status.in_progress: 30,
    Status.blocked: 10,
    Status.implemented: 30,
    Status.not_applicable: 5,
}
# A walk of allowed transitions from not_started to each status.
STATUS_PATHS: dict[Status, list[list[Status]]] = {
    Status.not_started: [[]],
    Status.in_progress: [[Status.in_progress], [Status.blocked, Status.in_progress]],
    Status.blocked: [[Status.blocked], [Status.in_progress, Status.blocked]],
    Status.implemented: [
        [Status.in_progress, Status.implemented],
        [Status.in_progress, Status.blocked, Status.in_progress, Status.implemented],
    ],
    Status.not_applicable: [[Status.not_applicable], [Status.in_progress, Status.not_applicable]],
}


def _check_walks(walks: dict[Status, list[list[Status]]]) -> dict[Status, list[list[Status]]]:
    """``walks`` unchanged if every step is an allowed transition ending in its status."""
    for status, paths in walks.items():
        for path in paths:
            steps = list(zip([Status.not_started, *path], path, strict=False))
            refused = [step for step in steps if step not in TRANSITIONS]
            if refused or (path and path[-1] is not status):
                raise ValueError(f"synthetic walk to {status} is not allowed: {path}")
    return walks


STATUS_PATHS = _check_walks(STATUS_PATHS)


_EVENT_DEFAULTS: dict[str, Any] = dict.fromkeys((
    "actor_id", "status_from", "status_to", "owner_user_from", "owner_user_to",
    "owner_organisation_from", "owner_organisation_to", "due_from", "due_to",
    "follows_deadline_to", "comment", "evidence_url", "meeting_id", "deadline_change_id",
))  # fmt: skip


def _event(kind: EventKind, at: dt.datetime, **values: Any) -> dict[str, Any]:
    return _EVENT_DEFAULTS | {"kind": kind, "at": at} | values


def make_history(
    rng: random.Random,
    spec: ProgrammeSpec,
    plan: SyntheticPlan,
    created_at: dt.datetime,
    text: str,
    recommendation_id: int,
    *,
    long: bool,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One action's row and its events, consistent with each other."""
    events_wanted = plan.events_per_action * (LONG_HISTORY_FACTOR if long else 1)
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    path = list(rng.choice(STATUS_PATHS[status]))
    roll = rng.random()
    owner_user, owner_org = (None, None)
    if roll < 0.8 and spec.owners:
        owner_user, owner_org = rng.choice(spec.owners)
    elif roll < 0.9:
        owner_org = spec.authority_id

    deadline = current_deadline(spec)
    follows = rng.random() < 0.7
    # Pinned dates, a third of them already past: with open actions, overdue ones.
    pinned = plan.today + dt.timedelta(days=rng.randint(-500, 900))
    due_on = deadline if follows else pinned
    initial_due = deadline

    # Changes the history must hold, in order; comments fill the remaining slots.
    changes: list[tuple[EventKind, Any]] = []
    if owner_user is not None or owner_org is not None:
        changes.append((EventKind.owner_changed, (owner_user, owner_org)))
    if not follows:
        changes.append((EventKind.due_date_changed, due_on))
    changes += [(EventKind.status_changed, step) for step in path]
    slots = events_wanted - 1
    initial_status = Status.not_started
    initial_owner: tuple[int | None, int | None] = (None, None)
    while len(changes) > slots:
        # Too few events for the whole story: fold changes into the created event.
        kind, value = changes.pop(0)
        if kind is EventKind.owner_changed:
            initial_owner = value
        elif kind is EventKind.due_date_changed:
            initial_due = value
        else:
            initial_status = value
    comments = slots - len(changes)
    for _ in range(comments):
        changes.insert(rng.randint(0, len(changes)), (EventKind.comment, rng.choice(COMMENTS)))

    span = max(60, (dt.datetime.combine(plan.today, dt.time(), tzinfo=dt.UTC) - created_at).days)
    offsets = sorted(rng.randint(1, span * 86_400 - 1) for _ in changes)
    actor = spec.coordinator_id
    events = [
        _event(
            EventKind.created, created_at, actor_id=actor, status_to=initial_status,
            owner_user_to=initial_owner[0], owner_organisation_to=initial_owner[1],
            due_to=initial_due, follows_deadline_to=initial_due == deadline,
        )
    ]  # fmt: skip
    current_status, current_owner, current_due = initial_status, initial_owner, initial_due
    for (kind, value), offset in zip(changes, offsets, strict=True):
        at = created_at + dt.timedelta(seconds=offset)
        if kind is EventKind.owner_changed:
            events.append(_event(
                kind, at, actor_id=actor,
                owner_user_from=current_owner[0], owner_user_to=value[0],
                owner_organisation_from=current_owner[1], owner_organisation_to=value[1],
                comment="Assigned at the coordination meeting.",
            ))  # fmt: skip
            current_owner = value
        elif kind is EventKind.due_date_changed:
            events.append(_event(
                kind, at, actor_id=actor, due_from=current_due, due_to=value,
                follows_deadline_to=False, comment="Date agreed with the operator.",
            ))  # fmt: skip
            current_due = value
        elif kind is EventKind.status_changed:
            evidence = None
            if value is Status.implemented:
                evidence = f"https://evidence.example.org/{recommendation_id}"
            events.append(_event(
                kind, at, actor_id=current_owner[0] or actor, status_from=current_status,
                status_to=value, comment=rng.choice(COMMENTS), evidence_url=evidence,
            ))  # fmt: skip
            current_status = value
        else:
            events.append(_event(kind, at, actor_id=current_owner[0] or actor, comment=value))
    assert (current_status, current_owner, current_due) == (status, (owner_user, owner_org), due_on)

    action = {
        "programme_id": spec.id,
        "recommendation_id": recommendation_id,
        "title": action_title(text),
        "owner_user_id": owner_user,
        "owner_organisation_id": owner_org,
        "status": status,
        # Issue 14: generated programmes verify (the default), and their histories come
        # from before verification, as an upgraded programme's do: what is implemented
        # counts as verified, as the upgrade made it, so the headline and the burn-up
        # agree. Awaiting verification only ever follows a report made through the app.
        "verification": (
            Verification.verified if status is Status.implemented else Verification.not_required
        ),
        "due_on": due_on,
        "follows_deadline": follows,
        "version": len(events),
        "created_at": created_at,
        "updated_at": events[-1]["at"],
    }
    return action, events
