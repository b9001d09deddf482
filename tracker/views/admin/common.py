"""What the administration pages share: the blueprint, the admins-only check.

The role check is a ``before_request`` of the blueprint, so a page added to the package
later cannot be left open by forgetting a decorator.
"""

from __future__ import annotations

from flask import Blueprint, abort

from ...auth import role_refusal, signed_in_user
from ...models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    user = signed_in_user()
    if user is None or user.role != Role.admin:
        abort(403, description=role_refusal(user, (Role.admin,)) if user else None)


def signed_in_admin() -> User:
    """The admin making the request (the blueprint's check has let only admins in)."""
    user = signed_in_user()
    assert user is not None
    return user
