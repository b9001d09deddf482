"""The signed-in person's own account: details, password, and signing out everywhere."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, refresh
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from ..auth import SignedInUser, signed_in_user
from ..db import get_session
from ..models import Organisation, User
from ..services import users as user_service

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _me() -> User:
    user = signed_in_user()
    assert user is not None  # the sign-in guard runs first
    return user


def _profile_page(user: User, **context: object) -> str:
    organisation = (
        get_session().get(Organisation, user.organisation_id) if user.organisation_id else None
    )
    context.setdefault("errors", {})
    context.setdefault("language_value", user.language or "")
    return render_template("profile/show.html", user=user, organisation=organisation, **context)


@bp.get("")
def show() -> str:
    """Who I am, in which organisation and role; links to my actions and password."""
    return _profile_page(_me())


@bp.post("/language")
def set_language() -> Response | tuple[str, int]:
    """Store the language of my pages and mail; an unknown one is refused and nothing stored."""
    user = _me()
    session = get_session()
    value = request.form.get("language", "")[:20]
    try:
        user_service.set_language(session, user, value)
    except user_service.UserError as exc:
        session.rollback()
        return _profile_page(user, errors={"language": str(exc)}, language_value=value), 422
    session.commit()
    refresh()  # the message below, and the next page, in the language just chosen
    flash(gettext("Your language is saved."), "info")
    return redirect(url_for("profile.show"))


@bp.route("/password", methods=["GET", "POST"])
def change_password() -> Response | str | tuple[str, int]:
    """Change my own password; needs the current one and ends my other sessions."""
    user = _me()
    if request.method == "GET":
        return render_template("profile/password.html", user=user, errors={})
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    confirm = request.form.get("confirm_password", "")
    session = get_session()
    errors: dict[str, str] = {}
    if new != confirm:
        errors["confirm_password"] = gettext("The two new passwords are not the same.")
    else:
        try:
            user_service.change_password(session, user, current=current, new=new)
        except user_service.UserError as exc:
            errors[exc.field or "new_password"] = str(exc)
    if errors:
        session.rollback()
        return render_template("profile/password.html", user=user, errors=errors), 422
    session.commit()
    # Same browser, new session version: this one stays signed in, all others end.
    login_user(SignedInUser(user))
    flash(gettext("Your password is changed. Other browsers have been signed out."), "info")
    return redirect(url_for("profile.show"))


@bp.post("/sign-out-everywhere")
def sign_out_everywhere() -> Response:
    """End every session of mine, in every browser, this one included."""
    session = get_session()
    user_service.end_all_sessions(session, _me())
    session.commit()
    logout_user()
    flash(gettext("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))
