"""The API's operations: thin translations between the services and the schemas.

Each view is declared with ``@operation``, which routes it, authenticates the token,
validates the query and body and puts it in the OpenAPI document. Rules live in
the services: an update goes through ``workflow.update_action`` exactly as the web
form does. The conversions between service results and schemas are in ``convert.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from ..db import get_session
from ..models import Programme, Report, TokenScope, utcnow
from ..services import catalogue, editions, listing, policy, workflow
from ..services import memberships as memberships_service
from ..services import programmes as programme_service
from ..services import summary as summary_service
from ..services.workflow import bulk
from . import convert, schemas
from .auth import Caller
from .blueprint import bp
from .errors import ApiError
from .openapi import operation

# What every change made through the API carries on its events (``ActionEvent.via``): the
# action's history then says "through the API".
VIA_API = "api"

_PROGRAMME_ID = {"programme_id": "The programme's id (from GET /programmes)."}
_ACTION_ID = {"action_id": "The action's id."}


def _not_found(what: str, number: int) -> ApiError:
    return ApiError("not-found", gettext("There is no %(what)s %(id)s.", what=what, id=number))


def _programme(caller: Caller, programme_id: int) -> Programme:
    """The programme, if the caller belongs to it: outside, it is as absent as a missing one."""
    programme = get_session().get(Programme, programme_id)
    if programme is None or not policy.may(caller.user, policy.Do.read, programme):
        raise _not_found("programme", programme_id)
    return programme


# --------------------------------------------------------------------------- who am I


@operation(
    bp,
    method="GET",
    path="/me",
    operation_id="get_me",
    summary="The token's user",
    description="Who the token acts as, its scope, and the programmes the person belongs to "
    "with their role in each: a quick way to check a token.",
    tag="tokens",
    response=schemas.TokenInfo,
)
def get_me(caller: Caller) -> schemas.TokenInfo:
    memberships = memberships_service.list_memberships(get_session(), caller.user)
    return schemas.TokenInfo(
        user_id=caller.user.id or 0,
        name=caller.user.name,
        role=caller.user.role.value,
        organisation_id=caller.user.organisation_id,
        scope=caller.token.scope,
        programmes=[
            schemas.ProgrammeRole(
                programme_id=programme.id or 0,
                country=programme.country,
                treaty=programme.treaty.value,
                role=role.value,
            )
            for programme, role in memberships
        ],
    )


# --------------------------------------------------------------------------- programmes


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
    rows = catalogue.list_programmes(get_session(), caller.user)
    return schemas.ProgrammeList.model_validate(
        {"items": [convert.programme_out(p, deadline) for p, deadline in rows]}
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
    programme = _programme(caller, programme_id)
    history = programme_service.deadline_history(session, programme_id)
    deadline = programme_service.current_deadline(session, programme_id)
    return schemas.ProgrammeDetail.model_validate(
        convert.programme_out(programme, deadline)
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
    _programme(caller, programme_id)
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
    if report is None or not policy.may(caller.user, policy.Do.read, report.programme_id):
        raise _not_found("report", report_id)
    rows = catalogue.list_recommendations(session, report)
    links = catalogue.recommendation_links(session, [r.id for r, _ in rows if r.id is not None])
    items = [
        recommendation.model_dump()
        | {
            "action_id": action_id,
            "continues": [vars(lk) for lk in links[recommendation.id or 0][0]],
            "continued_by": [vars(lk) for lk in links[recommendation.id or 0][1]],
        }
        for recommendation, action_id in rows
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
    summary = summary_service.summarise_programme(get_session(), _programme(caller, programme_id))
    return convert.summary_out(programme_id, summary)


# --------------------------------------------------------------------------- actions


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
    flt = convert.action_filter(query, caller.user)
    if query.cursor is not None:
        after = int(query.cursor or 0)
        rows, total = catalogue.list_actions_after(session, flt, after, query.per_page)
        last = rows[-1].action.id if len(rows) == query.per_page and rows else None
        return schemas.ActionPage.model_validate(
            {
                "items": [convert.row_out(row) for row in rows],
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
            "items": [convert.row_out(row) for row in page.rows],
            "total": page.total,
            "page": page.number,
            "per_page": page.size,
            "pages": page.pages,
            "next_cursor": None,
        }
    )


def _detail_out(caller: Caller, action_id: int) -> schemas.ActionDetail:
    detail = listing.action_detail(get_session(), action_id)
    if detail is None or not policy.may(caller.user, policy.Do.read, detail.action):
        raise _not_found("action", action_id)
    shown = editions.texts_as_of(editions.action_texts(get_session(), detail.action), utcnow())
    allowed = policy.allowed_transitions(caller.user, detail.action)
    return convert.detail_out(detail, allowed, shown)


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
    apply_change(caller, action_id, body.version, lambda: convert.action_change(body))
    return _detail_out(caller, action_id)


def apply_change(
    caller: Caller, action_id: int, version: int,
    make_change: Callable[[], workflow.ActionChange], *, commit: bool = True,
) -> None:  # fmt: skip
    """Save the change ``make_change`` reads from the request through the workflow, as the
    token's user; its refusals (and the reading's) as problems.

    The update above and an evidence upload (``api/evidence.py``) both save this way.
    """
    session = get_session()
    try:
        workflow.update_action(session, action_id, caller.user, version, make_change(), via=VIA_API)
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
                seen=version,
                now=current.version,
            ),
            extra={
                "current": current.model_dump(mode="json"),
                "changes": [event.model_dump(mode="json") for event in changes],
            },
        ) from None
    if commit:
        session.commit()


@operation(
    bp,
    method="POST",
    path="/actions/bulk",
    operation_id="bulk_update_actions",
    summary="Update many actions",
    description="One change (as in PATCH /actions/{id}) for up to 1,000 actions, each "
    "given with the version you read. Each action is changed on its own, under the same "
    "rules, version check and history as one PATCH, or refused on its own (stale, not "
    "found, forbidden, refused by a rule) and left unchanged; the answer is 200 with a "
    "result per action. A change no action could take (nothing to change, no reason for "
    "an owner or due date) is 422. Needs a token with the write scope.",
    tag="actions",
    response=schemas.BulkResult,
    scope=TokenScope.write,
    body=schemas.BulkUpdate,
)
def bulk_update_actions(caller: Caller, body: schemas.BulkUpdate) -> schemas.BulkResult:
    session = get_session()
    items = [bulk.BulkItem(item.id, item.version) for item in body.items]
    try:
        result = bulk.apply_bulk(
            session, caller.user, items, convert.action_change(body.change), via=VIA_API
        )
    except workflow.InvalidChange as exc:
        session.rollback()
        errors = [{"field": f"change.{exc.field}", "message": exc.message}] if exc.field else None
        raise ApiError("rule-refused", exc.message, errors=errors) from None
    session.commit()
    return convert.bulk_out(items, result)
