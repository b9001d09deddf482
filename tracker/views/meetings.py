"""Review meetings: the list, recording one, the meeting page and its decisions."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlmodel import col, select
from werkzeug.wrappers import Response

from .. import charts, meeting_documents
from ..auth import current_access, require, signed_in_user
from ..db import get_session
from ..formatting import local_today
from ..models import Action, Meeting, Programme, Status
from ..services import agenda as agenda_service
from ..services import edition_summary, workflow
from ..services import meeting_pack as pack_service
from ..services import meetings as meeting_service
from ..services import snapshot as snapshot_service
from ..services.listing import owner_choices
from ..services.policy import Do, is_manager
from .forms import parse_date, parse_id, parse_owner

bp = Blueprint("meetings", __name__)


def _programme(programme_id: int, do: Do = Do.read) -> Programme:
    """The programme, if the signed-in person may ``do`` this to it (else 404 or 403)."""
    programme = get_session().get(Programme, programme_id)
    if programme is None:
        abort(404)
    require(do, programme)
    return programme


def _meeting(meeting_id: int, do: Do = Do.read) -> tuple[Meeting, Programme]:
    meeting = get_session().get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting, _programme(meeting.programme_id, do)


def _render_list(programme: Programme, form: dict[str, Any], errors: dict[str, str]) -> str:
    session = get_session()
    today = local_today(programme.timezone)
    meetings = meeting_service.list_meetings(session, programme.id)  # type: ignore[arg-type]
    return render_template(
        "meetings/index.html",
        programme=programme,
        planned=[m for m in reversed(meetings) if agenda_service.is_planned(m, today)],
        held=[m for m in meetings if not agenda_service.is_planned(m, today)],
        next_planned=agenda_service.next_planned_meeting(session, programme.id, today),  # type: ignore[arg-type]
        choices=owner_choices(session, programme.id),  # type: ignore[arg-type]
        form=form,
        errors=errors,
        can_manage=is_manager(current_access(), programme),
        today=today,
    )


def _attendee_ids(field: str) -> list[int]:
    """The ids a multiple select sent; one that cannot name a row is refused."""
    ids = [parse_id(v) for v in request.form.getlist(field)]
    if any(i is None for i in ids):
        raise meeting_service.MeetingError(gettext("Choose the attendees from the list."), field)
    return [i for i in ids if i is not None]


@bp.get("/programmes/<id:programme_id>/meetings")
def index(programme_id: int) -> str:
    programme = _programme(programme_id)
    today = local_today(programme.timezone)
    form: dict[str, Any] = {"held_on": today.isoformat(), "title": "", "attendees": "", "notes": ""}
    return _render_list(programme, form, {})


@bp.post("/programmes/<id:programme_id>/meetings")
def create(programme_id: int) -> Response | tuple[str, int]:
    """Record a meeting, or plan one (a date after today) with its expected attendees; a
    mistake re-shows the form with what was typed (422)."""
    programme = _programme(programme_id, Do.manage)
    form: dict[str, Any] = {
        k: request.form.get(k, "") for k in ("held_on", "title", "attendees", "notes")
    }
    form["user_ids"] = request.form.getlist("attendee_user")
    form["organisation_ids"] = request.form.getlist("attendee_organisation")
    session = get_session()
    today = local_today(programme.timezone)
    try:
        meeting = meeting_service.record_meeting(
            session,
            programme,
            held_on=parse_date(form["held_on"], "held_on"),
            title=form["title"],
            attendees=form["attendees"],
            notes=form["notes"],
            actor=signed_in_user(),
            today=today,
        )
        agenda_service.set_attendees(
            session,
            meeting,
            user_ids=_attendee_ids("attendee_user"),
            organisation_ids=_attendee_ids("attendee_organisation"),
            guests=form["attendees"],
        )
    except (meeting_service.MeetingError, workflow.InvalidChange) as exc:
        session.rollback()
        return _render_list(programme, form, {exc.field or "title": exc.message}), 422
    session.commit()
    if agenda_service.is_planned(meeting, today):
        flash(gettext("Meeting planned."), "info")
    else:
        flash(gettext("Meeting recorded."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/meetings/<id:meeting_id>")
def show(meeting_id: int) -> str:
    """The meeting pack: the state as of the meeting day, changes since the previous one."""
    meeting, programme = _meeting(meeting_id)
    return _render_meeting(meeting, programme, {}, {})


def _render_meeting(
    meeting: Meeting,
    programme: Programme,
    form: dict[str, str],
    errors: dict[str, str],
    *,
    typed: dict[int, dict[str, str]] | None = None,
    item_errors: dict[int, dict[str, str]] | None = None,
    stale: dict[int, workflow.StaleVersion] | None = None,
) -> str:
    """The meeting page; after a save that left items unrecorded, ``typed`` holds what was
    typed for them, ``item_errors`` why, and ``stale`` what changed meanwhile."""
    session = get_session()
    pack = pack_service.build_meeting_pack(session, meeting, limit=snapshot_service.LIST_LIMIT)
    ids = [item.action_id for item in pack.items]
    current = {a.id: a for a in session.exec(select(Action).where(col(Action.id).in_(ids)))}
    for action_id, exc in (stale or {}).items():
        current[action_id] = exc.current  # the version to save on top of, as it is now
    choices = owner_choices(session, programme.id)  # type: ignore[arg-type]
    owner_names = {f"user:{u.id}": u.name for u in choices.users} | {
        f"organisation:{o.id}": o.short_name for o in choices.organisations
    }
    today = local_today(programme.timezone)
    attendee_rows = agenda_service.list_attendees(session, meeting)
    assert programme.id is not None
    moment = snapshot_service.end_of_day(programme, meeting.held_on)
    return render_template(
        "meetings/show.html",
        edition_counts=edition_summary.count_latest_edition(session, programme.id, before=moment),
        repeated=edition_summary.list_repeated(session, programme.id, before=moment),
        criterion_charts=charts.criterion_charts(
            edition_summary.list_criterion_trends(session, programme.id, before=moment)
        ),
        meeting=meeting,
        programme=programme,
        pack=pack,
        previous=pack.previous,
        snapshot=pack.snapshot,
        changes=pack.changes,
        can_manage=is_manager(current_access(), programme),
        pdf_unavailable=meeting_documents.pdf_unavailable(),
        form=form,
        errors=errors,
        status_order=list(Status),
        planned=agenda_service.is_planned(meeting, today),
        current=current,
        choices=choices,
        owner_names=owner_names,
        typed=typed or {},
        item_errors=item_errors or {},
        stale=stale or {},
        attendee_user_ids=[str(a.user_id) for a in attendee_rows if a.user_id],
        attendee_org_ids=[str(a.organisation_id) for a in attendee_rows if a.organisation_id],
        statuses=list(Status),
    )


def _download_name(meeting: Meeting, programme: Programme, suffix: str) -> str:
    """``2025-06-14-cambodia-working-group.pdf``: ASCII, no quotes, for any browser."""
    words = re.sub(r"[^a-z0-9]+", "-", f"{programme.country} {meeting.title}".lower()).strip("-")
    return f"{meeting.held_on.isoformat()}-{words[:60].strip('-') or 'meeting'}.{suffix}"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/meetings/<id:meeting_id>/pack.pdf")
def pack_pdf(meeting_id: int) -> Response | tuple[str, int]:
    """The meeting pack as an A4 PDF; a server without WeasyPrint's libraries says what to
    install (503) and every other page keeps working."""
    meeting, programme = _meeting(meeting_id)
    hint = meeting_documents.pdf_unavailable()
    if hint:
        return render_template("meetings/pdf_unavailable.html", meeting=meeting, hint=hint), 503
    started = time.perf_counter()
    pack = pack_service.build_meeting_pack(get_session(), meeting)
    html = render_template(
        "meetings/pack.html",
        pack=pack,
        burnup_svg=meeting_documents.chart_for_pdf(
            charts.burnup_chart(
                pack.burnup,
                today=meeting.held_on,
                deadline=pack.deadline,
                history=pack.history,
                chart_id="pack-burnup",
            )
        ),
        bars_svg=meeting_documents.chart_for_pdf(
            charts.status_bars(pack.owners, chart_id="pack-owners")
        ),
        status_order=charts.STATUS_ORDER,
        static_base=meeting_documents.static_base_url(),
        printed_on=local_today(programme.timezone),
    )
    pdf = meeting_documents.render_pdf(html)
    current_app.logger.info(
        "meeting pack %s: %d bytes in %.2f s", meeting.id, len(pdf), time.perf_counter() - started
    )
    return _download(pdf, "application/pdf", _download_name(meeting, programme, "pdf"))


@bp.get("/meetings/<id:meeting_id>/minutes.docx")
def minutes_docx(meeting_id: int) -> Response:
    """The minutes as a Word document: attendees, decisions by action, notes."""
    meeting, programme = _meeting(meeting_id)
    pack = pack_service.build_meeting_pack(get_session(), meeting)
    body = meeting_documents.render_minutes_docx(pack, printed_on=local_today(programme.timezone))
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _download_name(meeting, programme, "docx"),
    )


@bp.get("/meetings/<id:meeting_id>/decide")
def decide(meeting_id: int) -> Response | str | tuple[str, int]:
    """The decision form for one action, showing its current state and version."""
    meeting, programme = _meeting(meeting_id, Do.manage)
    raw = (request.args.get("action_id") or "").strip()
    action_id = parse_id(raw)
    action = get_session().get(Action, action_id) if action_id else None
    if action is None or action.programme_id != programme.id:
        errors = {"action_id": gettext("There is no action %(id)s in this programme.", id=raw)}
        return _render_meeting(meeting, programme, {"action_id": raw}, errors), 422
    return _render_decide(meeting, programme, action, {}, {})


def _render_decide(
    meeting: Meeting,
    programme: Programme,
    action: Action,
    form: dict[str, Any],
    errors: dict[str, str],
) -> str:
    return render_template(
        "meetings/decide.html",
        meeting=meeting,
        programme=programme,
        action=action,
        choices=owner_choices(get_session(), programme.id),  # type: ignore[arg-type]
        statuses=list(Status),
        form=form,
        errors=errors,
    )


@bp.post("/meetings/<id:meeting_id>/decisions")
def record_decision(meeting_id: int) -> Response | tuple[str, int]:
    """Write the decision to the action through the workflow, naming the meeting."""
    meeting, programme = _meeting(meeting_id, Do.manage)
    session = get_session()
    form = {
        k: request.form.get(k, "")
        for k in ("action_id", "version", "status", "owner", "due_on", "comment")
    }
    action_id = parse_id(form["action_id"])
    action = session.get(Action, action_id) if action_id else None
    if action_id is None or action is None or action.programme_id != programme.id:
        abort(404)
    actor = signed_in_user()
    assert actor is not None
    try:
        status = Status(form["status"]) if form["status"] else None
        decision = meeting_service.Decision(
            status=status,
            owner=parse_owner(form["owner"]),
            due_on=parse_date(form["due_on"], "due_on"),
            comment=form["comment"],
        )
        version = int(form["version"]) if form["version"].isdigit() else -1
        meeting_service.apply_decision(session, meeting, action_id, actor, version, decision)
    except ValueError:
        session.rollback()
        errors = {"status": gettext("Choose a status from the list.")}
        return _render_decide(meeting, programme, action, form, errors), 422
    except workflow.StaleVersion as exc:
        session.rollback()
        errors = {"form": exc.message}
        return _render_decide(meeting, programme, exc.current, form, errors), 409
    except workflow.Forbidden as exc:
        session.rollback()
        abort(403, description=exc.message)
    except workflow.WorkflowError as exc:
        session.rollback()
        errors = {exc.field or "form": exc.message}
        return _render_decide(meeting, programme, action, form, errors), 422
    session.commit()
    flash(gettext("Decision recorded on action %(id)s.", id=action_id), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#decisions")


# --------------------------------------------------------------------------- the session


def _back(meeting: Meeting, anchor: str = "agenda") -> Response:
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + f"#{anchor}", code=303)


@bp.post("/meetings/<id:meeting_id>/record")
def update_record(meeting_id: int) -> Response | tuple[str, int]:
    """Title, date, attendees (people, organisations, guests) and notes of the meeting."""
    meeting, programme = _meeting(meeting_id, Do.manage)
    session = get_session()
    form = {k: request.form.get(k, "") for k in ("held_on", "title", "attendees", "notes")}
    try:
        meeting_service.update_record(
            session,
            meeting,
            title=form["title"],
            held_on=parse_date(form["held_on"], "held_on"),
            notes=form["notes"],
        )
        agenda_service.set_attendees(
            session,
            meeting,
            user_ids=_attendee_ids("attendee_user"),
            organisation_ids=_attendee_ids("attendee_organisation"),
            guests=form["attendees"],
        )
    except (meeting_service.MeetingError, workflow.InvalidChange) as exc:
        session.rollback()
        errors = {exc.field or "title": exc.message}
        return _render_meeting(meeting, programme, form, errors), 422
    session.commit()
    flash(gettext("Meeting record saved."), "info")
    return _back(meeting, "record")


@bp.post("/meetings/<id:meeting_id>/agenda/prepare")
def prepare_agenda(meeting_id: int) -> Response:
    """Add to the agenda what the programme proposes (overdue, blocked, due soon, changed,
    repeated); items already there keep their place."""
    meeting, programme = _meeting(meeting_id, Do.manage)
    session = get_session()
    added = agenda_service.prepare_agenda(session, meeting, local_today(programme.timezone))
    session.commit()
    flash(
        ngettext("%(num)s item added to the agenda.", "%(num)s items added to the agenda.", added),
        "info",
    )
    return _back(meeting)


@bp.post("/meetings/<id:meeting_id>/agenda/add")
def add_agenda_item(meeting_id: int) -> Response | tuple[str, int]:
    meeting, programme = _meeting(meeting_id, Do.manage)
    session = get_session()
    raw = (request.form.get("action_id") or "").strip()
    action_id = parse_id(raw)
    try:
        if action_id is None:
            raise agenda_service.AgendaError(
                gettext("There is no action %(id)s in this programme.", id=raw[:20])
            )
        agenda_service.add_agenda_item(session, meeting, action_id)
    except agenda_service.AgendaError as exc:
        session.rollback()
        return _render_meeting(meeting, programme, {"action_id": raw}, {"action_id": str(exc)}), 422
    session.commit()
    return _back(meeting)


@bp.post("/meetings/<id:meeting_id>/agenda/<id:action_id>/remove")
def remove_agenda_item(meeting_id: int, action_id: int) -> Response:
    meeting, _ = _meeting(meeting_id, Do.manage)
    session = get_session()
    agenda_service.remove_agenda_item(session, meeting, action_id)
    session.commit()
    return _back(meeting)


@bp.post("/meetings/<id:meeting_id>/agenda/<id:action_id>/move")
def move_agenda_item(meeting_id: int, action_id: int) -> Response:
    meeting, _ = _meeting(meeting_id, Do.manage)
    session = get_session()
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        agenda_service.move_agenda_item(session, meeting, action_id, step)
    except agenda_service.AgendaError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(meeting)
    session.commit()
    return _back(meeting, f"item-{action_id}")


DECISION_FIELDS = ("version", "status", "owner", "due_on", "comment")


def _decision_entry(action_id: int, typed: dict[str, str]) -> agenda_service.DecisionEntry:
    """One item's typed fields as a decision; a malformed field raises InvalidChange."""
    version = (typed["version"] or "").strip()
    if not (version.isascii() and version.isdigit()) or len(version) > 12:
        raise workflow.InvalidChange(
            gettext("The form is missing its version; reload the page."), "form"
        )
    status = typed["status"].strip()
    decision = meeting_service.Decision(
        status=workflow.parse_status(status) if status else None,
        owner=parse_owner(typed["owner"]),
        due_on=parse_date(typed["due_on"], "due_on"),
        comment=typed["comment"],
    )
    return agenda_service.DecisionEntry(action_id, int(version), decision)


