"""The language switch of the pages people see before signing in (issue 12).

It sets a cookie and changes no stored data: a signed-in person chooses on the
profile page, which stores the choice with the account.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from .. import languages
from ..i18n import COOKIE, COOKIE_MAX_AGE
from .auth import safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
def switch() -> Response:
    """Remember the chosen language in this browser and go back to the page."""
    try:
        code = languages.parse_language(request.form.get("language", ""))
    except languages.UnknownLanguage:
        abort(422, description=gettext("Choose one of the languages offered."))
    response = redirect(safe_next(request.form.get("next")), code=303)
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
