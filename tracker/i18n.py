"""Which language a page or a mail is in: the person's choice, a cookie, the browser, the default.

Flask's side of ``tracker.languages``: the locale selector Flask-Babel calls, the
instance default (``TRACKER_DEFAULT_LOCALE``) and the template helpers.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale

from .languages import SOURCE_LANGUAGE, available_languages, language_choices

# Anonymous visitors' choice (sign-in and password-reset pages): no stored data changes.
COOKIE = "tracker_language"
COOKIE_MAX_AGE = 365 * 24 * 3600


def default_language() -> str:
    return str(current_app.config.get("DEFAULT_LOCALE") or SOURCE_LANGUAGE)


def select_locale() -> str:
    """Flask-Babel's locale selector, in the order of issue 12.

    The signed-in person's stored language; else the cookie set by the switch on the
    anonymous pages; else the browser's ``Accept-Language``; else the default.
    Outside a request (scheduler, commands) the default: mail sets its own with
    ``force_locale``.
    """
    languages = available_languages()
    if not has_request_context():
        return default_language()
    from .auth import signed_in_user

    user = signed_in_user()
    if user is not None and user.language in languages:
        return str(user.language)
    cookie = request.cookies.get(COOKIE)
    if cookie in languages:
        return str(cookie)
    best = request.accept_languages.best_match(languages)
    return best or default_language()


def current_language() -> str:
    locale = get_locale()
    return str(locale.language) if locale else SOURCE_LANGUAGE


def init_app(app: Flask) -> None:
    """Check the default language exists and give templates the language helpers."""
    default = str(app.config.get("DEFAULT_LOCALE") or SOURCE_LANGUAGE).lower()
    if default not in available_languages():
        from .config import ConfigError

        raise ConfigError(
            f"TRACKER_DEFAULT_LOCALE {default!r} has no compiled catalogue: use "
            + " or ".join(available_languages())
            + " ('make setup' compiles the catalogues)"
        )
    app.config["DEFAULT_LOCALE"] = default
    app.config["BABEL_DEFAULT_LOCALE"] = default
    app.jinja_env.globals["language_choices"] = language_choices
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["language_cookie"] = COOKIE
