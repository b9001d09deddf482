"""The API's operations: thin translations between the services and the schemas.

Each view is declared with ``@operation``, which routes it, authenticates the token,
validates the query and body and puts it in the OpenAPI document. Rules live in
the services: an update goes through ``workflow.update_action`` exactly as the web
form does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from ..db import get_session
from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    Programme,
    Report,
    Status,
    TokenScope,
)
from ..services import catalogue, listing, policy, workflow
from ..services import programmes as programme_service
from ..services import summary as summary_service
from . import schemas
from .auth import Caller
from .blueprint import bp
from .errors import ApiError
from .openapi import operation

_PROGRAMME_ID = {"programme_id": "The programme's id (from GET /programmes)."}
_ACTION_ID = {"action_id": "The action's id."}
_STATUS_ORDER = {status: number for number, status in enumerate(Status)}


def _not_found(what: str, number: int) -> ApiError:
    return ApiError("not-found", gettext("There is no %(what)s %(id)s.", what=what, id=number))


def _programme(programme_id: int) -> Programme:
    programme = get_session().get(Programme, programme_id)
    if programme is None:
        raise _not_found("programme", programme_id)
    return programme


# --------------------------------------------------------------------------- who am I


@operation(
    bp,
    method="GET",
    path="/me",
    operation_id="get_me",
    summary="The token's user",
    description="Who the token acts as, and its scope: a quick way to check a token.",
    tag="tokens",
    response=schemas.TokenInfo,
)
def get_me(caller: Caller) -> schemas.TokenInfo:
    return schemas.TokenInfo(
        user_id=caller.user.id or 0,
        name=caller.user.name,
        role=caller.user.role.value,
        organisation_id=caller.user.organisation_id,
        scope=caller.token.scope,
    )


# --------------------------------------------------------------------------- programmes


def _programme_out(programme: Programme, deadline: dt.date | None) -> dict[str, Any]:
    return {
        "id": programme.id,
        "country": programme.country,
        "treaty": programme.treaty,
        "article": programme.article,
        "timezone": programme.timezone,
        "current_deadline": deadline,
    }


@operation(
    bp,
    method="GET",
    path="/programmes",
    operation_id="list_programmes",
    summary="List programmes",
    description="Every programme with its current treaty deadline.",
    tag="programmes",
    response=schemas.ProgrammeList,
)
def list_programmes(caller: Caller) -> schemas.ProgrammeList:
    rows = catalogue.list_programmes(get_session())
    return schemas.ProgrammeList.model_validate(
        {"items": [_programme_out(p, deadline) for p, deadline in rows]}
    )


@operation(
    bp,
    method="GET",
    path="/programmes/{programme_id}",
    operation_id="get_programme",
    summary="One programme",
    description="The programme, its current treaty deadline and the whole deadline history.",
    tag="programmes",
    response=schemas.ProgrammeDetail,
    path_params=_PROGRAMME_ID,
)
def get_programme(caller: Caller, programme_id: int) -> schemas.ProgrammeDetail:
    session = get_session()
    programme = _programme(programme_id)
    history = programme_service.deadline_history(session, programme_id)
    deadline = programme_service.current_deadline(session, programme_id)
    return schemas.ProgrammeDetail.model_validate(
        _programme_out(programme, deadline)
        | {"deadline_history": [change.model_dump() for change in history]}
    )


@operation(
    bp,
    method="GET",
    path="/programmes/{programme_id}/reports",
    operation_id="list_reports",
    summary="A programme's reports",
    description="Every imported edition of the country profile, newest first, with its "
    "scorecard (criteria, weights and scores).",
    tag="programmes",
    response=schemas.ReportList,
    path_params=_PROGRAMME_ID,
)
def list_reports(caller: Caller, programme_id: int) -> schemas.ReportList:
    _programme(programme_id)
    items = [
        report.model_dump() | {"scorecard": [c.model_dump() for c in criteria]}
        for report, criteria in summary_service.list_scorecards(get_session(), programme_id)
    ]
    return schemas.ReportList.model_validate({"items": items})


@operation(
    bp,
    method="GET",
    path="/reports/{report_id}/recommendations",
    operation_id="list_recommendations",
    summary="A report's recommendations",
    description="The recommendations of one report in page order, each with its action's id.",
    tag="programmes",
    response=schemas.RecommendationList,
    path_params={"report_id": "The report's id (from GET /programmes/{id}/reports)."},
)
def list_recommendations(caller: Caller, report_id: int) -> schemas.RecommendationList:
    session = get_session()
    report = session.get(Report, report_id)
    if report is None:
        raise _not_found("report", report_id)
    items = [
        recommendation.model_dump() | {"action_id": action_id}
        for recommendation, action_id in catalogue.list_recommendations(session, report)
    ]
    return schemas.RecommendationList.model_validate({"items": items})


@operation(
    bp,
    method="GET",
    path="/programmes/{programme_id}/summary",
    operation_id="get_summary",
    summary="A programme's summary figures",
    description="Counts by status, overdue and due soon, per owner, the longest overdue "
    "actions, the burn-up series and the scores of each edition: the summary page's figures.",
    tag="programmes",
    response=schemas.SummaryOut,
    path_params=_PROGRAMME_ID,
)
def get_summary(caller: Caller, programme_id: int) -> schemas.SummaryOut:
    summary = summary_service.summarise_programme(get_session(), _programme(programme_id))
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


# --------------------------------------------------------------------------- actions


def _action_out(
    action: Action,
    *,
    report_id: int,
    owner_name: str | None,
    organisation_name: str | None,
    assigned: bool,
    today: dt.date,
) -> dict[str, Any]:
    return {
        "id": action.id,
        "programme_id": action.programme_id,
        "report_id": report_id,
        "recommendation_id": action.recommendation_id,
        "title": action.title,
        "status": action.status,
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


def _row_out(row: listing.ActionRow) -> dict[str, Any]:
    assert row.report.id is not None
    return _action_out(
        row.action,
        report_id=row.report.id,
        owner_name=row.owner_name,
        organisation_name=row.organisation_name,
        assigned=row.assigned,
        today=row.today,
    )


def _filter(query: schemas.ActionQuery) -> listing.ActionFilter:
    """The web list's filter, read from the same query-string names."""
    args: MultiDict[str, str] = MultiDict()
    for status in query.status or ():
        args.add("status", status.value)
    for name, value in (
        ("owner", query.owner),
        ("organisation", query.organisation),
        ("edition", query.edition),
        ("programme", query.programme),
        ("due_within", query.due_within),
        ("q", query.q),
    ):
        if value is not None:
            args.add(name, str(value))
    if query.overdue:
        args.add("overdue", "1")
    args.add("sort", query.sort)
    return listing.ActionFilter.from_args(args)


