"""The reminder scheduler: APScheduler 3 in its own process, never in a web worker.

One job with a fixed id, ``coalesce`` (missed runs collapse into one) and
``max_instances=1`` (a slow tick is never overlapped by the next). Every tick writes
a heartbeat, so the pages can warn when this process has stopped. Running two
schedulers by mistake sends nothing twice: planning and delivery are safe in parallel.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from .. import db
from ..mail import MailSettings
from ..models import utcnow
from .heartbeat import configured_interval
from .tick import run_tick

JOB_ID = "tracker-reminders-tick"
log = logging.getLogger("tracker.reminders")


def tick_job(app: Flask) -> None:
    """One tick as of the wall clock, inside an app context; errors are logged, not fatal."""
    with app.app_context():
        try:
            result = run_tick(db.get_engine(app), utcnow(), MailSettings.from_config(app.config))
        except Exception:
            log.exception("reminder tick failed")
            return
        log.info("reminder tick: %s in %.2fs", result.counts(), result.seconds)


def build_scheduler(app: Flask) -> BlockingScheduler:
    minutes = configured_interval(app.config)
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        tick_job,
        "interval",
        minutes=minutes,
        args=[app],
        id=JOB_ID,
        name="plan and send reminder e-mails",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=minutes * 60,
        next_run_time=utcnow(),  # first tick now, then every interval
    )
    return scheduler


def run_scheduler(app: Flask) -> None:
    logging.basicConfig(
        level=app.config.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    scheduler = build_scheduler(app)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping the scheduler", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info(
        "reminder scheduler started: every %s minute(s)",
        app.config.get("SCHEDULER_INTERVAL_MINUTES"),
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
