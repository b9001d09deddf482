"""tracker's benchmark: pages, updates, exports, reminder ticks and memory at 1k to 100k actions.

    .venv/bin/python bench/run.py [--sizes 1000,10000,100000] [--backends sqlite,postgresql]
                                  [--repeat 5] [--load-seconds 5] [--no-load]

For each backend and size it seeds a fresh database with ``flask --app tracker
seed-synthetic`` (100 programmes, 10 events per action), then:

* in a fresh Python process, through the Flask test client signed in as a
  coordinator, times each page (median of ``--repeat`` runs after one warm-up), one
  status update, a CSV export of about 1,000 filtered rows, a reminder tick that plans
  and delivers about 1,000 reminders to a loopback aiosmtpd server, and a tick with
  nothing due; and reads the process's peak memory after the page requests;
* runs ``gunicorn -w 2`` (deploy/gunicorn.conf.py) and ``wrk`` (Debian package
  ``wrk``) on loopback against the summary, the list and ``/healthz``, and reads the
  workers' peak memory.

Rows whose feature is not in the app yet print "n/a (not built)". Results go to
bench/results/ (a JSON file per run and ``latest.txt``) and the table to stdout.
PostgreSQL comes from ``--pg-url`` (default: ``TRACKER_BENCH_PG_URL`` or the local
server); each size gets its own database ``tracker_bench_<N>``, dropped and re-created.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
PASSWORD = "bench-password-0123"
SECRET = "bench-secret-key-not-for-production"
PROGRAMMES = 100
NOT_BUILT = "n/a (not built)"
# A fixed instant for the ticks: 08:00 local in any programme's zone falls on :00 or :30,
# so nothing else becomes due between these minutes.
TICK_TIME = dt.time(12, 17)

ROWS: list[tuple[str, str]] = [
    ("seed_s", "seed-synthetic (s)"),
    ("summary_all", "summary, all programmes (ms)"),
    ("summary_all_cold", "summary, all programmes, cold cache (ms)"),
    ("summary_one", "summary, one programme (ms)"),
    ("list_default", "actions list, page 1 (ms)"),
    ("list_owner_overdue", "actions list, owner+overdue (ms)"),
    ("action_page", "action page, long history (ms)"),
    ("status_update", "one status update (ms)"),
    ("csv_export", "CSV export, ~1,000 rows (ms)"),
    ("tick_first_file", "first tick (all due), file outbox (s)"),
    ("tick_first_smtp", "first tick (all due), SMTP (s)"),
    ("tick_first_mails", "  mails / lines planned"),
    ("tick_week_file", "tick a week later, file outbox (s)"),
    ("tick_week_smtp", "tick a week later, SMTP (s)"),
    ("tick_week_mails", "  mails / lines planned"),
    ("tick_week_split", "  plan / compose / send, SMTP (s)"),
    ("tick_first_split_file", "  first tick: plan / compose / send, file (s)"),
    ("tick_week_split_file", "  week later: plan / compose / send, file (s)"),
    ("tick_first_split_smtp", "  first tick: plan / compose / send, SMTP (s)"),
    ("tick_load", "  load average at the ticks"),
    ("tick_due", "reminder tick, ~1,000 due (ms)"),
    ("tick_nothing", "reminder tick, nothing due (ms)"),
    ("rss_serving", "peak RSS after requests (MiB)"),
    ("rss_process", "peak RSS incl. ticks (MiB)"),
    ("rss_helper", "  peak RSS of a delivery helper process (MiB)"),
    ("rps_healthz", "wrk /healthz (req/s)"),
    ("rps_summary", "wrk summary, all (req/s)"),
    ("rps_list", "wrk actions list (req/s)"),
    ("rps_profile", "wrk /profile (req/s)"),
    ("rps_list_mix", "wrk list mix (req/s)"),
    ("rps_action_mix", "wrk action page mix (req/s)"),
    ("p50_profile", "wrk /profile median latency (ms)"),
    ("p50_list_mix", "wrk list mix median latency (ms)"),
    ("p50_action_mix", "wrk action mix median latency (ms)"),
    ("list_mix_vs_profile", "list mix / /profile req/s"),
    ("action_mix_vs_profile", "action mix / /profile req/s"),
    ("worker_hwm", "gunicorn worker peak RSS (MiB)"),
    ("csv_rows", "  rows in that CSV"),
    ("reminders_due", "  reminders in that tick"),
    ("history_events", "  events on that action"),
    ("mix_events", "  events on the mix's shortest history"),
]
# Rows whose ratio (largest size over smallest) the ratio columns show.
RATIO_ROWS = {
    "summary_all", "summary_all_cold", "summary_one", "list_default", "list_owner_overdue",
    "action_page", "status_update", "csv_export", "tick_due", "tick_nothing", "rss_serving",
    "rss_process", "rps_healthz", "rps_summary", "rps_list", "rps_profile", "rps_list_mix",
    "rps_action_mix", "p50_profile", "p50_list_mix", "p50_action_mix", "worker_hwm",
}  # fmt: skip
MIX_OWNERS = 20
MIX_ACTIONS = 20
LIST_PAGES = 5
# wrk's script for a URL mix: each request takes the next path of the list in turn.
WRK_MIX_LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_WRK_PATHS")) do paths[#paths + 1] = line end
local next_path = 0
request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
"""


