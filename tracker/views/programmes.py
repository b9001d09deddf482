"""Programmes: overview, the treaty deadline page and its forms.

Coordinators record deadline requests, decisions and corrections here. The import
page is in ``imports.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from ..auth import audit_actor, current_access, require_programme, required_user
from ..db import get_session
from ..formatting import local_today
from ..models import DeadlineChange, DeadlineKind, Programme, User
from ..services import overview as overview_service
from ..services import policy
from ..services import programmes as programme_service
from ..services.workflow import InvalidChange
from .forms import parse_date

bp = Blueprint("programmes", __name__)

MAX_NOTE = 4000
MAX_SHORT = 300


def _programme(programme_id: int, do: policy.Do = policy.Do.read) -> Programme:
    """The programme, if the signed-in person may ``do`` this to it (else 404 or 403)."""
    return require_programme(programme_id, do)[0]


@bp.get("/programmes")
@login_required
def index() -> str:
    session = get_session()
    return render_template(
        "programmes/index.html",
        overviews=overview_service.list_programme_lines(session, current_access()),
        can_import=policy.can_import(current_access()),
    )


@bp.get("/programmes/<id:programme_id>")
@login_required
def detail(programme_id: int) -> str:
    session = get_session()
    programme = _programme(programme_id)
    overview = overview_service.programme_overview(session, programme)
    return render_template(
        "programmes/detail.html",
        o=overview,
        can_manage=policy.is_manager(current_access(), programme),
    )


# --------------------------------------------------------------------------- deadline


def _render_deadline(
    programme: Programme,
    *,
    forms: dict[str, dict[str, str]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    code: int = 200,
) -> tuple[str, int]:
    session = get_session()
    assert programme.id is not None
    history = programme_service.deadline_history(session, programme.id)
    html = render_template(
        "programmes/deadline.html",
        programme=programme,
        today=local_today(programme.timezone),
        deadline=programme_service.current_deadline(session, programme.id),
        history=history,
        pending=[c for c in history if c.decided_on is None and c.kind != DeadlineKind.original],
        following=programme_service.count_following_actions(session, programme.id),
        can_manage=policy.can_manage_deadlines(current_access(), programme),
        forms=forms or {},
        errors=errors or {},
    )
    return html, code


@bp.get("/programmes/<id:programme_id>/deadline")
@login_required
def deadline(programme_id: int) -> tuple[str, int]:
    return _render_deadline(_programme(programme_id))


def _require_deadline_rights(programme: Programme) -> User:
    user = required_user()
    if not policy.can_manage_deadlines(current_access(), programme):
        abort(403, description=gettext("Only a coordinator or an admin can record deadlines."))
    return user


def _text(form: dict[str, str], name: str, limit: int, *, required: bool = False) -> str | None:
    value = form.get(name, "").strip()
    if required and not value:
        raise InvalidChange(gettext("This is required."), name)
    if len(value) > limit:
        raise InvalidChange(gettext("At most %(limit)s characters.", limit=f"{limit:,}"), name)
    return value or None


def _day(
    form: dict[str, str], name: str, today: dt.date, *, required: bool = False
) -> dt.date | None:
    """A date from the form; a decision or request cannot be in the future."""
    value = parse_date(form.get(name), name)
    if value is None:
        if required:
            raise InvalidChange(gettext("Give a date."), name)
        return None
    if value.year < 1990 or value.year > 2100:
        raise InvalidChange(gettext("This date is out of range."), name)
    if name in ("requested_on", "decided_on") and value > today:
        raise InvalidChange(gettext("This date is in the future."), name)
    return value


def _deadline_post(programme_id: int, form_name: str, record: Any) -> Response | tuple[str, int]:
    """Run one deadline form: 303 back to the page, or 422 with the form as typed."""
    programme = _programme(programme_id)
    actor = _require_deadline_rights(programme)
    session = get_session()
    typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        result = record(session, programme, typed, actor, local_today(programme.timezone))
    except (InvalidChange, programme_service.DeadlineError) as refused:
        session.rollback()
        field = getattr(refused, "field", None) or "form"
        return _render_deadline(
            programme,
            forms={form_name: typed},
            errors={form_name: {field: str(refused)}},
            code=422,
        )
    session.commit()
    message = gettext("Recorded.")
    if result.moved_actions:
        message += " " + gettext(
            "%(count)s open actions now follow the new deadline.", count=result.moved_actions
        )
    flash(message, "info")
    return redirect(url_for("programmes.deadline", programme_id=programme_id), code=303)


def _record_request(
    session: Any, programme: Programme, form: dict[str, str], actor: User, today: dt.date
) -> Any:
    return programme_service.record_deadline_change(
        session,
        programme,
        kind=DeadlineKind.extension,
        new_on=_day(form, "new_on", today, required=True),  # type: ignore[arg-type]
        requested_on=_day(form, "requested_on", today, required=True),
        source=_text(form, "source", 500),
        note=_text(form, "note", MAX_NOTE),
        actor=actor,
        audit=audit_actor(),
    )


def _record_correction(
    session: Any, programme: Programme, form: dict[str, str], actor: User, today: dt.date
) -> Any:
    return programme_service.record_deadline_change(
        session,
        programme,
        kind=DeadlineKind.correction,
        new_on=_day(form, "new_on", today, required=True),  # type: ignore[arg-type]
        decided_on=_day(form, "decided_on", today, required=True),
        decided_by=_text(form, "decided_by", MAX_SHORT, required=True),
        source=_text(form, "source", 500),
        note=_text(form, "note", MAX_NOTE, required=True),
        actor=actor,
        audit=audit_actor(),
    )


@bp.post("/programmes/<id:programme_id>/deadline/request")
@login_required
def record_request(programme_id: int) -> Response | tuple[str, int]:
    """Record an extension request: it moves nothing until it is decided."""
    return _deadline_post(programme_id, "request", _record_request)


@bp.post("/programmes/<id:programme_id>/deadline/correction")
@login_required
def record_correction(programme_id: int) -> Response | tuple[str, int]:
    """Correct the deadline (a mistake in the record); following actions move with it."""
    return _deadline_post(programme_id, "correction", _record_correction)


@bp.post("/programmes/<id:programme_id>/deadline/<id:change_id>/decision")
@login_required
def record_decision(programme_id: int, change_id: int) -> Response | tuple[str, int]:
    """Record the decision on a pending request: granted moves the deadline, refused does not."""
    _programme(programme_id)
    change = get_session().get(DeadlineChange, change_id)
    if change is None or change.programme_id != programme_id:
        abort(404)

    def decide(
        session: Any, programme: Programme, form: dict[str, str], actor: User, today: dt.date
    ) -> Any:
        outcome = form.get("outcome", "")
        if outcome not in ("granted", "refused"):
            raise InvalidChange(gettext("Choose granted or refused."), "outcome")
        return programme_service.record_deadline_decision(
            session,
            change,
            decided_on=_day(form, "decided_on", today, required=True),  # type: ignore[arg-type]
            decided_by=_text(form, "decided_by", MAX_SHORT, required=True),
            refused=outcome == "refused",
            note=_text(form, "note", MAX_NOTE),
            actor=actor,
            audit=audit_actor(),
        )

    return _deadline_post(programme_id, f"decision-{change_id}", decide)
