"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_user, logout_user
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from ..auth import SignedInUser
from ..db import get_session
from ..models import utcnow
from ..services import users as user_service

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("summary.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    email = request.form.get("email", "")
    if request.method == "POST":
        session = get_session()
        user = user_service.find_user_by_email(session, email)
        password = request.form.get("password", "")
        if (
            user is not None
            and user.active
            and user.password_hash
            and check_password_hash(user.password_hash, password)
        ):
            user.last_login_at = utcnow()
            session.add(user)
            session.commit()
            login_user(SignedInUser(user))
            return redirect(_safe_next(request.args.get("next")))
        flash(gettext("Wrong e-mail or password."), "error")
        return render_template("auth/login.html", email=email), 401
    return render_template("auth/login.html", email=email)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))
