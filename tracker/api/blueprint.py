"""The API's blueprint, apart from the package so that its modules can import it."""

from __future__ import annotations

from flask import Blueprint

from .errors import init_blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
init_blueprint(bp)
