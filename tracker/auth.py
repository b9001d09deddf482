"""Sign-in plumbing: Flask-Login with a session version, and role checks for views.

The login token carries the user's ``session_version``; bumping it (sign out
everywhere, password change, deactivation) ends every session of that user at
their next request, on every worker and host.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, redirect, request, url_for
from flask_babel import gettext
from flask_login import UserMixin, current_user
from werkzeug.wrappers import Response

from .db import get_session
from .extensions import login_manager
from .models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


class SignedInUser(UserMixin):
    """What Flask-Login keeps: the user row, with an id that carries the session version."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"

    @property
    def is_active(self) -> bool:
        return self.user.active

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


@login_manager.user_loader
def _load_user(token: str) -> SignedInUser | None:
    user_id, _, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return SignedInUser(user)


def signed_in_user() -> User | None:
    """The User row of the person making this request, or None."""
    if current_user and current_user.is_authenticated:
        user: User = current_user.user
        return user
    return None


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
