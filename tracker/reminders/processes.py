"""Delivery in more than one process, on PostgreSQL, when a tick has many mails (issue 15).

Composing a mail is Python work, and one interpreter runs its Python on one core
whatever its threads do: delivering the 1,990 mails of the week-later tick at 100,000
actions kept one core busy for 9-12 s while the other was mostly idle (PostgreSQL used
about a third of it). A second process claiming from the same outbox halves that:
claims are per row (``outbox.claim``, ``FOR UPDATE SKIP LOCKED``), so each mail still
goes out once, as when several schedulers tick at once. On SQLite one writer at a time
holds the file, and the second process waits for the first's claims and records: the
same delivery took 10.4 s in two processes against 7.5 s in one, so there the default
is one. A relay with ``MAIL_MAX_PER_MINUTE`` is served by one process too, whose pace
keeps to the rate.

The helper is ``python -m tracker.mail_worker``: it reads the app's settings as a first
line of JSON on standard input (never in its command line), as soon as it starts, and
builds the app and warms what delivery needs while the tick plans; then the job (the
instant, the mail settings), delivers with the same budget, and prints its counts as
JSON. Building the app after the job came kept the helper 0.8-0.9 s behind the tick.
If it fails, the tick goes on alone: what it had claimed and not recorded returns at
its lease (``outbox.LEASE``), as after any crash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from .. import mail
from ..db import new_session
from . import delivery, outbox

log = logging.getLogger(__name__)

WORKER_MODULE = "tracker.mail_worker"
# Each process gets at least this many of the mails due, or there is one: starting a
# process costs about 0.6 s of a core before its first claim, and 200 mails take about
# a second in one (the due tick at 1,000 actions, about 200 mails, stays in one).
MIN_MESSAGES = 200
# A tick that looks at this many actions or more starts its helpers while it plans (so
# their start-up overlaps planning's waits for the database): the week-later tick at
# 100,000 actions looks at 26,000 and plans 1,990 mails; the due tick at 1,000 looks at
# 1,000 and plans about 200.
EARLY_ACTIONS = 5_000
# How long past its budget a helper may take to record its last batch and exit.
GRACE_SECONDS = 60.0
COUNTS = ("sent", "failed", "dead", "cancelled")
TIMES = ("compose_seconds", "send_seconds")


def process_count(engine: Engine, config: Mapping[str, Any], settings: mail.MailSettings) -> int:
    """How many processes deliver a large tick: ``MAIL_DELIVERY_PROCESSES``, or (0, the
    default) two on PostgreSQL with two cores or more and one otherwise."""
    if settings.max_per_minute:
        return 1
    wanted = int(config.get("MAIL_DELIVERY_PROCESSES") or 0)
    if wanted > 0:
        return wanted
    if engine.dialect.name == "postgresql" and (os.cpu_count() or 1) >= 2:
        return 2
    return 1


def helpers_for(wanted: int, due: int) -> int:
    """How many processes to start beside this one: each gets ``MIN_MESSAGES`` or more."""
    return max(0, min(wanted, due // MIN_MESSAGES) - 1)


class Crew:
    """The processes that deliver one tick: this one, and helpers started before planning
    when the tick looks large (``standby``), so that their start-up (0.5-0.7 s, mostly
    imports) overlaps planning, which waits for the database; or after it, when more
    mails are due than it looked."""

    def __init__(
        self,
        engine: Engine,
        now: dt.datetime,
        settings: mail.MailSettings,
        config: Mapping[str, Any],
    ) -> None:
        self.engine, self.now, self.settings, self.config = engine, now, settings, config
        self.wanted = process_count(engine, config, settings)
        self.waiting: list[_Helper] = []
        self._setup: bytes | None = None
        self._warming: threading.Thread | None = None

    def _start(self) -> _Helper:
        if self._setup is None:
            self._setup = _setup(self.engine, self.config)
        return _start(self._setup)

    def warm_up(self, looked: int) -> None:
        """If the tick looks at ``EARLY_ACTIONS`` actions or more (the planner says how
        many, ``planner.plan_reminders``'s ``on_scan``), start the helpers now and warm
        this process's delivery in a thread: planning mostly waits for the database."""
        if looked < EARLY_ACTIONS or self._warming is not None:
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        self._warming = threading.Thread(
            target=_warm_here, args=(app,), name="delivery-warm-up", daemon=True
        )
        self._warming.start()
        if self.wanted >= 2 and not self.waiting:
            self.waiting = [self._start() for _ in range(self.wanted - 1)]

    def deliver(self) -> delivery.DeliveryResult:
        """``delivery.deliver_pending``, helped by more processes when many mails are due;
        their counts are added to this process's. Needs an app context, as delivery does."""
        if self._warming is not None:
            self._warming.join()
        helpers = 0
        if self.wanted > 1:
            with new_session(self.engine) as session:
                helpers = helpers_for(self.wanted, outbox.due_count(session, self.now))
        if not helpers:
            self.dismiss()
            return delivery.deliver_pending(self.engine, self.now, self.settings)
        crew = self.waiting[:helpers]
        self.waiting = self.waiting[helpers:]
        self.dismiss()
        crew += [self._start() for _ in range(helpers - len(crew))]
        job = _job(self.now, self.settings)
        for helper in crew:
            helper.give(job)
        try:
            result = delivery.deliver_pending(self.engine, self.now, self.settings)
        except BaseException:
            for helper in crew:
                _collect(helper, delivery.DeliveryResult(), self.settings)
            raise
        for helper in crew:
            _collect(helper, result, self.settings)
        result.processes += len(crew)
        return result

    def dismiss(self) -> None:
        """Helpers given no job exit without a word."""
        for helper in self.waiting:
            helper.dismiss()
        self.waiting = []


@contextmanager
def standby(
    engine: Engine, now: dt.datetime, settings: mail.MailSettings, config: Mapping[str, Any]
) -> Iterator[Crew]:
    """A tick's crew (``Crew``: planning warms it up); helpers left without a job are
    dismissed."""
    crew = Crew(engine, now, settings, config)
    try:
        yield crew
    finally:
        crew.dismiss()


def _warm_here(app: Flask) -> None:
    """``delivery.warm_up`` in this process, beside planning (which holds the connection)."""
    try:
        with app.app_context():
            delivery.warm_up()
    except Exception:  # only a head start: the first mail does it again if need be
        log.exception("warming delivery up failed")


def _setup(engine: Engine, config: Mapping[str, Any]) -> bytes:
    """A helper's first line: the settings that survive JSON (the rest are Flask's
    defaults, which the helper's app sets again) and this engine's database."""
    settings_of_app: dict[str, Any] = {}
    for key, value in config.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        settings_of_app[key] = value
    settings_of_app["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    return json.dumps({"config": settings_of_app}).encode() + b"\n"


def _job(now: dt.datetime, settings: mail.MailSettings) -> bytes:
    """What a helper delivers, once planning is done: the instant and the mail settings."""
    return json.dumps({"now": now.isoformat(), "mail": dataclasses.asdict(settings)}).encode()


@dataclasses.dataclass
class _Helper:
    process: subprocess.Popen[bytes]
    output: IO[bytes]  # a file, not a pipe: a long error list cannot block the helper

    def give(self, job: bytes) -> None:
        assert self.process.stdin is not None
        try:
            with self.process.stdin:
                self.process.stdin.write(job)
        except BrokenPipeError:  # it failed while warming: _collect reports its exit status
            pass

    def dismiss(self) -> None:
        """No job: the helper reads the end of its standard input and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()


def _start(setup: bytes) -> _Helper:
    """A helper process, given the app's settings (``_setup``) at once: it builds the
    app and warms delivery, then waits for its job (``_Helper.give``)."""
    root = str(Path(__file__).resolve().parents[2])
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [root, *filter(None, [environment.get("PYTHONPATH")])]
    )
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _collect or dismiss)
    process = subprocess.Popen(  # noqa: S603 (this interpreter, our module, no shell)
        [sys.executable, "-m", WORKER_MODULE],
        stdin=subprocess.PIPE,
        stdout=output,
        env=environment,
    )
    assert process.stdin is not None
    try:
        process.stdin.write(setup)
        process.stdin.flush()
    except BrokenPipeError:  # it died at once: _collect reports its exit status
        pass
    return _Helper(process, output)


def _collect(helper: _Helper, result: delivery.DeliveryResult, settings: mail.MailSettings) -> None:
    """Wait for a helper (its budget and a grace), then add its counts to ``result``; a
    helper that failed is an error line, not an exception: the mails it held return at
    their lease."""
    process = helper.process
    try:
        process.wait(timeout=settings.delivery_seconds + GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        _failed(result, f"a delivery process (pid {process.pid}) outran its budget and was stopped")
        return
    finally:
        helper.output.seek(0)
        output = helper.output.read()
        helper.output.close()
    try:
        counts = json.loads(output.decode().strip().splitlines()[-1]) if output else None
    except (ValueError, IndexError):
        counts = None
    if process.returncode != 0 or not isinstance(counts, dict):
        _failed(result, f"a delivery process (pid {process.pid}) exited with {process.returncode}")
        return
    for name in COUNTS:
        setattr(result, name, getattr(result, name) + int(counts.get(name, 0)))
    for name in TIMES:
        setattr(result, name, getattr(result, name) + float(counts.get(name, 0.0)))
    result.errors.extend(str(error) for error in counts.get("errors", []))


def _failed(result: delivery.DeliveryResult, message: str) -> None:
    log.warning("%s; its claimed mails return at their lease", message)
    result.errors.append(message)


def counts_of(result: delivery.DeliveryResult) -> dict[str, Any]:
    """What a helper prints: its counts, times and errors (``_collect`` reads them)."""
    return {name: getattr(result, name) for name in (*COUNTS, *TIMES, "errors")}
