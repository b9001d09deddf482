"""The meeting session: its record (title, date, attendees, notes), the agenda, and the
one save of every decision on the page."""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext, ngettext
from werkzeug.wrappers import Response

from ...auth import signed_in_user
from ...db import get_session
from ...formatting import local_today
from ...services import agenda as agenda_service
from ...services import meetings as meeting_service
from ...services import workflow
from ...services.policy import Do
from ..forms import parse_date, parse_id, parse_owner
from .common import back_to_meeting, bp, load_meeting, render_meeting, set_attendees_from_form


@bp.post("/meetings/<id:meeting_id>/record")
def update_record(meeting_id: int) -> Response | tuple[str, int]:
    """Title, date, attendees (people, organisations, guests) and notes of the meeting."""
    meeting, programme = load_meeting(meeting_id, Do.manage)
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
        set_attendees_from_form(session, meeting, guests=form["attendees"])
    except (meeting_service.MeetingError, workflow.InvalidChange) as exc:
        session.rollback()
        errors = {exc.field or "title": exc.message}
        return render_meeting(meeting, programme, form, errors), 422
    session.commit()
    flash(gettext("Meeting record saved."), "info")
    return back_to_meeting(meeting, "record")


@bp.post("/meetings/<id:meeting_id>/agenda/prepare")
def prepare_agenda(meeting_id: int) -> Response:
    """Add to the agenda what the programme proposes (overdue, blocked, due soon, changed,
    repeated); items already there keep their place."""
    meeting, programme = load_meeting(meeting_id, Do.manage)
    session = get_session()
    added = agenda_service.prepare_agenda(session, meeting, local_today(programme.timezone))
    session.commit()
    flash(
        ngettext("%(num)s item added to the agenda.", "%(num)s items added to the agenda.", added),
        "info",
    )
    return back_to_meeting(meeting)


@bp.post("/meetings/<id:meeting_id>/agenda/add")
def add_agenda_item(meeting_id: int) -> Response | tuple[str, int]:
    meeting, programme = load_meeting(meeting_id, Do.manage)
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
        return render_meeting(meeting, programme, {"action_id": raw}, {"action_id": str(exc)}), 422
    session.commit()
    return back_to_meeting(meeting)


@bp.post("/meetings/<id:meeting_id>/agenda/<id:action_id>/remove")
def remove_agenda_item(meeting_id: int, action_id: int) -> Response:
    meeting, _ = load_meeting(meeting_id, Do.manage)
    session = get_session()
    agenda_service.remove_agenda_item(session, meeting, action_id)
    session.commit()
    return back_to_meeting(meeting)


@bp.post("/meetings/<id:meeting_id>/agenda/<id:action_id>/move")
def move_agenda_item(meeting_id: int, action_id: int) -> Response:
    meeting, _ = load_meeting(meeting_id, Do.manage)
    session = get_session()
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        agenda_service.move_agenda_item(session, meeting, action_id, step)
    except agenda_service.AgendaError as exc:
        session.rollback()
        flash(str(exc), "error")
        return back_to_meeting(meeting)
    session.commit()
    return back_to_meeting(meeting, f"item-{action_id}")


DECISION_FIELDS = ("version", "status", "owner", "due_on", "comment", "verdict")


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
        verdict=workflow.parse_verdict(typed["verdict"]),
    )
    return agenda_service.DecisionEntry(action_id, int(version), decision)


@bp.post("/meetings/<id:meeting_id>/agenda/decisions")
def record_agenda_decisions(meeting_id: int) -> Response | tuple[str, int]:
    """One save for every decision of the page, each through the workflow in its own
    savepoint: the others are recorded when one is stale (409) or refused (422), and the
    page comes back with what was typed for those."""
    meeting, programme = load_meeting(meeting_id, Do.manage)
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
        field = "verdict" if refusal.field == "verification" else refusal.field
        field = field if field in DECISION_FIELDS else "comment"
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
        return back_to_meeting(meeting)
    kept = {a: typed[a] for a in (*result.stale, *item_errors)}
    for action_id in result.stale:
        kept[action_id]["version"] = str(result.stale[action_id].current.version)
    page = render_meeting(
        meeting, programme, {}, {}, typed=kept, item_errors=item_errors, stale=result.stale
    )
    return page, 409 if result.stale else 422
