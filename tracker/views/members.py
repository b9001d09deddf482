"""A programme's members and taking-part organisations (issue 11).

Admins manage every programme; a programme's coordinators manage its own, never
making anyone an admin or more than a coordinator (``services.memberships``).
Outside the programme the pages are 404, inside them without the coordinator role 403.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ..auth import audit_actor, require_programme
from ..db import get_session
from ..models import Organisation, Programme, User
from ..services import memberships, verifiers
from ..services import users as user_service
from ..services.policy import PROGRAMME_ROLES, Access, Do

bp = Blueprint("members", __name__)


def _programme(programme_id: int) -> tuple[Programme, Access]:
    """Every page here manages the programme's members."""
    return require_programme(programme_id, Do.manage_members)


def _render(
    programme: Programme,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    code: int = 200,
) -> tuple[str, int]:
    session = get_session()
    html = render_template(
        "programmes/members.html",
        programme=programme,
        members=memberships.list_members(session, programme),
        organisations=memberships.list_taking_part(session, programme),
        others=memberships.organisations_not_taking_part(session, programme),
        roles=PROGRAMME_ROLES,
        form=form or {"email": "", "role": "owner", "organisation_id": ""},
        errors=errors or {},
    )
    return html, code


def _back(programme_id: int) -> Response:
    return redirect(url_for("members.index", programme_id=programme_id), code=303)


@bp.get("/programmes/<id:programme_id>/members")
def index(programme_id: int) -> tuple[str, int]:
    programme, _access = _programme(programme_id)
    return _render(programme)


@bp.post("/programmes/<id:programme_id>/members")
def add_member(programme_id: int) -> Response | tuple[str, int]:
    """Add a member by e-mail, or change their role; a mistake is 422 with what was typed."""
    programme, access = _programme(programme_id)
    session = get_session()
    form = {"email": request.form.get("email", "").strip(), "role": request.form.get("role", "")}
    try:
        role = memberships.parse_programme_role(form["role"])
        user = user_service.find_user_by_email(session, form["email"]) if form["email"] else None
        if user is None:
            raise memberships.MembershipError(
                gettext("There is no account with this e-mail address; an admin creates accounts."),
                "email",
            )
        change = memberships.add_member(
            session, user, programme, role, actor=access, audit=audit_actor()
        )
    except memberships.MembershipError as exc:
        session.rollback()
        return _render(programme, form=form, errors={exc.field or "email": exc.message}, code=422)
    session.commit()
    flash(gettext("%(name)s: %(change)s.", name=user.name, change=change.describe()), "info")
    return _back(programme_id)


@bp.post("/programmes/<id:programme_id>/members/<id:user_id>/remove")
def remove_member(programme_id: int, user_id: int) -> Response | tuple[str, int]:
    """End a membership; their open actions here show as unassigned until reassigned."""
    programme, access = _programme(programme_id)
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    try:
        memberships.remove_member(session, user, programme, actor=access, audit=audit_actor())
    except memberships.MembershipError as exc:
        session.rollback()
        return _render(programme, errors={"members": exc.message}, code=422)
    session.commit()
    flash(gettext("%(name)s no longer belongs to this programme.", name=user.name), "info")
    return _back(programme_id)


@bp.post("/programmes/<id:programme_id>/organisations")
def add_organisation(programme_id: int) -> Response | tuple[str, int]:
    programme, access = _programme(programme_id)
    session = get_session()
    raw = request.form.get("organisation_id", "").strip()
    organisation = session.get(Organisation, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if organisation is None:
        errors = {"organisation_id": gettext("Choose an organisation from the list.")}
        form = {"email": "", "role": "owner", "organisation_id": raw}
        return _render(programme, form=form, errors=errors, code=422)
    memberships.add_organisation(
        session, organisation, programme, actor=access, audit=audit_actor()
    )
    session.commit()
    flash(gettext("%(name)s takes part.", name=organisation.short_name), "info")
    return _back(programme_id)


@bp.post("/programmes/<id:programme_id>/organisations/<id:organisation_id>/remove")
def remove_organisation(programme_id: int, organisation_id: int) -> Response:
    programme, access = _programme(programme_id)
    session = get_session()
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    memberships.set_participation(
        session, organisation, programme, False, actor=access, audit=audit_actor()
    )
    session.commit()
    flash(gettext("%(name)s no longer takes part.", name=organisation.short_name), "info")
    return _back(programme_id)


# --------------------------------------------------------------------------- verification


def _yes(name: str) -> bool:
    return request.form.get(name, "") in ("1", "on", "yes", "true")


@bp.post("/programmes/<id:programme_id>/verification")
def set_verification(programme_id: int) -> Response:
    """Require verification of what is reported implemented, or not (issue 14)."""
    programme, access = _programme(programme_id)
    session = get_session()
    required = _yes("requires_verification")
    verifiers.set_requires_verification(
        session, programme, required, actor=access, audit=audit_actor()
    )
    session.commit()
    flash(
        gettext("Implemented now counts once verified; what was already implemented still counts.")
        if required
        else gettext("Implemented now counts as reported, without verification."),
        "info",
    )
    return _back(programme_id)


@bp.post("/programmes/<id:programme_id>/members/<id:user_id>/verifier")
def set_verifier(programme_id: int, user_id: int) -> Response | tuple[str, int]:
    """Name a member a verifier of the programme, or no longer (issue 14)."""
    programme, access = _programme(programme_id)
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    verifies = _yes("verifies")
    try:
        verifiers.set_verifier(
            session, user, programme, verifies, actor=access, audit=audit_actor()
        )
    except memberships.MembershipError as exc:
        session.rollback()
        return _render(programme, errors={"members": exc.message}, code=422)
    session.commit()
    flash(
        gettext("%(name)s verifies here.", name=user.name)
        if verifies
        else gettext("%(name)s no longer verifies here.", name=user.name),
        "info",
    )
    return _back(programme_id)
