"""The organisations: the list, adding one, editing one and its focal point."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ...auth import audit_actor
from ...db import get_session
from ...models import Organisation
from ...services import organisations as organisation_service
from ...services import users as user_service
from .common import bp


@bp.get("/organisations")
def organisations() -> str:
    rows = organisation_service.list_organisations(get_session())
    return render_template("admin/organisations.html", rows=rows)


def _read_organisation_form() -> dict[str, str]:
    return {
        "name": request.form.get("name", "")[:500],
        "short_name": request.form.get("short_name", "")[:500],
        "focal_point": request.form.get("focal_point", "")[:20],
    }


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation() -> Response | str | tuple[str, int]:
    return _organisation_form(None)


@bp.route("/organisations/<id:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int) -> Response | str | tuple[str, int]:
    organisation = get_session().get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return _organisation_form(organisation)


def _organisation_form(organisation: Organisation | None) -> Response | str | tuple[str, int]:
    """The add and edit form: saved and back to the list, or shown again with its errors."""
    focal = organisation.focal_point_user_id if organisation else None
    form = {
        "name": organisation.name if organisation else "",
        "short_name": organisation.short_name if organisation else "",
        "focal_point": str(focal or ""),
    }
    errors: dict[str, str] = {}
    session = get_session()
    members = organisation_service.active_members(session, organisation) if organisation else []
    if request.method == "POST":
        form = _read_organisation_form()
        names = {"name": form["name"], "short_name": form["short_name"]}
        try:
            if organisation is None:
                saved = organisation_service.create_organisation(
                    session, **names, audit=audit_actor()
                )
                message = gettext("Added %(name)s.", name=saved.name)
            else:
                saved = organisation_service.update_organisation(
                    session, organisation, **names, audit=audit_actor()
                )
                chosen = form["focal_point"].strip()
                if chosen and not chosen.isdigit():
                    raise user_service.UserError(
                        gettext("choose an active member of this organisation"), "focal_point"
                    )
                organisation_service.set_focal_point(
                    session, saved, int(chosen) if chosen else None, audit=audit_actor()
                )
                message = gettext("Saved %(name)s.", name=saved.name)
        except user_service.UserError as exc:
            session.rollback()
            errors[exc.field or "name"] = str(exc)
        else:
            session.commit()
            flash(message, "info")
            return redirect(url_for("admin.organisations"))
    template = render_template(
        "admin/organisation_form.html", form=form, errors=errors, organisation=organisation,
        members=members,
    )  # fmt: skip
    return template, 422 if errors else 200
