"""My personal API tokens: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ..auth import audit_actor, signed_in_user
from ..db import get_session
from ..models import TokenScope, User
from ..services import tokens as token_service

bp = Blueprint("api_tokens", __name__, url_prefix="/profile/tokens")


def _me() -> User:
    user = signed_in_user()
    assert user is not None  # the sign-in guard runs first
    return user


def _page(
    user: User,
    *,
    new: token_service.NewToken | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    html = render_template(
        "api/tokens.html",
        tokens=token_service.list_tokens(get_session(), user),
        scopes=list(TokenScope),
        lifetimes=token_service.LIFETIME_DAYS,
        default_lifetime=token_service.DEFAULT_LIFETIME_DAYS,
        new=new,
        errors=errors or {},
        form=request.form if errors else {},
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # a new secret must not be cached
    return response


@bp.get("")
def index() -> Response:
    """My tokens that still work, and the form to create one."""
    return _page(_me())


@bp.post("")
def create() -> Response:
    """Create a token and show its secret on this page, once; it is stored hashed."""
    user = _me()
    session = get_session()
    try:
        new = token_service.create_token(
            session,
            user,
            request.form.get("name", ""),
            request.form.get("scope", ""),
            request.form.get("lifetime", ""),
            audit=audit_actor(),
        )
    except token_service.TokenError as exc:
        session.rollback()
        return _page(user, errors={exc.field or "name": str(exc)}, status=422)
    session.commit()
    return _page(user, new=new, status=201)


@bp.post("/<id:token_id>/revoke")
def revoke(token_id: int) -> Response:
    """Revoke one of my tokens: it stops working at once."""
    user = _me()
    session = get_session()
    try:
        token = token_service.revoke_token(session, user, token_id, audit=audit_actor())
    except token_service.TokenError as exc:
        session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("api_tokens.index"))
    session.commit()
    flash(gettext("Token %(name)s is revoked.", name=token.name), "info")
    return redirect(url_for("api_tokens.index"))