@operation(
    bp,
    method="GET",
    path="/actions",
    operation_id="list_actions",
    summary="List actions",
    description="The same filters as the web list. Page pagination (page, per_page, "
    "sort) or cursor pagination (cursor, per_page: start with an empty cursor, "
    "then pass next_cursor; actions come in id order, so a sync never skips one).",
    tag="actions",
    response=schemas.ActionPage,
    query=schemas.ActionQuery,
)
def list_actions(caller: Caller, query: schemas.ActionQuery) -> schemas.ActionPage:
    session = get_session()
    flt = _filter(query)
    if query.cursor is not None:
        after = int(query.cursor or 0)
        rows, total = catalogue.list_actions_after(session, flt, after, query.per_page)
        last = rows[-1].action.id if len(rows) == query.per_page and rows else None
        return schemas.ActionPage.model_validate(
            {
                "items": [_row_out(row) for row in rows],
                "total": total,
                "page": None,
                "per_page": query.per_page,
                "pages": None,
                "next_cursor": str(last) if last is not None else None,
            }
        )
    page = listing.list_actions(session, flt, query.page or 1, size=query.per_page)
    return schemas.ActionPage.model_validate(
        {
            "items": [_row_out(row) for row in page.rows],
            "total": page.total,
            "page": page.number,
            "per_page": page.size,
            "pages": page.pages,
            "next_cursor": None,
        }
    )


