"""The JSON API under /api/v1: personal bearer tokens, OpenAPI 3.1, problem+json errors.

The blueprint ignores cookies entirely, so it is exempt from CSRF: a request is
authorised by its ``Authorization: Bearer`` header alone.
"""

from __future__ import annotations

from flask import Flask


def load_operations() -> None:
    """Import every module that declares operations: each registers its routes on the
    blueprint and its operations in the OpenAPI document (the app and the messages'
    extractor both need all of them)."""
    from . import docs, evidence, views  # noqa: F401


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from .blueprint import bp

    load_operations()

    csrf.exempt(bp)
    app.register_blueprint(bp)
