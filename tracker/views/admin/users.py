"""The accounts: the list, adding one (invitation), editing, deactivating, a new password."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from pydantic import ValidationError
from sqlmodel import Field, Session, SQLModel
from werkzeug.wrappers import Response

from ...auth import audit_actor
from ...db import get_session
from ...mail import MailSettings
from ...models import Organisation, Role, User
from ...services import account_mail
from ...services import organisations as organisation_service
from ...services import users as user_service
from ..forms import MAX_ID
from .common import bp, signed_in_admin


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

    def account(self, session: Session) -> dict[str, Any]:
        """The details both adding and editing an account pass to the service."""
        return {
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "organisation": self.organisation(session),
        }


FIELD_MESSAGES: dict[str, Any] = {
    "email": lazy_gettext("Enter an e-mail address of at most 254 characters."),
    "name": lazy_gettext("Enter a name of at most 200 characters."),
    "role": lazy_gettext("Choose one of the roles."),
    "organisation_id": lazy_gettext("Choose an organisation from the list."),
    "language": lazy_gettext("Choose one of the languages offered."),
}


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
                **parsed.account(session),
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
                actor=signed_in_admin(),
                **parsed.account(session),
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
        user_service.deactivate_user(session, user, actor=signed_in_admin(), audit=audit_actor())
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
