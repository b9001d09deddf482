"""Sign-in plumbing: Flask-Login over server-side sign-ins, and role checks for views.

The session cookie carries a random secret whose SHA-256 names a ``sign_in`` row
(services/sign_ins.py). Every request looks that row up by primary key, so signing
out, ending a session from the profile page, idle or absolute expiry, and a bump of
the user's ``session_version`` (sign out everywhere, password change, an admin's
reset, deactivation) refuse a copied cookie at its next use, on every worker and host.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_babel import gettext
from flask_login import UserMixin, current_user
from werkzeug.wrappers import Response

from .db import get_session, session_scope
from .extensions import login_manager
from .models import Programme, Role, User
from .services import policy, sign_ins
from .services.audit import AuditActor

F = TypeVar("F", bound=Callable[..., Any])


class SignedInUser(UserMixin):
    """What Flask-Login keeps: the user row and this browser's sign-in.

    ``get_id`` is the cookie secret, so the cookie names the sign-in, not the user.
    """

    def __init__(self, user: User, secret: str, sign_in_id: str) -> None:
        self.user = user
        self.secret = secret
        self.sign_in_id = sign_in_id

    def get_id(self) -> str:
        return self.secret

    @property
    def is_active(self) -> bool:
        return self.user.active

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


def sign_in_limits() -> sign_ins.SignInLimits:
    """Idle time and lifetime of a sign-in, from TRACKER_SESSION_IDLE_HOURS and _LIFETIME_DAYS."""
    return sign_ins.SignInLimits(
        idle=dt.timedelta(hours=int(current_app.config["SESSION_IDLE_HOURS"])),
        lifetime=dt.timedelta(days=int(current_app.config["SESSION_LIFETIME_DAYS"])),
    )


_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@login_manager.user_loader
def _load_user(secret: str) -> SignedInUser | None:
    session = get_session()
    found = sign_ins.find_sign_in(session, secret, sign_in_limits())
    if found is None:
        return None
    sign_in, user = found
    if sign_ins.needs_touch(sign_in):
        if request.method in _WRITE_METHODS:
            # The request already holds a write transaction (SQLite: the write lock);
            # a second writer would wait on it. The touch rides on the request's commit.
            sign_ins.touch_sign_in(session, sign_in.id)
        else:
            with session_scope(write=True) as touch:
                sign_ins.touch_sign_in(touch, sign_in.id)
    return SignedInUser(user, secret, sign_in.id)


def sign_in(user: User) -> None:
    """Start a new server-side sign-in for ``user`` in this browser, and commit it.

    Used by the sign-in form and after a password change (which ended every sign-in).
    """
    from flask_login import login_user

    session = get_session()
    secret = sign_ins.start_sign_in(
        session,
        user,
        address=request.remote_addr or "",
        user_agent=request.user_agent.string,
        limits=sign_in_limits(),
    )
    session.commit()
    login_user(SignedInUser(user, secret, sign_ins.hash_secret(secret)))


def sign_out() -> None:
    """End this browser's sign-in on the server, then forget it in the cookie."""
    from flask_login import logout_user

    if current_user and current_user.is_authenticated:
        session = get_session()
        sign_ins.end_sign_in(session, current_user.sign_in_id)
        session.commit()
    logout_user()


def audit_actor() -> AuditActor:
    """Who is making this request's change, and from which address, for the audit trail."""
    return AuditActor.of(signed_in_user(), request.remote_addr)


def current_sign_in_id() -> str | None:
    if current_user and current_user.is_authenticated:
        sign_in_id: str = current_user.sign_in_id
        return sign_in_id
    return None


def signed_in_user() -> User | None:
    """The User row of the person making this request, or None."""
    if current_user and current_user.is_authenticated:
        user: User = current_user.user
        return user
    return None


def required_user() -> User:
    """The User row of the person making this request; 401 if nobody is signed in (the
    sign-in guard normally answers first)."""
    user = signed_in_user()
    if user is None:
        abort(401)
    return user