# --------------------------------------------------------------------------------------
# The in-process half, run as ``bench/run.py --worker URL`` in a fresh process.


def _median_ms(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm-up: caches, compiled statements, the connection pool
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def _peak_rss_mib(children: bool = False) -> float:
    """This process's peak RSS, or (``children``) the largest of those it has waited for."""
    import resource

    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _arrange(engine: Any) -> dict[str, Any]:
    """Pick what the measurements use: a coordinator, a programme, a long history, filters."""
    import sqlalchemy as sa

    from tracker.services import users as user_service

    with engine.begin() as conn:
        # The head office's coordinator: a coordinator of every programme (seed/members.py).
        user_id, email = conn.execute(
            sa.text(
                'SELECT u.id, u.email FROM "user" u JOIN membership m ON m.user_id = u.id '
                "WHERE m.role = 'coordinator' GROUP BY u.id, u.email "
                "ORDER BY count(*) DESC, u.id LIMIT 1"
            )
        ).one()
        conn.execute(
            sa.text(
                'UPDATE "user" SET password_hash = :h, must_change_password = :f WHERE id = :i'
            ),
            {"h": user_service.hash_password(PASSWORD), "i": user_id, "f": False},
        )
        programme_id = conn.execute(sa.text("SELECT min(id) FROM programme")).scalar()
        long_action, events = conn.execute(
            sa.text(
                "SELECT action_id, count(*) FROM action_event GROUP BY action_id "
                "ORDER BY count(*) DESC, action_id LIMIT 1"
            )
        ).one()
        today = dt.datetime.now(dt.UTC).date()
        owner = conn.execute(
            sa.text(
                "SELECT owner_user_id FROM action WHERE owner_user_id IS NOT NULL "
                "AND status IN ('not_started', 'in_progress', 'blocked') AND due_on < :today "
                "GROUP BY owner_user_id ORDER BY count(*) DESC, owner_user_id LIMIT 1"
            ),
            {"today": today},
        ).scalar()
        update_action = conn.execute(
            sa.text(
                "SELECT id FROM action WHERE status IN ('in_progress', 'blocked') "
                "ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
        # The URL mixes: the owners with most actions, and the longest histories.
        mix_owners = (
            conn.execute(
                sa.text(
                    "SELECT owner_user_id FROM action WHERE owner_user_id IS NOT NULL "
                    "GROUP BY owner_user_id ORDER BY count(*) DESC, owner_user_id LIMIT :n"
                ),
                {"n": MIX_OWNERS},
            )
            .scalars()
            .all()
        )
        long_actions = conn.execute(
            sa.text(
                "SELECT action_id, count(*) FROM action_event GROUP BY action_id "
                "ORDER BY count(*) DESC, action_id LIMIT :n"
            ),
            {"n": MIX_ACTIONS},
        ).all()
    return {
        "email": email,
        "programme_id": programme_id,
        "long_action": long_action,
        "history_events": events,
        "owner": owner,
        "update_action": update_action,
        "list_mix": [f"/actions?owner={o}" for o in mix_owners]
        + [f"/actions?page={n}" for n in range(1, LIST_PAGES + 1)]
        + [f"/actions?owner={o}&overdue=1" for o in mix_owners],
        "action_mix": [f"/actions/{a}" for a, _ in long_actions],
        "mix_events": min(n for _, n in long_actions),
    }


def _csv_filter(engine: Any, wanted: int = 1000) -> tuple[dict[str, str], int]:
    """The list filter whose result is closest to ``wanted`` rows (one programme, a status...)."""
    import sqlalchemy as sa

    from tracker.db import new_session
    from tracker.services import listing, policy

    with new_session(engine) as session:
        programme = str(session.execute(sa.text("SELECT min(id) FROM programme")).scalar())
        best: tuple[int, dict[str, str], int] | None = None
        for status in ("", "not_started", "in_progress", "blocked", "implemented"):
            for scope in ({}, {"programme": programme}):
                args = scope | ({"status": status} if status else {})
                count = listing.list_actions(
                    session, listing.ActionFilter.from_args(args, reader=policy.EVERYTHING), 1
                ).total
                if best is None or abs(count - wanted) < best[0]:
                    best = (abs(count - wanted), args, count)
    assert best is not None
    return best[1], best[2]


def _features(app: Any) -> set[str]:
    endpoints = set(app.view_functions)
    found = set()
    for name, endpoint in [
        ("summary_all", "summary.index"),
        ("summary_one", "summary.programme"),
        ("list", "actions.list_actions"),
        ("action_page", "actions.detail"),
        ("status_update", "actions.update"),
        ("csv_export", "exports.actions_csv"),
    ]:
        if endpoint in endpoints:
            found.add(name)
    try:
        from tracker.reminders import tick  # noqa: F401

        found.add("tick")
    except ImportError:
        pass
    return found


def _bench_app(url: str, smtp_port: int = 0) -> Any:
    from tracker import create_app

    return create_app(
        {
            "SECRET_KEY": SECRET,
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "OUTBOX_DIR": str(RESULTS / "outbox"),
            "BASE_URL": "http://tracker.bench",
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": smtp_port,
            "MAIL_SECURITY": "none",
            "MAIL_FROM": "tracker <tracker@bench.example.org>",
            # A measured tick must deliver all it plans (the target): the scheduler's
            # 240 s budget stopped the bench, with no figure, on a loaded machine.
            "MAIL_DELIVERY_SECONDS": 3600,
        }
    )


def run_pages(url: str, repeat: int) -> dict[str, Any]:
    """Pages, one update and the export, through the test client; then the peak memory."""
    from tracker.db import get_engine

    result: dict[str, Any] = {}
    app = _bench_app(url)
    engine = get_engine(app)
    picked = _arrange(engine)
    features = _features(app)
    client = app.test_client()
    answer = client.post("/auth/login", data={"email": picked["email"], "password": PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"bench: cannot sign in ({answer.status_code})")

    def page(path: str) -> Callable[[], Any]:
        def get() -> None:
            response = client.get(path)
            body = response.get_data()
            if response.status_code != 200:
                raise SystemExit(f"bench: GET {path} answered {response.status_code}")
            assert body

        return get

    programme = picked["programme_id"]
    pages = {
        "summary_all": ("summary_all", "/"),
        "summary_one": ("summary_one", f"/programmes/{programme}/summary"),
        "list_default": ("list", "/actions"),
        "list_owner_overdue": ("list", f"/actions?owner={picked['owner']}&overdue=1"),
        "action_page": ("action_page", f"/actions/{picked['long_action']}"),
    }
    for key, (feature, path) in pages.items():
        result[key] = _median_ms(page(path), repeat) if feature in features else NOT_BUILT
    result["history_events"] = picked["history_events"]
    if "summary_all" in features:
        warm = page("/")

        def cold() -> None:
            # The first view after any change: the summary cache holds nothing.
            cache = app.extensions.get("tracker_summary_cache")
            if cache is not None:
                cache.clear()
            warm()

        result["summary_all_cold"] = _median_ms(cold, repeat)
    else:
        result["summary_all_cold"] = NOT_BUILT

    if "csv_export" in features:
        args, rows = _csv_filter(engine)
        query = urllib.parse.urlencode(args)
        result["csv_export"] = _median_ms(page(f"/actions/export.csv?{query}"), repeat)
        result["csv_rows"] = rows
    else:
        result["csv_export"] = result["csv_rows"] = NOT_BUILT

    if "status_update" in features:
        result["status_update"] = _median_ms(_status_updater(client, engine, picked), repeat)
    else:
        result["status_update"] = NOT_BUILT
    result["rss_serving"] = _peak_rss_mib()
    engine.dispose()
    return result


def run_ticks(url: str, repeat: int) -> dict[str, Any]:
    """The reminder ticks, in their own process (bounded by the caller's limits)."""
    from tracker.db import get_engine

    smtp = _SMTPServer()
    smtp.start()
    app = _bench_app(url, smtp.port)
    if "tick" not in _features(app):
        return dict.fromkeys(("tick_due", "tick_nothing", "reminders_due"), NOT_BUILT)
    engine = get_engine(app)
    with app.app_context():
        result = _ticks(app, engine, smtp, repeat)
    result["rss_process"] = _peak_rss_mib()
    # Before the SMTP server's process ends: the children waited for so far are the
    # delivery helpers (reminders.processes), 0 where none ran.
    result["rss_helper"] = _peak_rss_mib(children=True) or "none"
    smtp.stop()
    engine.dispose()
    return result


def _status_updater(client: Any, engine: Any, picked: dict[str, Any]) -> Callable[[], None]:
    """Each call moves the action between in_progress and blocked, with a comment."""
    import sqlalchemy as sa

    action_id = picked["update_action"]

    def update() -> None:
        with engine.connect() as conn:
            version, status = conn.execute(
                sa.text("SELECT version, status FROM action WHERE id = :i"), {"i": action_id}
            ).one()
        target = "blocked" if status == "in_progress" else "in_progress"
        response = client.post(
            f"/actions/{action_id}/update",
            data={
                "version": str(version),
                "status": target,
                "comment": "Benchmark update.",
                "owner": "keep",
                "due_mode": "keep",
            },
        )
        if response.status_code != 303:
            raise SystemExit(f"bench: update answered {response.status_code}")

    return update


def _reset_reminders(engine: Any) -> None:
    """Back to a database no scheduler has seen: no reminder lines or mails, every
    action's next instant to compute, no escalation week planned."""
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE reminder_line SET outbox_message_id = NULL")
        conn.exec_driver_sql("DELETE FROM reminder_line WHERE kind <> 'token_expiry'")
        conn.exec_driver_sql("DELETE FROM outbox_message WHERE kind = 'reminder'")
        conn.exec_driver_sql("DELETE FROM reminder_schedule")
        conn.exec_driver_sql("UPDATE programme SET escalation_planned_week = NULL")


# The tables a reset and a measured tick rewrite in bulk (tens of thousands of rows).
CHURNED = ("action", "reminder_schedule", "reminder_line", "outbox_message", "programme")


def _settle(engine: Any) -> None:
    """What autovacuum would have done by the next tick in production, outside the timing.

    The bench's PostgreSQL runs with autovacuum off; a reset empties the schedule and the
    outbox and the first tick fills them again, so without this the next timed tick plans
    against tables full of dead rows and index entries with statistics from before the
    reset (a reused database grows with every run). In production a week, and autovacuum,
    pass between those ticks. ``BENCH_NO_VACUUM=1`` (``--no-vacuum``) measures as before.
    SQLite has no dead rows to clear, and a fresh ``ANALYZE`` there changed no planning
    time (week-later tick at 100,000: 2.44 and 2.80 s without, 2.51 and 2.75 s with).
    """
    if engine.dialect.name != "postgresql" or os.environ.get("BENCH_NO_VACUUM"):
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(CHURNED)}")


def _timed_tick(engine: Any, at: dt.datetime, settings: Any) -> dict[str, Any]:
    """One tick that must plan and deliver everything due: its time and where it went."""
    import sqlalchemy as sa

    from tracker.models import UTCDateTime
    from tracker.reminders.tick import run_tick

    started = time.perf_counter()
    outcome = run_tick(engine, at, settings)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        left = conn.execute(
            sa.text(
                "SELECT count(*) FROM outbox_message WHERE kind = 'reminder' "
                "AND status IN ('pending', 'failed', 'sending')"
            )
        ).scalar()
        lines = conn.execute(
            sa.text("SELECT count(*) FROM reminder_line WHERE planned_at = :at").bindparams(
                sa.bindparam("at", at, type_=UTCDateTime())
            )
        ).scalar()
    if left or outcome.failed:
        raise SystemExit(f"bench: a tick left {left} mails undelivered ({outcome.failed} failed)")
    return {
        "seconds": round(seconds, 2),
        "split": f"{outcome.plan_seconds:.1f} / {outcome.compose_seconds:.1f} / "
        f"{outcome.send_seconds:.1f}" + (f" x{outcome.processes}" if outcome.processes > 1 else ""),
        "mails": f"{outcome.sent:,} / {int(lines or 0):,}",
    }


def _ticks(app: Any, engine: Any, smtp: _SMTPServer, repeat: int) -> dict[str, Any]:
    """The first tick on a database no scheduler has seen and the tick a week later (each
    with the file outbox and with SMTP, from the same state), then ticks with ~1,000 fresh
    reminders, then ticks with nothing due."""
    import sqlalchemy as sa

    from tracker.mail import MailSettings
    from tracker.reminders.tick import run_tick

    settings = MailSettings.from_config(app.config)
    outbox = RESULTS / f"outbox-{os.getpid()}"
    file_settings = MailSettings.from_config(
        {**app.config, "MAIL_HOST": None, "OUTBOX_DIR": str(outbox)}
    )
    first = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), TICK_TIME, tzinfo=dt.UTC)
    week = first + dt.timedelta(days=7)
    result: dict[str, Any] = {"tick_load": " / ".join(f"{x:.1f}" for x in os.getloadavg())}
    for name, chosen_settings in (("file", file_settings), ("smtp", settings)):
        _reset_reminders(engine)
        _settle(engine)
        shutil.rmtree(outbox, ignore_errors=True)
        print(f"bench: first tick, {name}", file=sys.stderr, flush=True)
        one = _timed_tick(engine, first, chosen_settings)
        _settle(engine)
        print(f"bench: tick a week later, {name}", file=sys.stderr, flush=True)
        later = _timed_tick(engine, week, chosen_settings)
        result[f"tick_first_{name}"], result[f"tick_week_{name}"] = one["seconds"], later["seconds"]
        result["tick_first_mails"], result["tick_week_mails"] = one["mails"], later["mails"]
        result[f"tick_first_split_{name}"] = one["split"]
        result[f"tick_week_split_{name}"] = later["split"]
        if name == "smtp":
            result["tick_week_split"] = later["split"]
    _settle(engine)
    shutil.rmtree(outbox, ignore_errors=True)
    result["tick_load"] += " -> " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    now = week + dt.timedelta(hours=1)

    with engine.connect() as conn:
        chosen = [
            row[0]
            for row in conn.execute(
                sa.text(
                    'SELECT a.id FROM action a JOIN "user" u ON u.id = a.owner_user_id '
                    "WHERE a.status IN ('not_started', 'in_progress', 'blocked') AND u.active "
                    "ORDER BY a.id LIMIT 1000"
                )
            )
        ]
        programme_days = dict(conn.execute(sa.text("SELECT id, timezone FROM programme")).all())

    def line_count() -> int:
        with engine.connect() as conn:
            # Planned lines only: superseded thresholds are recorded too, as skipped.
            count = conn.execute(
                sa.text("SELECT count(*) FROM reminder_line WHERE state <> 'skipped'")
            ).scalar()
            return int(count or 0)

    due_times, planned = [], []
    for run in range(max(1, repeat)):
        # A new due date starts a new series: its 7-days-before threshold was reached
        # yesterday, so this tick plans one reminder per chosen action.
        days_ahead = 6 - run % 6
        _redate(engine, chosen, now, days_ahead, programme_days)
        at = now + dt.timedelta(minutes=1 + run)
        before = line_count()
        started = time.perf_counter()
        run_tick(engine, at, settings)
        due_times.append(time.perf_counter() - started)
        planned.append(line_count() - before)

    nothing_times = []
    for run in range(repeat + 1):
        at = now + dt.timedelta(minutes=30 + run)
        started = time.perf_counter()
        outcome = run_tick(engine, at, settings)
        if run:
            nothing_times.append(time.perf_counter() - started)
        if outcome.planned:
            raise SystemExit(f"bench: the nothing-due tick planned {outcome.planned} mails")
    return result | {
        "tick_due": round(statistics.median(due_times) * 1000, 1),
        "reminders_due": int(statistics.median(planned)),
        "tick_nothing": round(statistics.median(nothing_times) * 1000, 1),
        "mails_received": smtp.count,
    }


def _redate(
    engine: Any, action_ids: list[int], now: dt.datetime, days: int, zones: dict[int, str]
) -> None:
    import sqlalchemy as sa

    from tracker.formatting import local_today

    with engine.begin() as conn:
        rows = conn.execute(
            sa.text("SELECT id, programme_id FROM action WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": action_ids},
        ).all()
        updates = [
            {"i": action_id, "d": local_today(zones[programme], now) + dt.timedelta(days=days)}
            for action_id, programme in rows
        ]
        conn.execute(
            sa.text(
                "UPDATE action SET due_on = :d, follows_deadline = :f, version = version + 1 "
                "WHERE id = :i"
            ),
            [u | {"f": False} for u in updates],
        )
        conn.execute(  # what services.journal.reschedule_reminders does
            sa.text(
                "UPDATE reminder_schedule SET next_at = NULL, generation = generation + 1 "
                "WHERE action_id = :i"
            ),
            updates,
        )


def _serve_smtp(port: int, count: Any, ready: Any, stop: Any) -> None:
    """The loopback SMTP server's process: aiosmtpd, counting what it accepts."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class _SMTPServer:
    """aiosmtpd on a free loopback port that counts what it accepts, in a process of its
    own, as a relay would be: in the tick's process its parsing of every message shared
    the tick's interpreter lock and counted as the tick's sending time."""

    def __init__(self) -> None:
        import multiprocessing

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # Counted, not kept: the tick process's peak memory is one of the measurements.
        self._context = multiprocessing.get_context("spawn")
        self._count = self._context.Value("i", 0)
        self._ready = self._context.Event()
        self._stop = self._context.Event()
        self.process: Any = None

    @property
    def count(self) -> int:
        return int(self._count.value)

    def start(self) -> None:
        self.process = self._context.Process(
            target=_serve_smtp, args=(self.port, self._count, self._ready, self._stop)
        )
        self.process.start()
        if not self._ready.wait(30):
            raise SystemExit("bench: the SMTP server did not start")

    def stop(self) -> None:
        self._stop.set()
        self.process.join(10)


# --------------------------------------------------------------------------------------
# The orchestrating half: databases, seeding, the worker process, gunicorn and wrk.


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {
        "TRACKER_DATABASE_URL": url,
        "TRACKER_SECRET_KEY": SECRET,
        "TRACKER_LOG_LEVEL": "INFO",
        "TRACKER_OUTBOX_DIR": str(RESULTS / "outbox"),
    }
    return env


def prepare_database(backend: str, size: int, args: argparse.Namespace) -> tuple[str, float | str]:
    """A freshly migrated database seeded with ``size`` actions; its URL and the seed time."""
    import sqlalchemy as sa

    from tracker import migrate
    from tracker.db import create_db_engine

    if backend == "sqlite":
        path = RESULTS / "db" / f"bench-{size}.sqlite"
        url = f"sqlite:///{path}"
        if args.reuse and path.exists():
            return _reused(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()
    else:
        name = f"{args.pg_prefix}{size}"
        url = sa.engine.make_url(args.pg_url).set(database=name).render_as_string(False)
        admin = create_db_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %(n)s", {"n": name}
            ).first()
            if not (args.reuse and exists):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        if args.reuse and exists:
            return _reused(url)
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()

    command = [
        str(BIN / "flask"), "--app", "tracker", "seed-synthetic",
        "--programmes", str(min(PROGRAMMES, size)), "--actions", str(size),
        "--events-per-action", str(args.events_per_action), "--seed", str(args.seed),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, env=_env(url), check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    _analyse(url)
    return url, round(seconds, 1)


def _reused(url: str) -> tuple[str, str]:
    """A database seeded by an earlier run, brought to the newest schema and re-analysed."""
    from tracker import migrate
    from tracker.db import create_db_engine

    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    _analyse(url)
    return url, "reused"


def _analyse(url: str) -> None:
    """What a database that grew over years has and a bulk load has not: planner
    statistics, and on PostgreSQL a visibility map (``VACUUM``), without which an
    index-only scan reads the heap for every row. Production runs autovacuum; the
    bench's server may not (this machine's has it off), so the bench does it here,
    outside any timing. ``--no-vacuum`` keeps the bare ``ANALYZE``."""
    from tracker.db import create_db_engine

    engine = create_db_engine(url)
    vacuum = engine.dialect.name == "postgresql" and not os.environ.get("BENCH_NO_VACUUM")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if vacuum else "ANALYZE")
    engine.dispose()


def run_in_fresh_process(
    url: str, phase: str, repeat: int, *, timeout: float | None = None, memory_gib: float = 0
) -> dict[str, Any]:
    """One phase in a new Python process; a phase over its time or memory says so instead."""
    command = [
        sys.executable, str(Path(__file__)), "--worker", url, "--phase", phase,
        "--repeat", str(repeat),
    ]  # fmt: skip
    log = RESULTS / "logs" / "worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)

    def limit_memory() -> None:
        if memory_gib:
            import resource

            limit = int(memory_gib * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with log.open("a") as stderr:
        try:
            done = subprocess.run(
                command, cwd=ROOT, env=_env(url), stdout=subprocess.PIPE, stderr=stderr,
                text=True, timeout=timeout, preexec_fn=limit_memory,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"timed_out": f"n/a (over {timeout:.0f} s)"}
    if done.returncode != 0:
        if memory_gib and "MemoryError" in log.read_text()[-5000:]:
            return {"timed_out": f"n/a (over {memory_gib:g} GiB)"}
        raise SystemExit(f"bench: the {phase} phase failed; see {log}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _signed_in_cookie(base: str, email: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/auth/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {"email": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    opener.open(f"{base}/auth/login", urllib.parse.urlencode(data).encode(), timeout=30)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _wait_idle(base: str) -> None:
    """Let requests queued by the last wrk run finish, so they do not count against the next."""
    import concurrent.futures

    def probe(_: int) -> None:
        urllib.request.urlopen(f"{base}/healthz", timeout=120).read()

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(probe, range(4)))


def _wrk(url: str, cookie: str, seconds: int, runs: int = 3) -> float | str:
    return _wrk_run(url, cookie, seconds, runs)[0]


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_run(
    url: str, cookie: str, seconds: int, runs: int = 3, paths: list[str] | None = None
) -> tuple[float | str, float | str]:
    """Requests per second and median latency (ms), medians of ``runs`` runs of wrk.

    With ``paths``, each request takes the next of them in turn (a Lua script); any
    answer other than 2xx or 3xx spoils the row ("errors: N").
    """
    rates, medians = [], []
    base = url.split("/", 3)
    extra: list[str] = []
    env = dict(os.environ)
    if paths:
        script = RESULTS / "logs" / "mix.lua"
        listing = RESULTS / "logs" / f"mix-{os.getpid()}-{abs(hash(tuple(paths)))}.txt"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(WRK_MIX_LUA)
        listing.write_text("\n".join(paths) + "\n")
        extra = ["-s", str(script)]
        env["BENCH_WRK_PATHS"] = str(listing)
    for _ in range(runs):
        _wait_idle("/".join(base[:3]))
        out = subprocess.run(
            ["wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "60s", "--latency",
             "-H", f"Cookie: {cookie}", *extra, url],
            capture_output=True, text=True, check=True, env=env,
        ).stdout  # fmt: skip
        if "Non-2xx or 3xx responses" in out:
            error = f"errors: {out.split('Non-2xx or 3xx responses:')[1].split()[0]}"
            return error, error
        rates.append(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)))  # type: ignore[union-attr]
        median = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if median:
            medians.append(float(median.group(1)) * _UNITS[median.group(2)])
    latency: float | str = round(statistics.median(medians), 1) if medians else "n/a"
    return round(statistics.median(rates), 1), latency


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


LOAD_KEYS = (
    "rps_healthz", "rps_summary", "rps_list", "rps_profile", "rps_list_mix", "rps_action_mix",
    "p50_profile", "p50_list_mix", "p50_action_mix", "worker_hwm",
)  # fmt: skip


def run_load(
    url: str, picked: dict[str, Any], args: argparse.Namespace, features: set[str]
) -> dict[str, Any]:
    """gunicorn -w 2 with the deploy config, and wrk against single pages and URL mixes."""
    if shutil.which("wrk") is None:
        return dict.fromkeys(LOAD_KEYS, "n/a (no wrk: apt-get install wrk)")
    port = _free_port()
    log = (RESULTS / "logs" / "gunicorn.log").open("a")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--workers", "2",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=_env(url), stdout=log, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        cookie = _signed_in_cookie(base, picked["email"])
        result: dict[str, Any] = {
            "rps_healthz": _wrk(f"{base}/healthz", cookie, args.load_seconds),
            "rps_summary": _wrk(f"{base}/", cookie, args.load_seconds)
            if "summary_all" in features
            else NOT_BUILT,
            "rps_list": _wrk(f"{base}/actions", cookie, args.load_seconds)
            if "list" in features
            else NOT_BUILT,
        }
        result["rps_profile"], result["p50_profile"] = _wrk_run(
            f"{base}/profile", cookie, args.load_seconds
        )
        for key, feature in (("list_mix", "list"), ("action_mix", "action_page")):
            if feature in features:
                result[f"rps_{key}"], result[f"p50_{key}"] = _wrk_run(
                    f"{base}/", cookie, args.load_seconds, paths=picked[key]
                )
                ratio = _ratio(result[f"rps_{key}"], result["rps_profile"])
                result[f"{key}_vs_profile"] = f"{ratio:.3f}" if ratio is not None else "n/a"
            else:
                result[f"rps_{key}"] = result[f"p50_{key}"] = NOT_BUILT
                result[f"{key}_vs_profile"] = NOT_BUILT
        result["mix_events"] = picked["mix_events"]
        result["worker_hwm"] = max((_hwm_mib(p) for p in _children(server.pid)), default=0.0)
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _app_features(url: str) -> set[str]:
    from tracker import create_app

    app = create_app({"SECRET_KEY": SECRET, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    return _features(app)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value) if value is not None else "—"


def _with_ratio_columns(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Beside each backend's sizes, a column of largest over smallest for the timed rows."""
    shown: dict[str, dict[str, Any]] = {}
    for backend in ("sqlite", "postgresql"):
        columns = [c for c in results if c.startswith(f"{backend} ")]
        shown |= {c: results[c] for c in columns}
        sizes = sorted(int(c.split()[1].replace(",", "")) for c in columns)
        if len(sizes) < 2:
            continue
        small, large = (results[f"{backend} {s:,}"] for s in (sizes[0], sizes[-1]))
        ratios: dict[str, Any] = {}
        for key in RATIO_ROWS:
            ratio = _ratio(large.get(key), small.get(key))
            ratios[key] = f"{ratio:.2f}x" if ratio is not None else ""
        shown[f"{backend} {_short(sizes[-1])}/{_short(sizes[0])}"] = ratios
    return shown | {c: results[c] for c in results if c not in shown}


