"""The API's conversions: service results to response schemas, request schemas to changes.

Kept apart from the operations (``views.py``) so that each operation reads as "ask the
service, convert the answer", and so a field added to a schema has one place to be filled.
Nothing here touches the database or the request; the operations pass in what they read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext

from ..models import OPEN_STATUSES, Action, Programme, Status
from ..services import listing, policy, workflow
from ..services.editions import EditionText
from ..services.summary import ProgrammeSummary
from ..services.workflow.bulk import BulkItem, BulkResult
from . import schemas

_STATUS_ORDER = {status: number for number, status in enumerate(Status)}


def programme_out(programme: Programme, deadline: dt.date | None) -> dict[str, Any]:
    return {
        "id": programme.id,
        "country": programme.country,
        "treaty": programme.treaty,
        "article": programme.article,
        "timezone": programme.timezone,
        "current_deadline": deadline,
    }


def summary_out(programme_id: int, summary: ProgrammeSummary) -> schemas.SummaryOut:
    figures = summary.figures
    return schemas.SummaryOut.model_validate(
        {
            "programme_id": programme_id,
            "today": summary.today,
            "current_deadline": summary.deadline,
            "figures": {
                "total": figures.total,
                "applicable": figures.applicable,
                "open": figures.open,
                "implemented": figures.implemented,
                "percent_implemented": figures.percent_implemented,
                "verified": figures.verified,
                "awaiting_verification": figures.awaiting,
                "implemented_without_verification": figures.unchecked,
                "requires_verification": figures.requires_verification,
                "progress_percent": figures.percent_done,
                "by_status": [
                    {"status": status, "count": count}
                    for status, count in figures.by_status.items()
                ],
                "overdue": figures.overdue,
                "due_within_30": figures.due_within_30,
                "due_within_90": figures.due_within_90,
                "unassigned": figures.unassigned,
            },
            "owners": [
                {
                    "user_id": row.user_id,
                    "organisation_id": row.organisation_id,
                    "name": row.name,
                    "open": row.open,
                    "implemented": row.implemented,
                    "total": row.total,
                    "overdue": row.overdue,
                }
                for row in summary.owners
            ],
            "overdue": [vars(item) for item in summary.overdue],
            "burnup": [vars(point) for point in summary.burnup],
            "scores": [vars(score) for score in summary.scores],
        }
    )


def action_out(
    action: Action,
    *,
    report_id: int,
    owner_name: str | None,
    organisation_name: str | None,
    assigned: bool,
    today: dt.date,
    editions: int = 1,
) -> dict[str, Any]:
    return {
        "editions": editions,
        "id": action.id,
        "programme_id": action.programme_id,
        "report_id": report_id,
        "recommendation_id": action.recommendation_id,
        "title": action.title,
        "status": action.status,
        "verification": action.verification,
        "owner": {
            "user_id": action.owner_user_id,
            "user_name": owner_name,
            "organisation_id": action.owner_organisation_id,
            "organisation_name": organisation_name,
        },
        "assigned": assigned,
        "due_on": action.due_on,
        "follows_deadline": action.follows_deadline,
        "overdue": action.due_on is not None
        and action.status in OPEN_STATUSES
        and action.due_on < today,
        "version": action.version,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
    }


def row_out(row: listing.ActionRow) -> dict[str, Any]:
    assert row.report.id is not None
    return action_out(
        row.action,
        report_id=row.report.id,
        owner_name=row.owner_name,
        organisation_name=row.organisation_name,
        assigned=row.assigned,
        today=row.today,
        editions=row.editions,
    )


def _event_out(event: Any, detail: listing.ActionDetail) -> dict[str, Any]:
    """One journal entry: a plain row of the event's columns (``listing.events_of``)."""
    return dict(event._mapping) | {"actor_name": detail.user_name(event.actor_id)}


def detail_out(
    detail: listing.ActionDetail, allowed: set[Status], texts: Sequence[EditionText]
) -> schemas.ActionDetail:
    """One action with its history; ``allowed``: the statuses the caller may move it to;
    ``texts``: its recommendation in each edition that carries it, newest first."""
    action = detail.action
    assert detail.report.id is not None
    out = action_out(
        action,
        report_id=detail.report.id,
        owner_name=detail.user_name(action.owner_user_id),
        organisation_name=detail.organisation_name(action.owner_organisation_id),
        assigned=detail.assigned,
        today=detail.today,
        editions=len(texts) or 1,
    )
    return schemas.ActionDetail.model_validate(
        out
        | {
            "recommendation_text": detail.recommendation.text,
            "report_edition": detail.report.edition,
            "texts": [
                {
                    "report_id": t.report.id,
                    "edition": t.report.edition,
                    "year": t.report.year,
                    "recommendation_id": t.recommendation.id,
                    "position": t.recommendation.position,
                    "text": t.recommendation.text,
                    "kind": t.kind.value if t.kind is not None else "own",
                }
                for t in texts
            ],
            "treaty_deadline": detail.deadline,
            "allowed_transitions": sorted(allowed, key=lambda s: _STATUS_ORDER[s]),
            "history": [_event_out(event, detail) for event in detail.events],
        }
    )


def action_filter(query: schemas.ActionQuery, reader: policy.Who) -> listing.ActionFilter:
    """The web list's filter from the API's typed query: the schema has checked each value.

    ``reader`` is the token's user: only their programmes' actions match."""
    return listing.ActionFilter(
        reader=policy.as_access(reader),
        statuses=tuple(dict.fromkeys(query.status or ())),
        owner_user_id=query.owner if isinstance(query.owner, int) else None,
        unassigned=query.owner == "none",
        organisation_id=query.organisation,
        edition=(query.edition or "").strip() or None,
        programme_id=query.programme,
        overdue=bool(query.overdue),
        due_within_days=query.due_within,
        text=(query.q or "").strip(),
        sort=query.sort,
        min_editions=query.editions,
        not_in_latest=bool(query.not_latest),
        verification=query.verification,
    )


def action_change(body: schemas.ChangeFields) -> workflow.ActionChange:
    """The workflow's change from a PATCH body; an owner left out of the body stays."""
    owner: workflow.Owner | None = None
    if "owner" in body.model_fields_set:
        owner = (
            workflow.Owner(body.owner.user_id, body.owner.organisation_id)
            if body.owner is not None
            else workflow.UNASSIGNED
        )
    if body.pinned is True and body.due_on is None:
        raise workflow.InvalidChange(
            gettext("Give due_on, the day to pin the due date to."), "due_on"
        )
    return workflow.ActionChange(
        status=body.status,
        comment=body.comment or "",
        evidence_url=body.evidence_url or "",
        owner=owner,
        due_on=body.due_on,
        unpin=body.pinned is False,
        reason=body.reason or "",
        verdict=body.verdict,
    )


def bulk_out(items: list[BulkItem], result: BulkResult) -> schemas.BulkResult:
    """A result per distinct id, in the order given (issue 14)."""
    refused = {r.action_id: r for r in result.refused}
    out: list[dict[str, Any]] = []
    for action_id in dict.fromkeys(item.action_id for item in items):
        if action_id in result.changed:
            out.append(
                {"id": action_id, "outcome": "changed", "version": result.changed[action_id],
                 "reason": None, "message": None, "field": None}
            )  # fmt: skip
            continue
        r = refused[action_id]
        out.append(
            {"id": action_id, "outcome": "refused", "version": r.current_version,
             "reason": r.because.value, "message": r.message, "field": r.field}
        )  # fmt: skip
    return schemas.BulkResult.model_validate(
        {"changed": len(result.changed), "refused": len(result.refused), "items": out}
    )
