"""Sign-in plumbing: Flask-Login with a session version, and role checks for views.

The login token carries the user's ``session_version``; bumping it (sign out
everywhere, password change, deactivation) ends every session of that user at
their next request, on every worker and host.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user

from .db import get_session
from .models import Role, User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in to see this page.")
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"

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
                names = ", ".join(r.value for r in roles)
                abort(403, description=f"This needs the role {names}; you are {user.role.value}.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
