"""The programme overview, the first page a person sees."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..db import get_session
from ..services import overview as overview_service

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    session = get_session()
    overviews = [
        overview_service.programme_overview(session, programme)
        for programme in overview_service.list_programmes(session)
    ]
    return render_template("main/index.html", overviews=overviews)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """For a load balancer: 200 while the database answers, 503 when it does not."""
    import sqlalchemy as sa

    try:
        get_session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return {"status": "database unreachable"}, 503
    return {"status": "ok"}, 200
