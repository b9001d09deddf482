"""Every API error as ``application/problem+json`` (RFC 9457), with a plain ``detail``.

The ``type`` of each problem is a link to its explanation on the docs page, so an
integrator who meets one can read what it means. Validation errors list each field
at fault in ``errors``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, json, request
from flask_babel import gettext
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ..logging import redacted_path

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
DOCS_PATH = "/api/v1/docs"

# slug -> (status, title, what it means); the docs page lists them.
PROBLEMS: dict[str, tuple[int, str, str]] = {
    "bad-json": (400, "Malformed JSON", "The body is not valid JSON. Nothing was changed."),
    "invalid-parameter": (
        400,
        "Invalid query parameter",
        "A query parameter is unknown, of the wrong type or out of range; see errors.",
    ),
    "unauthorized": (
        401,
        "Token needed",
        "No token, or a token that is unknown, revoked or belongs to an inactive account. "
        "Send Authorization: Bearer <token>; session cookies are ignored.",
    ),
    "token-expired": (
        401,
        "Token expired",
        "The token has passed the expiry date chosen when it was created. Create a new "
        "token on your profile page; its owner was mailed 14 days and 1 day before.",
    ),
    "forbidden": (
        403,
        "Not allowed",
        "The token's user may not do this, or the token has the read scope only.",
    ),
    "not-found": (404, "Not found", "There is nothing with this id, or at this address."),
    "method-not-allowed": (405, "Method not allowed", "See the Allow header."),
    "stale-version": (
        409,
        "Changed by someone else",
        "The action was saved after the version you sent. Nothing was changed; the "
        "current state and the changes since are in the body. Re-apply on top and retry.",
    ),
    "gone": (410, "Gone", "The file was withdrawn: it is named in the history, no longer served."),
    "too-large": (
        413,
        "Too large",
        "The request is larger than the site accepts (TRACKER_MAX_CONTENT_LENGTH); a file "
        "larger than TRACKER_UPLOAD_MAX_MB is refused by the rules (422).",
    ),
    "unsupported-media-type": (
        415,
        "Wrong media type",
        "Send the body as application/json (a file upload: multipart/form-data).",
    ),
    "invalid-request": (
        422,
        "Invalid request body",
        "A field is unknown, missing, of the wrong type, not one of the allowed values or "
        "too long; see errors.",
    ),
    "rule-refused": (
        422,
        "Refused by the workflow rules",
        "The change is well formed but the workflow does not allow it: a status move that "
        "does not exist, a missing comment, nothing to save. The detail says which.",
    ),
}
_BY_STATUS = {
    400: "bad-json",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "stale-version",
    410: "gone",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
}


def problem_type(slug: str) -> str:
    return f"{DOCS_PATH}#problem-{slug}"


class ApiError(Exception):
    """An answer other than success; raised by the API views, turned into a problem."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.slug = slug
        self.status = PROBLEMS[slug][0]
        self.detail = detail
        self.errors = errors
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


def problem_response(error: ApiError) -> Response:
    status, title, _meaning = PROBLEMS[error.slug]
    body: dict[str, Any] = {
        "type": problem_type(error.slug),
        "title": title,
        "status": status,
        "detail": error.detail,
    }
    if error.errors:
        body["errors"] = error.errors
    body.update(error.extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


# What each pydantic error means, in words an integrator can act on.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "string_pattern_mismatch": "must not contain NUL characters",
    "json_invalid": "is not valid JSON",
}


_TYPE_TAGS = frozenset({"int", "str", "bool", "float", "date", "none"})


def _field_name(loc: Iterable[Any]) -> str:
    """``owner.user_id`` or ``status[1]``; union member tags are not places in the request."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif "[" in part or "-" in part or part in _TYPE_TAGS:
            continue
        else:
            name += f".{part}" if name else part
    return name or "body"


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """One ``{field, message}`` per field at fault; a union's failed choices joined by "or"."""
    found: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        name = _field_name(error["loc"])
        message = _MESSAGES.get(error["type"], error["msg"])
        if error["type"] == "missing" and name == "version":
            message = gettext(
                "is required: send the version you last read (GET /api/v1/actions/{id}), "
                "so that nobody's change is overwritten unseen"
            )
        if message not in found.setdefault(name, []):
            found[name].append(message)
    return [{"field": name, "message": " or ".join(messages)} for name, messages in found.items()]


def invalid(exc: ValidationError, *, where: str) -> ApiError:
    """The error for a request part (``body`` or ``query``) that does not validate."""
    errors = field_errors(exc)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    if where == "body":
        if any(e["type"] == "json_invalid" for e in exc.errors(include_url=False)):
            return ApiError(
                "bad-json", gettext("The body is not valid JSON: %(why)s", why=_json_why(exc))
            )
        return ApiError(
            "invalid-request",
            gettext("The body is not valid: %(summary)s.", summary=summary),
            errors=errors,
        )
    return ApiError(
        "invalid-parameter",
        gettext("A query parameter is not valid: %(summary)s.", summary=summary),
        errors=errors,
    )


def _json_why(exc: ValidationError) -> str:
    message = str(exc.errors(include_url=False)[0]["msg"])
    return message.removeprefix("Invalid JSON: ")


def handle_api_error(error: ApiError) -> Response:
    return problem_response(error)


def handle_http_error(error: HTTPException) -> Response:
    """An HTTP error raised inside the API (routing, abort) as a problem."""
    status = error.code or 500
    slug = _BY_STATUS.get(status)
    if slug is None:
        log.info("HTTP %s on %s %s", status, request.method, redacted_path(request.path))
        body = {"type": "about:blank", "title": error.name, "status": status}
        body["detail"] = gettext("The request could not be completed.")
        return Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    detail = PROBLEMS[slug][2]
    if error.description and error.description != type(error).description:
        detail = error.description
    api_error = ApiError(slug, detail, headers=dict(error.get_headers()))
    api_error.headers.pop("Content-Type", None)
    return problem_response(api_error)


def handle_unexpected(error: Exception) -> Response:
    """Last resort: log it and answer a problem, never an HTML page or a traceback."""
    log.error(
        "unhandled error on %s %s", request.method, redacted_path(request.path), exc_info=error
    )
    body = {
        "type": "about:blank",
        "title": "Server error",
        "status": 500,
        "detail": gettext("The request could not be completed and nothing was saved."),
    }
    return Response(json.dumps(body), status=500, mimetype=PROBLEM_MIMETYPE)


def init_blueprint(bp: Any) -> None:
    bp.register_error_handler(ApiError, handle_api_error)
    bp.register_error_handler(HTTPException, handle_http_error)
    bp.register_error_handler(Exception, handle_unexpected)
