"""tracker: Mine Action Review recommendations as tracked actions."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from flask import Flask

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, database, web extensions, blueprints, commands."""
    # The first call imports some 650 modules; the cyclic collector would walk their
    # long-lived objects again and again meanwhile (a fifth of a command's start-up),
    # and after it is enabled, all of them again at its first full pass and at the
    # interpreter's exit: the first call moves them out of its sight for good
    # (``gc.freeze``; they live as long as the process, and fewer than 200 of them are
    # garbage). That alone took a third off ``send-reminders --help``'s CPU time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _assemble(test_config)
    finally:
        if collecting:
            if not gc.get_freeze_count():
                gc.freeze()
            gc.enable()


def _assemble(test_config: dict[str, Any] | None) -> Flask:
    from . import cli, config, db, proxy, web
    from . import logging as tracker_logging

    app = web.TrackerFlask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    config.load_config(app, test_config)
    tracker_logging.init_app(app)
    proxy.init_app(app)
    db.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
