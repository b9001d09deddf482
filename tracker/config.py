"""Configuration: built-in defaults, then ``instance/config.py``, then ``TRACKER_*`` variables.

Secrets never live in code: the first run writes a random ``SECRET_KEY`` into the
instance file, and production passes ``TRACKER_SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: sqlite:///<instance>/tracker.sqlite
    "BASE_URL": "http://127.0.0.1:5000",
    "HTTPS": False,
    # Mail: with no MAIL_HOST, messages are written as .eml files to instance/outbox/.
    "MAIL_HOST": None,
    "MAIL_PORT": 25,
    "MAIL_SECURITY": "none",  # none | starttls | ssl
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "tracker <tracker@localhost>",
    "MAIL_TIMEOUT": 20,
    "OUTBOX_DIR": None,  # None: <instance>/outbox
    "SCHEDULER_INTERVAL_MINUTES": 5,
    # Reminder delivery: at most this many mails a minute (0: unlimited, for relays that
    # throttle), and for at most this many seconds per tick (the rest waits for the next).
    "MAIL_MAX_PER_MINUTE": 0,
    "MAIL_DELIVERY_SECONDS": 240,
    # Processes delivering a large tick (0: two on PostgreSQL with two cores, else one).
    "MAIL_DELIVERY_PROCESSES": 0,
    "LOG_LEVEL": "INFO",
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # Pages without a person's or browser's choice, and mail to people with none (issue 12).
    "DEFAULT_LOCALE": "en",
    # Server-side sign-ins (issue 16): idle time since last seen, and absolute lifetime.
    "SESSION_IDLE_HOURS": 12,
    "SESSION_LIFETIME_DAYS": 30,
    # Issue 18: evidence files, each at most UPLOAD_MAX_MB; the whole request (several
    # files and the form) at most MAX_CONTENT_LENGTH bytes, answered 413 beyond.
    "UPLOAD_MAX_MB": 10,
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    # Reverse proxies in front of the app that set each X-Forwarded-* header (0: trust none).
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    "PROXY_FIX_X_PORT": 0,
    "PROXY_FIX_X_PREFIX": 0,
}

# Environment variables whose value is not a plain string.
_BOOLEAN = {"HTTPS", "TESTING"}
_NOT_SETTINGS = {
    "TRACKER_TEST_DATABASE_URL",
    "TRACKER_CREATE_INSTANCE_CONFIG",
    "TRACKER_DEV_BASE_URL",
}
_INTEGER = {
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "MAIL_MAX_PER_MINUTE",
    "MAIL_DELIVERY_SECONDS",
    "MAIL_DELIVERY_PROCESSES",
    "SCHEDULER_INTERVAL_MINUTES",
    "SESSION_IDLE_HOURS",
    "SESSION_LIFETIME_DAYS",
    "UPLOAD_MAX_MB",
    "MAX_CONTENT_LENGTH",
} | {f"PROXY_FIX_X_{header}" for header in ("FOR", "PROTO", "HOST", "PORT", "PREFIX")}

INSTANCE_CONFIG_TEMPLATE = '''"""Instance configuration, written on first run.

Not committed: it holds a secret.
"""

SECRET_KEY = {key!r}
'''


class ConfigError(click.ClickException, RuntimeError):
    """A setting is missing or malformed; the message is one line for the operator.

    A click exception, so that ``flask --app tracker ...`` prints that one line
    (``Error: ...``, exit status 1) instead of a traceback; ``tracker.wsgi`` does the
    same for gunicorn.
    """


def _parse_env(name: str, raw: str) -> Any:
    if name in _BOOLEAN:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if name in _INTEGER:
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"TRACKER_{name} must be a whole number, not {raw!r}") from exc
    return raw


def running_a_command() -> bool:
    """True inside a ``flask`` command other than ``run``, which serves browsers."""
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        return False
    import click

    context = click.get_current_context(silent=True)
    return context is None or context.info_name != "run"


def ensure_instance_config(instance_path: str | Path) -> Path:
    """Write ``instance/config.py`` with a random secret key if it does not exist yet."""
    path = Path(instance_path) / "config.py"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(INSTANCE_CONFIG_TEMPLATE.format(key=secrets.token_hex(32)))
        path.chmod(0o600)
    return path


def load_config(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in the documented order of precedence."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        instance_file = Path(app.instance_path) / "config.py"
        if os.environ.get("TRACKER_CREATE_INSTANCE_CONFIG") == "1":
            ensure_instance_config(app.instance_path)
        if instance_file.exists():
            app.config.from_pyfile(str(instance_file))
        # bin/run-dev says where it serves (make run PORT=5101): mail links and calendar
        # feeds follow the port unless the instance file or TRACKER_BASE_URL names one.
        dev_base_url = os.environ.get("TRACKER_DEV_BASE_URL")
        if dev_base_url and app.config["BASE_URL"] == DEFAULTS["BASE_URL"]:
            app.config["BASE_URL"] = dev_base_url
        for key, raw in os.environ.items():
            if key.startswith("TRACKER_") and key not in _NOT_SETTINGS:
                name = key.removeprefix("TRACKER_")
                app.config[name] = _parse_env(name, raw)
    else:
        app.config.from_mapping(test_config)

    if not app.config.get("DATABASE_URL"):
        db_file = Path(app.instance_path) / "tracker.sqlite"
        app.config["DATABASE_URL"] = f"sqlite:///{db_file}"
    if not app.config.get("OUTBOX_DIR"):
        app.config["OUTBOX_DIR"] = str(Path(app.instance_path) / "outbox")
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    for name in ("SESSION_IDLE_HOURS", "SESSION_LIFETIME_DAYS"):
        if int(app.config[name]) < 1:
            raise ConfigError(f"TRACKER_{name} must be at least 1, not {app.config[name]!r}")
    if not app.config.get("SECRET_KEY") and running_a_command():
        # Commands (import-profile, send-reminders, ...) sign nothing a browser keeps:
        # they need no shared key, so a throwaway one lets them run on a bare checkout.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        app.config["SECRET_KEY_EPHEMERAL"] = True
    if not app.config.get("SECRET_KEY"):
        raise ConfigError(
            "TRACKER_SECRET_KEY is not set (and instance/config.py has no SECRET_KEY); "
            "'make run' creates one for development"
        )