def _short(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def render_table(results: dict[str, dict[str, Any]]) -> str:
    results = _with_ratio_columns(results)
    columns = list(results)
    width = max(len(label) for _, label in ROWS) + 2
    cells = {c: [_format(results[c].get(key)) for key, _ in ROWS] for c in columns}
    col_width = {c: max(len(c), *(len(v) for v in cells[c])) + 2 for c in columns}
    lines = ["".ljust(width) + "".join(c.rjust(col_width[c]) for c in columns)]
    for index, (_, label) in enumerate(ROWS):
        lines.append(
            label.ljust(width) + "".join(cells[c][index].rjust(col_width[c]) for c in columns)
        )
    return "\n".join(lines)


def _ratio(a: Any, b: Any) -> float | None:
    if isinstance(a, int | float) and isinstance(b, int | float) and b:
        return a / b
    return None


def render_targets(results: dict[str, dict[str, Any]]) -> str:
    """The issue's targets, as ratios within each backend, largest size against smallest."""
    lines = []
    for backend in ("sqlite", "postgresql"):
        sizes = sorted(int(c.split()[1].replace(",", "")) for c in results if c.startswith(backend))
        if not sizes:
            continue
        small, large = (results[f"{backend} {s:,}"] for s in (sizes[0], sizes[-1]))
        label = f"{backend} {sizes[-1]:,} vs {sizes[0]:,}"
        checks = [
            ("summary all", _ratio(large.get("summary_all"), small.get("summary_all")), "<= 3"),
            ("summary all, cold cache",
             _ratio(large.get("summary_all_cold"), small.get("summary_all_cold")), "<= 3"),
            ("list mix / profile req/s",
             _ratio(large.get("rps_list_mix"), large.get("rps_profile")), ">= 0.25"),
            ("action mix / profile req/s",
             _ratio(large.get("rps_action_mix"), large.get("rps_profile")), ">= 0.25"),
            ("list mix median latency",
             _ratio(large.get("p50_list_mix"), small.get("p50_list_mix")), "<= 1.5"),
            ("action mix median latency",
             _ratio(large.get("p50_action_mix"), small.get("p50_action_mix")), "<= 1.5"),
            ("summary one", _ratio(large.get("summary_one"), small.get("summary_one")), "<= 3"),
            ("list page 1", _ratio(large.get("list_default"), small.get("list_default")), "<= 3"),
            ("worker peak RSS", _ratio(large.get("worker_hwm"), small.get("worker_hwm")), "<= 1.5"),
            ("in-process RSS", _ratio(large.get("rss_serving"), small.get("rss_serving")),
             "<= 1.5"),
            ("idle tick / 1k tick", _ratio(large.get("tick_nothing"), large.get("tick_due")),
             "<= 0.1"),
            ("summary / healthz req/s",
             _ratio(large.get("rps_summary"), large.get("rps_healthz")), ">= 0.1"),
        ]  # fmt: skip
        for name, ratio, target in checks:
            if ratio is None:
                shown, verdict = "n/a", ""
            else:
                limit = float(target.split()[1])
                ok = ratio <= limit if target.startswith("<=") else ratio >= limit
                shown, verdict = f"{ratio:.3g}", "met" if ok else "MISSED"
            lines.append(f"{label:28} {name:26} {shown:>7}  target {target:8} {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--events-per-action", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-seconds", type=int, default=5)
    parser.add_argument("--no-load", action="store_true", help="Skip gunicorn and wrk.")
    parser.add_argument("--phases", default="pages,ticks,load", help="Any of pages,ticks,load.")
    parser.add_argument(
        "--reuse", action="store_true", help="Keep databases an earlier run seeded (no seed time)."
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "TRACKER_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--pg-prefix",
        default="tracker_bench_",
        help="PostgreSQL databases are named PREFIX<size> (default tracker_bench_).",
    )
    parser.add_argument("--tick-repeat", type=int, default=3)
    parser.add_argument("--tick-timeout", type=float, default=1200, help="Seconds (default 1200).")
    parser.add_argument("--tick-memory-gib", type=float, default=6.0)
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="No VACUUM on PostgreSQL after seeding, a reset or a tick (seeding: ANALYZE only).",
    )
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=["pages", "ticks"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.no_vacuum:
        os.environ["BENCH_NO_VACUUM"] = "1"  # the ticks' process inherits it

    if args.worker:
        phase = run_pages if args.phase == "pages" else run_ticks
        print(json.dumps(phase(args.worker, args.repeat)))
        return

    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    phases = set(args.phases.split(","))
    results: dict[str, dict[str, Any]] = {}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for backend in backends:
        for size in sizes:
            column = f"{backend} {size:,}"
            print(f"bench: {column}: seeding", file=sys.stderr, flush=True)
            url, seed_seconds = prepare_database(backend, size, args)
            result: dict[str, Any] = {"seed_s": seed_seconds}
            if "pages" in phases:
                print(f"bench: {column}: pages in process", file=sys.stderr, flush=True)
                result |= run_in_fresh_process(url, "pages", args.repeat)
            if "ticks" in phases:
                print(f"bench: {column}: reminder ticks", file=sys.stderr, flush=True)
                ticks = run_in_fresh_process(
                    url, "ticks", args.tick_repeat, timeout=args.tick_timeout,
                    memory_gib=args.tick_memory_gib,
                )  # fmt: skip
                if "timed_out" in ticks:
                    ticks = dict.fromkeys(
                        (
                            "tick_due",
                            "tick_nothing",
                            "reminders_due",
                            "rss_process",
                            "tick_first_file",
                            "tick_first_smtp",
                            "tick_week_file",
                            "tick_week_smtp",
                        ),
                        ticks["timed_out"],
                    )
                result |= ticks
            if "load" in phases and not args.no_load:
                print(f"bench: {column}: gunicorn + wrk", file=sys.stderr, flush=True)
                result |= run_load(url, _picked(url), args, _app_features(url))
            results[column] = result
            (RESULTS / f"{stamp}.json").write_text(json.dumps(results, indent=2))
    table = render_table(results)
    targets = render_targets(results)
    header = (
        f"tracker benchmark {stamp}: {PROGRAMMES} programmes, {args.events_per_action} events "
        f"per action, medians of {args.repeat} runs; wrk -t1 -c4 {args.load_seconds}s x3"
    )
    text = f"{header}\n\n{table}\n\n{targets}\n"
    (RESULTS / f"{stamp}.txt").write_text(text)
    (RESULTS / "latest.txt").write_text(text)
    print(text)


def _picked(url: str) -> dict[str, Any]:
    """The coordinator the load run signs in as, with the bench password set (a load-only
    run has not been through the pages phase, which sets it), and the URL mixes."""
    from tracker.db import create_db_engine

    engine = create_db_engine(url)
    picked = _arrange(engine)
    engine.dispose()
    return picked


if __name__ == "__main__":
    main()
