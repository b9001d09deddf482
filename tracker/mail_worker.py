"""A helper delivery process: ``python -m tracker.mail_worker`` (``reminders.processes``).

Reads its job as JSON on standard input (the app's settings, which hold the secret key
and the database's address, so never in a command line), delivers what is due at the
job's instant with the same mail settings and budget as the tick that started it, and
prints its counts as one line of JSON; with nothing on standard input (a helper started
before planning, then not needed) it exits at once. Exit status 1, with one line on standard error,
if it cannot.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from . import create_app
from .db import get_engine
from .mail import MailSettings
from .reminders import delivery, processes


def main() -> int:
    raw = sys.stdin.buffer.read()
    if not raw:
        return 0  # dismissed: the tick had too few mails to share
    try:
        job = json.loads(raw)
        now = dt.datetime.fromisoformat(job["now"])
        settings = MailSettings(**job["mail"])
        app = create_app(job["config"])
    except (ValueError, KeyError, TypeError) as exc:
        print(f"tracker mail worker: bad job: {exc}", file=sys.stderr)
        return 1
    engine = get_engine(app)
    try:
        with app.app_context():
            result = delivery.deliver_pending(engine, now, settings)
    finally:
        engine.dispose()
    print(json.dumps(processes.counts_of(result)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
