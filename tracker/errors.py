"""Error pages: a plain explanation in HTML, or a JSON problem (RFC 9457) under /api/.

No request should end in a bare server error: every HTTP error gets a page that says
what happened and what to do, and an unexpected exception is logged and answered
with a 500 page that gives nothing away.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .logging import redacted_path

log = logging.getLogger(__name__)

# What each status means to a person, and what to do about it.
EXPLANATIONS = {
    400: (
        lazy_gettext("The request could not be understood"),
        lazy_gettext("Something in what was sent is not right. Go back and try again."),
    ),
    401: (
        lazy_gettext("Sign-in needed"),
        lazy_gettext("Sign in first, then try again."),
    ),
    403: (
        lazy_gettext("Not allowed"),
        lazy_gettext("Your account is not allowed to do this."),
    ),
    404: (
        lazy_gettext("Page not found"),
        lazy_gettext("There is nothing at this address. Check it, or start again from the menu."),
    ),
    405: (
        lazy_gettext("Not possible this way"),
        lazy_gettext("This address does not accept that kind of request. Use the page's form."),
    ),
    409: (
        lazy_gettext("Changed by someone else"),
        lazy_gettext("Someone changed this in the meantime. Reload the page and try again."),
    ),
    413: (
        lazy_gettext("Too large"),
        lazy_gettext("What was sent is larger than the site accepts."),
    ),
    422: (
        lazy_gettext("Cannot be saved"),
        lazy_gettext("Some of what was entered is not valid."),
    ),
    429: (
        lazy_gettext("Too many attempts"),
        lazy_gettext("Please wait a few minutes and try again."),
    ),
    500: (
        lazy_gettext("Something went wrong"),
        lazy_gettext(
            "The site could not finish this request and nothing was saved. "
            "Try again; if it keeps happening, tell an administrator."
        ),
    ),
}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def error_response(code: int, detail: str | None = None) -> Response:
    """The error as a page, or as ``application/problem+json`` for the API."""
    title, explanation = EXPLANATIONS.get(code, EXPLANATIONS[500 if code >= 500 else 400])
    if _is_api():
        body = jsonify(
            type="about:blank", title=str(title), status=code, detail=detail or str(explanation)
        )
        body.status_code = code
        body.mimetype = "application/problem+json"
        return body
    try:
        html = render_template(
            "errors/error.html", code=code, title=title, explanation=explanation, detail=detail
        )
    except Exception:  # the page itself failed: still answer something readable
        log.exception("error page %s could not be rendered", code)
        html = f"{code} {title}. {explanation}"
    return Response(html, status=code, mimetype="text/html")


def _default_description(error: HTTPException) -> bool:
    return error.description == type(error).description


def _too_large() -> str:
    """What a 413 means here: the request's cap and the per-file limit, in MB."""
    from flask import current_app

    total = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    each = int(current_app.config.get("UPLOAD_MAX_MB") or 0)
    return gettext(
        "What was sent is larger than %(total)s MB, the most the site accepts at once "
        "(each file at most %(each)s MB). Nothing was saved: go back and attach fewer or "
        "smaller files.",
        total=total,
        each=each,
    )


def handle_http_error(error: HTTPException) -> Response:
    code = error.code or 500
    detail = None if _default_description(error) or code >= 500 else error.description
    if code == 413 and detail is None:
        detail = _too_large()
    response = error_response(code, detail)
    for name, value in error.get_headers():  # Allow on 405, Retry-After on 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_csrf_error(_error: CSRFError) -> Response:
    return error_response(
        400,
        gettext(
            "The form has expired or did not come from this site, so nothing was saved. "
            "Reload the page and send it again."
        ),
    )


def handle_server_error(error: InternalServerError) -> Response:
    original = getattr(error, "original_exception", None)
    if original is not None:
        log.error(
            "unhandled error on %s %s",
            request.method,
            redacted_path(request.path),
            exc_info=original,
        )
    return error_response(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
