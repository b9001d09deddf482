"""Administration pages: users and organisations. Admins only, every route.

The role check is a ``before_request`` of the blueprint, so a page added here later
cannot be left open by forgetting a decorator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from pydantic import ValidationError
from sqlmodel import Field, Session, SQLModel
from werkzeug.wrappers import Response

from ..auth import audit_actor, role_refusal, signed_in_user
from ..db import get_session
from ..mail import MailSettings
from ..models import Organisation, Role, User, utcnow
from ..services import account_mail
from ..services import audit as audit_service
from ..services import organisations as organisation_service
from ..services import users as user_service
from ..services.workflow import InvalidChange
from .forms import MAX_ID, parse_date, parse_id
from .streaming import streamed

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserInput(SQLModel):
    """What the user form may hold, before the account rules in the service."""

    email: str = Field(min_length=3, max_length=254)
    name: str = Field(default="", max_length=200)
    role: Role
    # Range-checked like every id (views/forms.MAX_ID): a larger one names no row.
    organisation_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    active: bool = True
    language: str | None = Field(default=None, max_length=16)

    def organisation(self, session: Session) -> Organisation | None:
        """The organisation chosen, None for none (or, before the form's check, unknown)."""
        return session.get(Organisation, self.organisation_id) if self.organisation_id else None


FIELD_MESSAGES: dict[str, Any] = {
    "email": lazy_gettext("Enter an e-mail address of at most 254 characters."),
    "name": lazy_gettext("Enter a name of at most 200 characters."),
    "role": lazy_gettext("Choose one of the roles."),
    "organisation_id": lazy_gettext("Choose an organisation from the list."),
    "language": lazy_gettext("Choose one of the languages offered."),
}


@bp.before_request
def _admins_only() -> None:
    user = signed_in_user()
    if user is None or user.role != Role.admin:
        abort(403, description=role_refusal(user, (Role.admin,)) if user else None)


def _me() -> User:
    user = signed_in_user()
    assert user is not None
    return user


def _organisations() -> list[Organisation]:
    return [org for org, _count in organisation_service.list_organisations(get_session())]


def _read_user_form(*, editing: bool) -> tuple[dict[str, Any], UserInput | None, dict[str, str]]:
    """The typed values (to show again), the parsed input, and messages by field."""
    form = {
        "email": request.form.get("email", "").strip(),
        "name": request.form.get("name", "").strip(),
        "role": request.form.get("role", ""),
        "organisation_id": request.form.get("organisation_id", ""),
        "active": request.form.get("active") == "1" if editing else True,
        "language": request.form.get("language", "").strip(),
    }
    errors: dict[str, str] = {}
    try:
        parsed = UserInput.model_validate(
            {
                **form,
                "organisation_id": form["organisation_id"] or None,
                "language": form["language"] or None,
            }
        )
    except ValidationError as exc:
        for problem in exc.errors():
            field = str(problem["loc"][0])
            errors.setdefault(field, str(FIELD_MESSAGES.get(field) or gettext("Check this field.")))
        return form, None, errors
    if parsed.organisation_id is not None and parsed.organisation(get_session()) is None:
        errors["organisation_id"] = str(FIELD_MESSAGES["organisation_id"])
        return form, None, errors
    return form, parsed, errors


def _user_form_page(template: str, status: int, **context: Any) -> tuple[str, int]:
    context.setdefault("errors", {})
    return (
        render_template(template, roles=list(Role), organisations=_organisations(), **context),
        status,
    )


@bp.get("/")
def index() -> Response:
    return redirect(url_for("admin.users"))


@bp.get("/users")
def users() -> str:
    """Every account, with its role, organisation and whether it may sign in."""
    return render_template("admin/users.html", rows=user_service.list_users(get_session()))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> str | tuple[str, int]:
    """Create an account with a temporary password, shown once on the next page."""
    if request.method == "GET":
        form = {
            "email": "",
            "name": "",
            "role": Role.owner.value,
            "organisation_id": "",
            "language": "",
        }
        return _user_form_page("admin/user_form.html", 200, form=form, user=None)
    form, parsed, errors = _read_user_form(editing=False)
    session = get_session()
    if parsed is not None:
        # With mail configured the person gets a link to set a password; without, the
        # admin passes on a temporary one.
        invite: Callable[..., user_service.Invitation] = user_service.invite_user
        if current_app.config.get("MAIL_HOST"):
            invite = partial(
                account_mail.invite_user_by_mail,
                settings=MailSettings.from_config(current_app.config),
            )
        try:
            invitation = invite(
                session,
                email=parsed.email,
                name=parsed.name,
                role=parsed.role,
                organisation=parsed.organisation(session),
                language=parsed.language,
                audit=audit_actor(),
            )
        except user_service.UserError as exc:
            errors[exc.field or "email"] = str(exc)
        else:
            session.commit()
            # Rendered, not redirected: a password must not travel in a cookie.
            return render_template(
                "admin/user_created.html",
                user=invitation.user,
                password=invitation.temporary_password,
                reset=False,
            ), 201
    session.rollback()
    status = 409 if "already exists" in errors.get("email", "") else 422
    return _user_form_page("admin/user_form.html", status, form=form, user=None, errors=errors)


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> Response | str | tuple[str, int]:
    """Change name, e-mail, role, organisation and whether the account is active."""
    user = _user_or_404(user_id)
    if request.method == "GET":
        form = {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "organisation_id": str(user.organisation_id or ""),
            "active": user.active,
            "language": user.language or "",
        }
        return _user_form_page("admin/user_form.html", 200, form=form, user=user)
    form, parsed, errors = _read_user_form(editing=True)
    session = get_session()
    if parsed is not None:
        try:
            user_service.update_user(
                session,
                user,
                actor=_me(),
                email=parsed.email,
                name=parsed.name,
                role=parsed.role,
                organisation=parsed.organisation(session),
                active=parsed.active,
                audit=audit_actor(),
            )
            user_service.set_language(session, user, parsed.language)
        except user_service.UserError as exc:
            errors[exc.field or "email"] = str(exc)
        else:
            session.commit()
            flash(gettext("Saved the changes to %(name)s.", name=user.name), "info")
            return redirect(url_for("admin.users"))
    session.rollback()
    return _user_form_page("admin/user_form.html", 422, form=form, user=user, errors=errors)


@bp.post("/users/<id:user_id>/deactivate")
def deactivate_user(user_id: int) -> Response | str | tuple[str, int]:
    """Stop the account signing in and end its sessions; its history stays."""
    user = _user_or_404(user_id)
    session = get_session()
    try:
        user_service.deactivate_user(session, user, actor=_me(), audit=audit_actor())
    except user_service.UserError as exc:
        session.rollback()
        abort(409, description=str(exc))
    session.commit()
    flash(gettext("%(name)s can no longer sign in.", name=user.name), "info")
    return redirect(url_for("admin.users"))


@bp.post("/users/<id:user_id>/reset-password")
def reset_password(user_id: int) -> tuple[str, int]:
    """A new temporary password for someone who lost theirs, shown once."""
    user = _user_or_404(user_id)
    session = get_session()
    password = user_service.reset_password(session, user, audit=audit_actor())
    session.commit()
    return render_template("admin/user_created.html", user=user, password=password, reset=True), 200


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


# --- issue 16: the audit trail, read-only ---

AUDIT_PER_PAGE = 100


def _audit_filter() -> tuple[audit_service.AuditFilter, dict[str, str], dict[str, str]]:
    """The filter from the query string, the values as typed, and messages by field."""
    args = {
        key: request.args.get(key, "").strip()[:100]
        for key in ("kind", "actor", "subject_type", "since", "until")
    }
    errors: dict[str, str] = {}
    days: dict[str, dt.date | None] = {}
    for key in ("since", "until"):
        try:
            days[key] = parse_date(args[key], key)
        except InvalidChange as exc:
            errors[key] = exc.message
            days[key] = None
    actor_id = parse_id(args["actor"]) if args["actor"] else None
    if args["actor"] and actor_id is None:
        errors["actor"] = gettext("Choose a person from the list.")
    if args["kind"] and args["kind"] not in audit_service.KINDS:
        errors["kind"] = gettext("Choose a kind of change from the list.")
    audit_filter = audit_service.AuditFilter(
        kind=args["kind"] or None if "kind" not in errors else None,
        actor_id=actor_id,
        subject_type=args["subject_type"] or None,
        since=days["since"],
        until=days["until"],
    )
    return audit_filter, args, errors


@bp.get("/audit")
def audit() -> tuple[str, int]:
    """Every administrative change, newest first, with filters; nothing here changes it."""
    audit_filter, args, errors = _audit_filter()
    page = parse_id(request.args.get("page")) or 1
    session = get_session()
    rows, total = audit_service.list_audit(
        session, audit_filter, page=min(page, 100_000), per_page=AUDIT_PER_PAGE
    )
    html = render_template(
        "admin/audit.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PER_PAGE)),
        args=args,
        errors=errors,
        kinds=audit_service.KINDS,
        actors=audit_service.audit_actors(session),
        subject_types=audit_service.audit_subject_types(session),
    )
    return html, 422 if errors else 200


@bp.get("/audit.csv")
def audit_csv() -> Response:
    """The filtered audit trail as CSV, streamed on a session of its own."""
    audit_filter, _args, errors = _audit_filter()
    if errors:
        abort(400, description="; ".join(errors.values()))
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response(
        streamed(lambda session: audit_service.stream_audit_csv(session, audit_filter)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
