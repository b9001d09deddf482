"""The list of a programme's meetings, recording or planning one, the meeting page, and
the one-action decision form."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ...auth import current_access, signed_in_user
from ...db import get_session
from ...formatting import local_today
from ...models import Action, Meeting, Programme, Status
from ...services import agenda as agenda_service
from ...services import meetings as meeting_service
from ...services import workflow
from ...services.listing import owner_choices
from ...services.policy import Do, is_manager
from ..forms import parse_date, parse_id, parse_owner
from .common import bp, load_meeting, load_programme, render_meeting, set_attendees_from_form


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


@bp.get("/programmes/<id:programme_id>/meetings")
def index(programme_id: int) -> str:
    programme = load_programme(programme_id)
    today = local_today(programme.timezone)
    form: dict[str, Any] = {"held_on": today.isoformat(), "title": "", "attendees": "", "notes": ""}
    return _render_list(programme, form, {})


@bp.post("/programmes/<id:programme_id>/meetings")
def create(programme_id: int) -> Response | tuple[str, int]:
    """Record a meeting, or plan one (a date after today) with its expected attendees; a
    mistake re-shows the form with what was typed (422)."""
    programme = load_programme(programme_id, Do.manage)
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
        set_attendees_from_form(session, meeting, guests=form["attendees"])
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
    meeting, programme = load_meeting(meeting_id)
    return render_meeting(meeting, programme, {}, {})


@bp.get("/meetings/<id:meeting_id>/decide")
def decide(meeting_id: int) -> Response | str | tuple[str, int]:
    """The decision form for one action, showing its current state and version."""
    meeting, programme = load_meeting(meeting_id, Do.manage)
    raw = (request.args.get("action_id") or "").strip()
    action_id = parse_id(raw)
    action = get_session().get(Action, action_id) if action_id else None
    if action is None or action.programme_id != programme.id:
        errors = {"action_id": gettext("There is no action %(id)s in this programme.", id=raw)}
        return render_meeting(meeting, programme, {"action_id": raw}, errors), 422
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
    meeting, programme = load_meeting(meeting_id, Do.manage)
    session = get_session()
    form = {
        k: request.form.get(k, "")
        for k in ("action_id", "version", "status", "owner", "due_on", "comment", "verdict")
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
            verdict=workflow.parse_verdict(form["verdict"]),
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
