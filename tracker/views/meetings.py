"""Review meetings: the list, recording one, the meeting page and its decisions."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from .. import charts, meeting_documents
from ..auth import roles_required, signed_in_user
from ..db import get_session
from ..formatting import local_today
from ..models import Action, Meeting, Programme, Role, Status
from ..services import meeting_pack as pack_service
from ..services import meetings as meeting_service
from ..services import snapshot as snapshot_service
from ..services import workflow
from ..services.listing import owner_choices
from ..services.policy import is_manager
from .forms import parse_date, parse_id, parse_owner

bp = Blueprint("meetings", __name__)
MANAGERS = (Role.coordinator, Role.admin)


def _programme(programme_id: int) -> Programme:
    programme = get_session().get(Programme, programme_id)
    if programme is None:
        abort(404)
    return programme


def _meeting(meeting_id: int) -> tuple[Meeting, Programme]:
    meeting = get_session().get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting, _programme(meeting.programme_id)


def _render_list(programme: Programme, form: dict[str, str], errors: dict[str, str]) -> str:
    session = get_session()
    return render_template(
        "meetings/index.html",
        programme=programme,
        meetings=meeting_service.list_meetings(session, programme.id),  # type: ignore[arg-type]
        form=form,
        errors=errors,
        can_manage=is_manager(signed_in_user()),
        today=local_today(programme.timezone),
    )


@bp.get("/programmes/<int:programme_id>/meetings")
def index(programme_id: int) -> str:
    programme = _programme(programme_id)
    today = local_today(programme.timezone)
    form = {"held_on": today.isoformat(), "title": "", "attendees": "", "notes": ""}
    return _render_list(programme, form, {})


@bp.post("/programmes/<int:programme_id>/meetings")
@roles_required(*MANAGERS)
def create(programme_id: int) -> Response | tuple[str, int]:
    """Record a meeting; a mistake re-shows the form with what was typed (422)."""
    programme = _programme(programme_id)
    form = {k: request.form.get(k, "") for k in ("held_on", "title", "attendees", "notes")}
    session = get_session()
    try:
        meeting = meeting_service.record_meeting(
            session,
            programme,
            held_on=parse_date(form["held_on"], "held_on"),
            title=form["title"],
            attendees=form["attendees"],
            notes=form["notes"],
            actor=signed_in_user(),
            today=local_today(programme.timezone),
        )
    except (meeting_service.MeetingError, workflow.InvalidChange) as exc:
        session.rollback()
        return _render_list(programme, form, {exc.field or "title": exc.message}), 422
    session.commit()
    flash(gettext("Meeting recorded."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>")
def show(meeting_id: int) -> str:
    """The meeting pack: the state as of the meeting day, changes since the previous one."""
    meeting, programme = _meeting(meeting_id)
    return _render_meeting(meeting, programme, {}, {})


def _render_meeting(
    meeting: Meeting, programme: Programme, form: dict[str, str], errors: dict[str, str]
) -> str:
    pack = pack_service.build_meeting_pack(
        get_session(), meeting, limit=snapshot_service.LIST_LIMIT
    )
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        programme=programme,
        pack=pack,
        previous=pack.previous,
        snapshot=pack.snapshot,
        changes=pack.changes,
        can_manage=is_manager(signed_in_user()),
        pdf_unavailable=meeting_documents.pdf_unavailable(),
        form=form,
        errors=errors,
        status_order=list(Status),
    )


def _download_name(meeting: Meeting, programme: Programme, suffix: str) -> str:
    """``2025-06-14-cambodia-working-group.pdf``: ASCII, no quotes, for any browser."""
    words = re.sub(r"[^a-z0-9]+", "-", f"{programme.country} {meeting.title}".lower()).strip("-")
    return f"{meeting.held_on.isoformat()}-{words[:60].strip('-') or 'meeting'}.{suffix}"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/meetings/<int:meeting_id>/pack.pdf")
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


@bp.get("/meetings/<int:meeting_id>/minutes.docx")
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


@bp.get("/meetings/<int:meeting_id>/decide")
@roles_required(*MANAGERS)
def decide(meeting_id: int) -> Response | str | tuple[str, int]:
    """The decision form for one action, showing its current state and version."""
    meeting, programme = _meeting(meeting_id)
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
        choices=owner_choices(get_session()),
        statuses=list(Status),
        form=form,
        errors=errors,
    )


@bp.post("/meetings/<int:meeting_id>/decisions")
@roles_required(*MANAGERS)
def record_decision(meeting_id: int) -> Response | tuple[str, int]:
    """Write the decision to the action through the workflow, naming the meeting."""
    meeting, programme = _meeting(meeting_id)
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
