"""The WSGI entry point for production servers: ``gunicorn -c deploy/gunicorn.conf.py``.

A missing or malformed setting (no ``TRACKER_SECRET_KEY``, say) stops the server at
start-up with one line on standard error and exit status 4, which gunicorn's arbiter
reads as "the app cannot load" and so does not keep restarting workers.
"""

from __future__ import annotations

import sys

from . import create_app
from .config import ConfigError

APP_LOAD_ERROR = 4  # gunicorn.arbiter.Arbiter.APP_LOAD_ERROR

try:
    app = create_app()
except ConfigError as exc:
    print(f"tracker: {exc.message}", file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR) from None