@bp.post("/meetings/<id:meeting_id>/agenda/decisions")
def record_agenda_decisions(meeting_id: int) -> Response | tuple[str, int]:
    """One save for every decision of the page, each through the workflow in its own
    savepoint: the others are recorded when one is stale (409) or refused (422), and the
    page comes back with what was typed for those."""
    meeting, programme = _meeting(meeting_id, Do.manage)
    session = get_session()
    actor = signed_in_user()
    assert actor is not None
    on_agenda = {item.action_id for item in agenda_service.list_agenda(session, meeting.id)}  # type: ignore[arg-type]
    typed: dict[int, dict[str, str]] = {}
    item_errors: dict[int, dict[str, str]] = {}
    entries: list[agenda_service.DecisionEntry] = []
    for raw in request.form.getlist("item"):
        action_id = parse_id(raw)
        if action_id is None or action_id not in on_agenda or action_id in typed:
            continue
        fields = {f: request.form.get(f"d-{action_id}-{f}", "") for f in DECISION_FIELDS}
        typed[action_id] = fields
        try:
            entries.append(_decision_entry(action_id, fields))
        except workflow.InvalidChange as exc:
            item_errors[action_id] = {exc.field or "form": exc.message}
    result = agenda_service.record_decisions(session, meeting, actor, entries)
    for action_id, refusal in result.refused.items():
        field = refusal.field if refusal.field in DECISION_FIELDS else "comment"
        item_errors[action_id] = {field: refusal.message}
    session.commit()
    recorded = len(result.recorded)
    if recorded:
        flash(
            ngettext("%(num)s decision recorded.", "%(num)s decisions recorded.", recorded), "info"
        )
    if not result.stale and not item_errors:
        if not recorded:
            flash(gettext("Nothing to record: no decision was typed."), "warning")
        return _back(meeting)
    kept = {a: typed[a] for a in (*result.stale, *item_errors)}
    for action_id in result.stale:
        kept[action_id]["version"] = str(result.stale[action_id].current.version)
    page = _render_meeting(
        meeting, programme, {}, {}, typed=kept, item_errors=item_errors, stale=result.stale
    )
    return page, 409 if result.stale else 422
