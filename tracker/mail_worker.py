"""A helper delivery process: ``python -m tracker.mail_worker`` (``reminders.processes``).

Reads the app's settings as a first line of JSON on standard input (they hold the
secret key and the database's address, so never in a command line), builds the app and
warms what delivery needs while the tick that started it plans, then reads its job (the
instant and the mail settings), delivers what is due with the same budget, and prints
its counts as one line of JSON. With no job (standard input ends: the tick had too few
mails to share) it exits at once. Exit status 1, with one line on standard error, if it
cannot.
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
    setup = sys.stdin.buffer.readline()
    if not setup.strip():
        return 0  # dismissed before it was set up
    try:
        app = create_app(json.loads(setup)["config"])
    except (ValueError, KeyError, TypeError) as exc:
        print(f"tracker mail worker: bad settings: {exc}", file=sys.stderr)
        return 1
    engine = get_engine(app)
    try:
        with app.app_context():
            delivery.warm_up(engine)
            raw = sys.stdin.buffer.read()
            if not raw.strip():
                return 0  # dismissed: the tick had too few mails to share
            try:
                job = json.loads(raw)
                now = dt.datetime.fromisoformat(job["now"])
                settings = MailSettings(**job["mail"])
            except (ValueError, KeyError, TypeError) as exc:
                print(f"tracker mail worker: bad job: {exc}", file=sys.stderr)
                return 1
            result = delivery.deliver_pending(engine, now, settings)
    finally:
        engine.dispose()
    print(json.dumps(processes.counts_of(result)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
