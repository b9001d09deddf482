"""Sign in and sign out, with throttling of failed attempts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from ..auth import sign_in, sign_out, signed_in_user
from ..db import get_session
from ..models import utcnow
from ..navigation import home_url
from ..services import passwords, security
from ..services import users as user_service

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Checked against when the e-mail is unknown, so that a wrong address takes as long
# to refuse as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(
            generate_password_hash("not a real password", method=passwords.PASSWORD_HASH_METHOD)
        )
    return _DUMMY_HASH[0]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return home_url()


def _client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in form; five failures per account or twenty per address wait 15 minutes."""
    if request.method == "GET" and signed_in_user() is not None:
        return redirect(safe_next(request.args.get("next")))
    email = request.form.get("email", "")[:254]
    if request.method == "GET":
        return render_template("auth/login.html", email=email)

    session = get_session()
    now = utcnow()
    address = _client_address()
    throttle = security.sign_in_throttle(session, email=email, address=address, now=now)
    if throttle is not None:
        return _throttled(email, throttle)

    password = request.form.get("password", "")[: passwords.MAX_PASSWORD_LENGTH]
    user = user_service.find_user_by_email(session, email) if email.strip() else None
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = user.active and check_password_hash(user.password_hash, password)
    if not ok or user is None:
        security.record_failed_sign_in(session, email=email, address=address, now=now)
        session.commit()
        throttle = security.sign_in_throttle(session, email=email, address=address, now=now)
        if throttle is not None:
            return _throttled(email, throttle)
        return render_template(
            "auth/login.html", email=email, error=gettext("Wrong e-mail or password.")
        ), 401

    security.clear_failed_sign_ins(session, email=email)
    user.last_login_at = now
    session.add(user)
    sign_in(user)  # a new server-side sign-in and a new cookie secret; commits
    if user.must_change_password:
        flash(gettext("Please choose a new password before you go on."), "warning")
        return redirect(url_for("profile.change_password"))
    return redirect(safe_next(request.args.get("next")))


def _throttled(email: str, throttle: security.Throttle) -> tuple[str, int, dict[str, str]]:
    minutes = throttle.minutes_left(utcnow())
    if throttle.per_account:
        reason = gettext("Too many failed sign-ins for this account.")
    else:
        reason = gettext("Too many failed sign-ins from your network.")
    message = gettext(
        "%(reason)s Try again in %(minutes)d minutes, after %(time)s UTC.",
        reason=reason,
        minutes=minutes,
        time=throttle.retry_at.strftime("%H:%M"),
    )
    seconds = max(1, int((throttle.retry_at - utcnow()).total_seconds()))
    body = render_template("auth/login.html", email=email, error=message, throttled=True)
    return body, 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
def logout() -> Response:
    """End this browser's sign-in on the server (other browsers stay signed in)."""
    sign_out()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))
