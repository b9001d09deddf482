"""Web-wide plumbing: CSRF, translations, security headers, template helpers, blueprints.

A ``flask`` command other than ``run`` serves no request, so its app registers the
pages and the API (some 140 modules, 100 routes) only when something first reads the
URL map: ``url_for``, a request or test client, ``flask routes`` (issue 15: the routes
were a fifth of a command's start-up). Everything else, the mail's template filters
and the translations included, is set up at once, as for the web server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request, url_for
from flask_babel import gettext
from werkzeug.routing import Map

from . import config, formatting, i18n, labels
from .extensions import babel, csrf

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# A static file addressed with ?v=<hash of its content> never changes under that address,
# so browsers keep it a year without asking again (issue 13: phones on slow links).
STATIC_IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=256)
def _content_hash(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """The static file's address with ``?v=`` from its content: a new file, a new address."""
    from flask import current_app

    assert current_app.static_folder is not None
    path = Path(current_app.static_folder) / filename
    try:
        version = _content_hash(str(path), path.stat().st_mtime_ns)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def _security_headers(response: Response) -> Response:
    # Every page but the static files may depend on who is signed in (names, CSRF token,
    # a token's secret): no browser or proxy may keep a copy (issue 16).
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    elif request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = STATIC_IMMUTABLE
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _refuse_nul_characters() -> None:
    """No database stores a NUL in text (PostgreSQL refuses it): answer 400, not 500.

    The API validates its own input and answers with its own problem types.
    """
    if request.path.startswith("/api/"):
        return
    values = [request.path, *request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(
            400,
            description=gettext("The request contains a NUL character, which no text may hold."),
        )


class RoutesOnFirstUse(Map):
    """A URL map that can be told to add its rules the first time it is read.

    Werkzeug calls ``update`` before every match, every URL build and every listing of
    the rules, so that is the one place to complete the map. The lock makes a second
    thread wait for the whole map instead of reading it half built; the registering
    thread itself never reads rules while it adds them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._register: Callable[[], None] | None = None
        self._complete = True
        self._register_lock = threading.RLock()

    def register_on_first_use(self, register: Callable[[], None]) -> None:
        self._register = register
        self._complete = False

    def update(self) -> None:
        if not self._complete:
            with self._register_lock:
                register, self._register = self._register, None
                if register is not None:
                    try:
                        register()
                    finally:
                        self._complete = True
        super().update()


class TrackerFlask(Flask):
    """Flask with a URL map whose routes may be registered on first use."""

    url_map_class = RoutesOnFirstUse


def init_app(app: Flask) -> None:
    """Everything a page or a mail relies on; the routes now, or for a command later."""
    app.before_request(_refuse_nul_characters)
    csrf.init_app(app)
    i18n.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    app.jinja_env.autoescape = True
    app.after_request(_security_headers)
    app.jinja_env.filters["day"] = formatting.format_day
    app.jinja_env.filters["month"] = formatting.format_month
    app.jinja_env.filters["relative_days"] = formatting.relative_days
    app.jinja_env.filters["instant"] = formatting.format_instant
    app.jinja_env.filters["score"] = formatting.format_score
    app.jinja_env.filters["number"] = formatting.format_number
    app.jinja_env.filters["label"] = labels.label
    app.jinja_env.filters["audit_field"] = labels.audit_field
    app.jinja_env.filters["audit_value"] = labels.audit_value
    app.jinja_env.filters["audit_subject"] = labels.audit_subject
    app.jinja_env.filters["audit_subject_name"] = labels.audit_subject_name
    app.jinja_env.filters["message_status_label"] = labels.message_status_label
    app.jinja_env.globals["today_utc"] = lambda: dt.datetime.now(dt.UTC).date()
    app.jinja_env.globals["static_url"] = static_url

    from . import auth, errors, navigation

    auth.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    if config.running_a_command() and isinstance(app.url_map, RoutesOnFirstUse):
        app.url_map.register_on_first_use(lambda: register_routes(app))
    else:
        register_routes(app)


def register_routes(app: Flask) -> None:
    """Every page's blueprint and the API (at once for the web server, on first use of
    the URL map for a command)."""
    from .views import admin, language, main, profile
    from .views import auth as auth_views
    from .views.forms import IdConverter

    # Before any blueprint: routes compile their converters when they are added.
    app.url_map.converters["id"] = IdConverter

    app.register_blueprint(main.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(language.bp)

    from .views import exports, meetings, summary

    app.register_blueprint(summary.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(exports.bp)

    from .views import actions, bulk, evidence, imports, programmes  # issue 3: action workflow

    app.register_blueprint(actions.bp)
    app.register_blueprint(evidence.bp)  # issue 18: evidence files
    app.register_blueprint(bulk.bp)  # issue 14: many actions at once
    app.register_blueprint(programmes.bp)
    app.register_blueprint(imports.bp)

    from . import api
    from .views import tokens

    api.init_app(app)  # issue 6: /api/v1, exempt from CSRF (bearer tokens only)
    app.register_blueprint(tokens.bp)

    from .views import notifications  # issue 4: reminders, mail, password reset

    app.register_blueprint(notifications.bp)

    from .views import members, public  # issue 11: programme spaces, public progress pages

    app.register_blueprint(members.bp)
    app.register_blueprint(public.bp)

    from .views import reminder_link  # issue 18: one tap from a reminder

    app.register_blueprint(reminder_link.bp)