def _event_out(event: ActionEvent, detail: listing.ActionDetail) -> dict[str, Any]:
    return event.model_dump() | {"actor_name": detail.user_name(event.actor_id)}


def _detail_out(caller: Caller, action_id: int) -> schemas.ActionDetail:
    detail = listing.action_detail(get_session(), action_id)
    if detail is None:
        raise _not_found("action", action_id)
    action = detail.action
    assert detail.report.id is not None
    out = _action_out(
        action,
        report_id=detail.report.id,
        owner_name=detail.user_name(action.owner_user_id),
        organisation_name=detail.organisation_name(action.owner_organisation_id),
        assigned=detail.assigned,
        today=detail.today,
    )
    allowed = sorted(
        policy.allowed_transitions(caller.user, action), key=lambda s: _STATUS_ORDER[s]
    )
    return schemas.ActionDetail.model_validate(
        out
        | {
            "recommendation_text": detail.recommendation.text,
            "report_edition": detail.report.edition,
            "treaty_deadline": detail.deadline,
            "allowed_transitions": allowed,
            "history": [_event_out(event, detail) for event in detail.events],
        }
    )


@operation(
    bp,
    method="GET",
    path="/actions/{action_id}",
    operation_id="get_action",
    summary="One action",
    description="The action, its recommendation, the statuses the token's user may move it "
    "to, and its full history. Keep version for an update.",
    tag="actions",
    response=schemas.ActionDetail,
    path_params=_ACTION_ID,
)
def get_action(caller: Caller, action_id: int) -> schemas.ActionDetail:
    return _detail_out(caller, action_id)


def _change(body: schemas.ActionUpdate) -> workflow.ActionChange:
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
    )


@operation(
    bp,
    method="PATCH",
    path="/actions/{action_id}",
    operation_id="update_action",
    summary="Update an action",
    description="Change the status (with a comment and evidence link), the owner or the due "
    "date, under the same rules as the web form. version is required: when someone "
    "saved in between, nothing changes and 409 returns the current state. Needs a token "
    "with the write scope.",
    tag="actions",
    response=schemas.ActionDetail,
    scope=TokenScope.write,
    body=schemas.ActionUpdate,
    conflict=schemas.StaleVersionProblem,
    path_params=_ACTION_ID,
)
def update_action(
    caller: Caller, action_id: int, body: schemas.ActionUpdate
) -> schemas.ActionDetail:
    session = get_session()
    try:
        workflow.update_action(session, action_id, caller.user, body.version, _change(body))
    except workflow.ActionNotFound:
        session.rollback()
        raise _not_found("action", action_id) from None
    except workflow.Forbidden as exc:
        session.rollback()
        raise ApiError("forbidden", exc.message) from None
    except workflow.InvalidChange as exc:
        session.rollback()
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
        raise ApiError("rule-refused", exc.message, errors=errors) from None
    except workflow.StaleVersion as exc:
        current = _detail_out(caller, action_id)
        since = {event.id for event in exc.events}
        changes = [event for event in current.history if event.id in since]
        session.rollback()
        raise ApiError(
            "stale-version",
            gettext(
                "Someone saved this action after version %(seen)s (it is now %(now)s); "
                "nothing was changed. The current state is in 'current', what changed in "
                "'changes'.",
                seen=body.version,
                now=current.version,
            ),
            extra={
                "current": current.model_dump(mode="json"),
                "changes": [event.model_dump(mode="json") for event in changes],
            },
        ) from None
    session.commit()
    return _detail_out(caller, action_id)
