"""The signed-in person's own account: details, password, sign-ins, signing out everywhere."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, refresh
from flask_login import logout_user
from werkzeug.wrappers import Response

from ..auth import audit_actor, current_sign_in_id, sign_in, sign_in_limits, signed_in_user
from ..db import get_session
from ..models import Organisation, User
from ..services import sign_ins
from ..services import tokens as token_service
from ..services import users as user_service

bp = Blueprint("profile", __name__, url_prefix="/profile")

_SIGN_IN_ID = re.compile(r"^[0-9a-f]{64}$")


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
    session = get_session()
    return render_template(
        "profile/show.html",
        user=user,
        organisation=organisation,
        sign_ins=sign_ins.list_sign_ins(session, user, sign_in_limits()),
        current_sign_in_id=current_sign_in_id(),
        token_count=len(token_service.list_tokens(session, user)),
        **context,
    )


@bp.get("")
def show() -> str:
    """Who I am, in which organisation and role; my sign-ins; links to my actions and password."""
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
    # Every sign-in ended with the old session version; this browser gets a new one.
    sign_in(user)
    flash(gettext("Your password is changed. Other browsers have been signed out."), "info")
    return redirect(url_for("profile.show"))


@bp.post("/sessions/<sign_in_hash>/end")
def end_session(sign_in_hash: str) -> Response:
    """End one of my sign-ins (a browser I no longer use); this one signs me out here."""
    if not _SIGN_IN_ID.match(sign_in_hash):
        abort(404)
    session = get_session()
    if not sign_ins.end_own_sign_in(session, _me(), sign_in_hash):
        abort(404)
    session.commit()
    if sign_in_hash == current_sign_in_id():
        logout_user()
        flash(gettext("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    flash(gettext("That session is ended; its browser must sign in again."), "info")
    return redirect(url_for("profile.show"))


@bp.post("/sign-out-everywhere")
def sign_out_everywhere() -> Response:
    """End every session of mine, in every browser, this one included; optionally my tokens."""
    session = get_session()
    user = _me()
    user_service.end_all_sessions(session, user)
    revoked = 0
    if request.form.get("revoke_tokens") == "1":
        revoked = token_service.revoke_all_tokens(session, user, audit=audit_actor())
    session.commit()
    logout_user()
    flash(gettext("You are signed out on every device."), "info")
    if revoked:
        flash(gettext("Your API tokens are revoked (%(count)d).", count=revoked), "info")
    return redirect(url_for("auth.login"))
