"""The meetings blueprint and what its pages share: finding the meeting the signed-in
person may see, the attendee lists a form sent, and the meeting page itself."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from ... import charts, meeting_documents
from ...auth import current_access, require_programme
from ...db import get_session
from ...formatting import local_today
from ...models import Action, Meeting, Programme, Status
from ...services import agenda as agenda_service
from ...services import edition_summary, workflow
from ...services import meeting_pack as pack_service
from ...services import meetings as meeting_service
from ...services import snapshot as snapshot_service
from ...services.listing import owner_choices
from ...services.policy import Do, is_manager
from ..forms import parse_id

bp = Blueprint("meetings", __name__)


def load_programme(programme_id: int, do: Do = Do.read) -> Programme:
    """The programme, if the signed-in person may ``do`` this to it (else 404 or 403)."""
    return require_programme(programme_id, do)[0]


def load_meeting(meeting_id: int, do: Do = Do.read) -> tuple[Meeting, Programme]:
    meeting = get_session().get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting, load_programme(meeting.programme_id, do)


def _attendee_ids(field: str) -> list[int]:
    """The ids a multiple select sent; one that cannot name a row is refused."""
    ids = [parse_id(v) for v in request.form.getlist(field)]
    if any(i is None for i in ids):
        raise meeting_service.MeetingError(gettext("Choose the attendees from the list."), field)
    return [i for i in ids if i is not None]


def set_attendees_from_form(session: Session, meeting: Meeting, *, guests: str) -> None:
    """The meeting's list as the form's people and organisations selects and its guests
    field give it (recording a meeting and changing its record both send them)."""
    agenda_service.set_attendees(
        session,
        meeting,
        user_ids=_attendee_ids("attendee_user"),
        organisation_ids=_attendee_ids("attendee_organisation"),
        guests=guests,
    )


def render_meeting(
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


def back_to_meeting(meeting: Meeting, anchor: str = "agenda") -> Response:
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + f"#{anchor}", code=303)
