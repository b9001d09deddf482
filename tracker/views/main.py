"""Plumbing pages that are not part of any feature: the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint

from ..db import get_session

bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """For a load balancer: 200 while the database answers, 503 when it does not."""
    try:
        get_session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return {"status": "database unreachable"}, 503
    return {"status": "ok"}, 200
