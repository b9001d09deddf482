"""The JSON API under /api/v1: personal bearer tokens, OpenAPI 3.1, problem+json errors.

The blueprint ignores cookies entirely, so it is exempt from CSRF: a request is
authorised by its ``Authorization: Bearer`` header alone.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from . import docs, views  # noqa: F401  (their routes register themselves on bp)
    from .blueprint import bp

    csrf.exempt(bp)
    app.register_blueprint(bp)