def current_access() -> policy.Access:
    """What the signed-in person may reach (``services.policy``), read once per request."""
    return policy.access_for(get_session(), signed_in_user())


def require(do: policy.Do, target: policy.Target = None) -> policy.Access:
    """Go on only if the signed-in person may ``do`` this to ``target``.

    Outside the target's programme: 404, the same as for a thing that does not exist.
    Inside it: 403 with the reason, which names the role needed.
    """
    access = current_access()
    refused = policy.refusal(access, do, target)
    if refused is not None:
        if access.user_id is None:
            abort(401)
        abort(
            404 if refused.hidden else 403, description=None if refused.hidden else refused.message
        )
    return access


def require_programme(
    programme_id: int, do: policy.Do = policy.Do.read
) -> tuple[Programme, policy.Access]:
    """The programme, if the signed-in person may ``do`` this to it: 404 for none, else
    as ``require`` (404 outside it, 403 inside without the role)."""
    programme = get_session().get(Programme, programme_id)
    if programme is None:
        abort(404)
    return programme, require(do, programme)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Refuse with 403 (and a plain reason) anyone signed in without one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = signed_in_user()
            if user is None:
                return login_manager.unauthorized()
            if user.role not in roles:
                abort(403, description=role_refusal(user, roles))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def role_refusal(user: User, roles: tuple[Role, ...]) -> str:
    """The plain reason shown on a 403 page when the role is not enough."""
    return gettext(
        "This page needs the role %(roles)s; you are signed in as %(role)s. "
        "Ask an administrator if you need it.",
        roles=" or ".join(r.value for r in roles),
        role=user.role.value,
    )


# Pages anyone may open without signing in. Everything else needs sign-in, so a
# page added later is protected unless it is named here on purpose.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.login",
        "auth.forgot_password",
        "auth.reset_password",
        "notifications.forgot_password",  # issue 4: password reset by mail
        "notifications.reset_password",
        "main.healthz",
        "language.switch",  # issue 12: the anonymous language switch (a cookie only)
        "public.index",  # issue 11: the public progress pages (they read no session)
        "public.page",
        "public.public_file",  # a file of an update a coordinator made public
        "reminder_link.page",  # issue 18: /r/<token>, the signed link is the credential
    }
)
# Paths open to all: the health checks, the API's own description and its docs page,
# and calendar feeds whose secret address is the credential (the feed view checks it).
PUBLIC_PATHS = re.compile(
    r"^/(healthz(/.*)?|static/.*|api/v1/openapi\.json|api/v1/docs/?|calendar/[^/]+\.ics)$"
)
# The JSON API ignores the session cookie and checks its own bearer token on every
# call; tests/test_security.py checks that each of its routes refuses a call without one.
API_PREFIX = "/api/v1/"
# Where someone who must choose a new password may still go.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"static", "profile.change_password", "auth.logout"})


def is_public(endpoint: str | None, path: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or PUBLIC_PATHS.match(path) is not None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def require_sign_in() -> Response | None:
    """Before every request: send visitors to sign-in, and new passwords before anything else.

    A path that matches no route goes on to its 404; an API path answers 401 in JSON
    instead of redirecting to a page. The ``api`` blueprint (/api/v1) is left to its
    own bearer-token check, which ignores the session cookie on purpose.
    """
    if request.endpoint is None or is_public(request.endpoint, request.path):
        return None
    if request.path.startswith(API_PREFIX):
        return None  # bearer tokens only: every API view authenticates (tracker/api/auth.py)
    if request.blueprint == "api":
        return None
    user = signed_in_user()
    if user is None:
        if _wants_json():
            abort(401)
        result: Response = login_manager.unauthorized()
        return result
    if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if _wants_json():
            abort(403, description=gettext("Choose a new password on the profile page first."))
        return redirect(url_for("profile.change_password"))
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(require_sign_in)
    # The navigation's "Reminders": for whoever coordinates a programme (or an admin).
    app.jinja_env.globals["manages_a_programme"] = lambda: policy.is_manager(current_access())
