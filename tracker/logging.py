"""Structured logs: one JSON object per line on standard error, at INFO by default.

Every line carries the request id (taken from a proxy's ``X-Request-ID`` when it
looks sane, else made here, and echoed in the response), the signed-in user's id
and the action id of the URL when there are such things, so that one request can be
followed across web workers and the scheduler with ``grep`` or a log shipper.
Code logs through ``logging.getLogger(__name__)`` and may add its own fields with
``extra={"action_id": ..., ...}``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

LOGGER = "tracker"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_CONTEXT = ("request_id", "user_id", "action_id")
# Addresses whose last part is a credential (issue 18): the one-tap reminder link, the
# password-reset link and the calendar feed. Logs, and whoever reads them, get the shape
# of the address, never the secret.
_SECRET_PATHS = (
    (re.compile(r"^/r/[^/]+"), "/r/<redacted>"),
    (re.compile(r"^/auth/reset/[^/]+"), "/auth/reset/<redacted>"),
    (re.compile(r"^/calendar/[^/]+\.ics$"), "/calendar/<redacted>.ics"),
)

request_log = logging.getLogger(f"{LOGGER}.request")


class JsonFormatter(logging.Formatter):
    """One line of JSON: time, level, logger, message, context, then any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            "pid": record.process,
        }
        for key in _CONTEXT:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class ContextFilter(logging.Filter):
    """Adds the request id, user id and action id of the current request, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            for key, value in current_context().items():
                if getattr(record, key, None) is None:
                    setattr(record, key, value)
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def redacted_path(path: str) -> str:
    """``path`` with the secret of a link-as-credential address replaced by ``<redacted>``."""
    for pattern, replacement in _SECRET_PATHS:
        if pattern.match(path):
            return pattern.sub(replacement, path, count=1)
    return path


def current_context() -> dict[str, Any]:
    """The ids that identify what the current request is about."""
    context: dict[str, Any] = {"request_id": g.get("request_id")}
    user_id = _signed_in_user_id()
    if user_id is not None:
        context["user_id"] = user_id
    view_args = request.view_args or {}
    if "action_id" in view_args:
        context["action_id"] = view_args["action_id"]
    return context


def _signed_in_user_id() -> int | None:
    # Only if Flask-Login already loaded the user: logging must not query the database.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    inner = getattr(user, "user", None)
    return getattr(inner, "id", None)


def configure(level: str | int = "INFO") -> logging.Logger:
    """Send every ``tracker.*`` logger to stderr as JSON lines; safe to call again."""
    logger = logging.getLogger(LOGGER)
    logger.removeHandler(default_handler)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(ContextFilter())
        logger.addHandler(handler)
    logger.setLevel(level if isinstance(level, int) else level.upper())
    logger.propagate = False
    return logger


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    if "request_id" not in g:  # an earlier before_request answered first
        _start_request()
    response.headers.setdefault(REQUEST_ID_HEADER, g.get("request_id", ""))
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    request_log.info(
        "request",
        extra={
            "method": request.method,
            "path": redacted_path(request.path),
            "status": response.status_code,
            "duration_ms": duration_ms,
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_app(app: Flask) -> None:
    configure(app.config.get("LOG_LEVEL") or "INFO")
    app.before_request(_start_request)
    app.after_request(_finish_request)
