"""Plumbing pages that are not part of any feature: the health checks."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app

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


@bp.get("/healthz/scheduler")
def healthz_scheduler() -> tuple[dict[str, object], int]:
    """For a monitor, not the load balancer: 503 when the reminder ticks stopped.

    Stale means no tick for three intervals (or none ever). A dead scheduler must page
    someone, but must not take healthy web nodes out of rotation, so it has its own URL.
    """
    from ..reminders import configured_interval, scheduler_heartbeat

    try:
        beat = scheduler_heartbeat(
            get_session(), interval_minutes=configured_interval(current_app.config)
        )
    except sa.exc.SQLAlchemyError:
        return {"status": "database unreachable"}, 503
    body: dict[str, object] = {
        "status": "never ran" if beat.never_ran else "stale" if beat.stale else "ok",
        "last_tick_at": beat.last_tick_at.isoformat() if beat.last_tick_at else None,
        "age_minutes": beat.age_minutes,
        "interval_minutes": beat.interval_minutes,
        "last_result": beat.last_result,
    }
    return body, 503 if beat.stale else 200
