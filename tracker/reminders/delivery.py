"""Delivery: send the outbox at least once, never lose a message.

Messages are claimed ``BATCH`` at a time (``outbox.claim``: a conditional update, one
worker per row), then each batch is *read* (the lines of the whole batch re-checked in
one query, ``recheck.recheck_batch``, and the escalation digests its mails name),
*composed* (in the caller's thread, which has the app and its locale: each mail from
the rows that stand, with what a run reads once for all its mails, ``run_reads``,
built once as bytes) and *sent* (over one connection kept for the whole run, then the
batch's outcomes written in one transaction). The three run at once, in threads with a
queue of one batch between them, so that the database's and the relay's replies are
waited for while the next mails are composed.

A failed send is retried after 1 min, 5 min, 30 min, 2 h and 12 h, then the message is
dead. A message left ``sending`` past its lease (a crash mid-send) returns to pending:
a rare second delivery carries the same Message-ID. A run stops at its time budget
(``MAIL_DELIVERY_SECONDS``) and keeps to ``MAIL_MAX_PER_MINUTE`` if set; what is left
waits for the next tick. An error in any stage stops the others and is raised once
they have stopped; what was claimed and not recorded waits for its lease.
"""

from __future__ import annotations

import datetime as dt
import queue
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .. import mail
from ..db import new_session
from ..models import LineKind, MessageKind, MessageStatus, OutboxMessage, Programme
from . import compose, outbox, recheck
from .digest import prefetch_digests
from .outbox import BACKOFF, LEASE, release_expired_leases, retry_message

__all__ = ["BACKOFF", "LEASE", "DeliveryResult", "deliver_pending", "release_expired_leases",
           "retry_message"]  # fmt: skip

BATCH = 50
SWITCH_SECONDS = 0.0005


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)
    # How many processes delivered (``processes.Crew``): their counts are summed here.
    processes: int = 1
    # Where the run's time went (bench/run.py): the re-check and composing, and handing
    # over; the stages overlap, so these add up to more than the run's time.
    compose_seconds: float = 0.0
    send_seconds: float = 0.0


@dataclass
class _Prepared:
    """A claimed message after its re-check: the mail to send (None: cancelled)."""

    message: OutboxMessage
    email: mail.OutgoingMail | None
    subject: str
    cancelled: dict[str, list[int]]


@dataclass
class _Batch:
    """One claim's messages on their way through the stages."""

    token: str
    claimed: list[OutboxMessage]
    checked: dict[int, recheck.Checked] = field(default_factory=dict)
    prepared: list[_Prepared] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)  # not composed: released


# Between two stages: one batch at a time, then None when the stage before is done.
_Queue = queue.Queue[_Batch | None]


@dataclass
class _Run:
    """What every stage of one delivery run shares: the settings, the programmes, what
    composing read once for all mails (``compose.RunReads``), and when to stop."""

    engine: Engine
    now: dt.datetime
    settings: mail.MailSettings
    programmes: dict[int, Programme]
    pace: _Pace
    reads: compose.RunReads = field(default_factory=compose.RunReads)
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)
    # Seconds each stage spent working, by stage (each stage writes its own).
    busy: dict[str, float] = field(default_factory=dict)

    def fail(self, exc: BaseException) -> None:
        self.errors.append(exc)
        self.stop.set()

    def count(self, stage: str, started: float) -> None:
        self.busy[stage] = self.busy.get(stage, 0.0) + time.perf_counter() - started


class _Pace:
    """The run's time budget and the relay's rate: when to stop, how long to wait."""

    def __init__(self, settings: mail.MailSettings, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.stop_at = clock() + settings.delivery_seconds
        self.interval = 60.0 / settings.max_per_minute if settings.max_per_minute > 0 else 0.0
        self.next_at = clock()

    def over(self) -> bool:
        return self.clock() >= self.stop_at

    def wait_turn(self) -> bool:
        """Sleep until the next message may go; False if that is past the budget."""
        if self.interval:
            if self.next_at >= self.stop_at:
                return False
            delay = self.next_at - self.clock()
            if delay > 0:
                time.sleep(delay)
            self.next_at = max(self.next_at, self.clock()) + self.interval
        return not self.over()


def warm_up(engine: Engine | None = None) -> None:
    """What delivery otherwise does at its first mail, done ahead while the tick plans:
    the reminder templates compiled in each language mail is written in (0.2-0.3 s of
    a process's CPU at 100,000 actions) and, given ``engine``, a database connection
    opened. Needs an app context."""
    from ..languages import available_languages

    if engine is not None:
        with engine.connect():
            pass
    for language in available_languages():
        with force_locale(language):
            mail.compile_mail("reminder")


def deliver_pending(
    engine: Engine,
    now: dt.datetime,
    settings: mail.MailSettings,
    *,
    transport: mail.Transport | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryResult:
    """Send every message due at ``now`` within the time budget; safe to run in parallel.
    Needs an app context (composing renders the app's mail templates)."""
    result = DeliveryResult()
    sender = transport or mail.transport_for(settings)
    with new_session(engine) as reader:
        programmes = {p.id: p for p in reader.exec(select(Programme)) if p.id is not None}
    run = _Run(engine, now, settings, programmes, _Pace(settings, clock))
    try:
        with new_session(engine, write=True) as session, session.begin():
            release_expired_leases(session, now)
        _deliver_in_stages(run, sender, result)
    finally:
        sender.close()
    result.compose_seconds = run.busy.get("read", 0.0) + run.busy.get("compose", 0.0)
    result.send_seconds = run.busy.get("send", 0.0)
    if run.errors:
        raise run.errors[0]
    return result


def _deliver_in_stages(run: _Run, sender: mail.Transport, result: DeliveryResult) -> None:
    """Reading and sending in threads beside composing: the database's replies, and the
    relay's, are waited for while the next mails are composed. With a core to spare this
    is faster with either transport (PostgreSQL at 100,000, file outbox, delivery alone,
    load 2.7-3.5: 11.6 s against 15.5 s one batch after the other); on a machine with
    none (load 5-6) the threads only contend for the interpreter (17-25 s against 12)."""
    switch = sys.getswitchinterval()
    # A stage whose reply is in (SMTP, a file written) waits for the interpreter until
    # composing lets go of it: at most this long (5 ms by default, several times a
    # mail: sending fell behind composing).
    sys.setswitchinterval(SWITCH_SECONDS)
    try:
        read: _Queue = queue.Queue(maxsize=1)
        composed: _Queue = queue.Queue(maxsize=1)
        stages = [
            threading.Thread(target=_read, args=(run, read), name="delivery-read"),
            threading.Thread(
                target=_send, args=(run, composed, sender, result), name="delivery-send"
            ),
        ]
        for stage in stages:
            stage.start()
        try:
            _compose(run, read, composed)
        finally:
            for stage in stages:
                stage.join()
    finally:
        sys.setswitchinterval(switch)


def _batches(source: _Queue) -> Iterator[_Batch]:
    """What the stage before hands over, until it says it is done (None)."""
    while (batch := source.get()) is not None:
        yield batch


def _next_batch(run: _Run, reading: _Reading) -> _Batch | None:
    """The next batch claimed and re-checked; None once none is left or the run stops."""
    while not run.pace.over() and not run.stop.is_set():
        token = secrets.token_hex(16)
        with new_session(run.engine, write=True) as session, session.begin():
            found = outbox.candidates(session, run.now, reading.after, BATCH)
            ids = [i for _at, i in found]
            claimed = outbox.claim(session, ids, run.now, token) if found else []
        if not found:
            return None
        reading.after = found[-1]
        if claimed:
            started = time.perf_counter()
            batch = _Batch(token, claimed)
            with new_session(run.engine) as session:
                batch.checked = _recheck(session, claimed, run)
            run.count("read", started)
            return batch
    return None


@dataclass
class _Reading:
    """Where the reading stage has got to in the outbox (``outbox.candidates``)."""

    after: outbox.Position | None = None


def _read(run: _Run, out: _Queue) -> None:
    """The reading stage: batch after batch, until none is left or the run stops."""
    reading = _Reading()
    try:
        while (batch := _next_batch(run, reading)) is not None:
            out.put(batch)
    except BaseException as exc:
        run.fail(exc)
    finally:
        out.put(None)


def _recheck(session: Session, claimed: list[OutboxMessage], run: _Run) -> dict[int, Any]:
    """The batch's lines re-checked in one pass, and the digests its mails will name."""
    reminders = [
        (m.id, m.recipient_user_id)
        for m in claimed
        if m.kind == MessageKind.reminder and m.id is not None
    ]
    checked = recheck.recheck_batch(session, reminders, run.now, run.programmes)
    escalated = {
        row.programme_id
        for one in checked.values()
        for row in one.kept
        if row.kind == LineKind.escalation.value and row.programme_id in run.programmes
    }
    prefetch_digests(session, [run.programmes[p] for p in sorted(escalated)], run.now, run.reads)
    return checked


def _compose(run: _Run, source: _Queue, out: _Queue) -> None:
    """The composing stage (in the caller's thread: the app and its locale)."""
    try:
        for batch in _batches(source):
            _compose_batch(run, batch)
            out.put(batch)
    except BaseException as exc:
        run.fail(exc)
        for _ in _batches(source):  # let the reading stage finish
            pass
    finally:
        out.put(None)


def _compose_batch(run: _Run, batch: _Batch) -> None:
    """Compose each claimed mail of ``batch``; none once the run is stopping."""
    if run.stop.is_set() or run.pace.over():
        batch.unsent = [m.id for m in batch.claimed if m.id is not None]
        return
    started = time.perf_counter()
    with new_session(run.engine) as session:
        for message in batch.claimed:
            batch.prepared.append(
                _prepare(session, message, batch.checked.get(message.id or 0), run)
            )
    run.count("compose", started)


def _prepare(
    session: Session, message: OutboxMessage, checked: recheck.Checked | None, run: _Run
) -> _Prepared:
    """Build the e-mail from the message's re-checked lines (``checked``, None for account
    mail, whose body is ready); no e-mail (cancelled) if nothing is left."""
    settings = run.settings
    if message.kind != MessageKind.reminder or checked is None:
        email = mail.build_message(
            settings,
            to=message.recipient_email,
            subject=message.subject,
            text=message.body_text or "",
            html=message.body_html,
            message_id=message.message_id,
        )
        return _Prepared(message, email, message.subject, {})
    assert message.id is not None
    recipient = checked.recipient
    if not checked.kept or recipient is None:
        return _Prepared(message, None, message.subject, checked.cancelled)
    # Composed in the recipient's language: two people get the same facts, each in theirs.
    with force_locale(settings.language_for(recipient.language)):
        built = compose.build_reminder_mail(
            session, recipient, checked.kept, now=run.now, settings=settings,
            programmes=run.programmes, message_id=message.id, issued_at=message.planned_at,
            reads=run.reads,
        )  # fmt: skip
        if built.is_empty:  # an escalation digest with nothing left to escalate
            checked.cancelled["nothing to escalate"] = [r.id for r in checked.kept]
            return _Prepared(message, None, message.subject, checked.cancelled)
        subject, text, html = compose.render_reminder(built, settings)
    email = mail.build_message(
        settings, to=recipient.email, subject=subject, text=text, html=html,
        message_id=message.message_id,
    )  # fmt: skip
    return _Prepared(message, email, subject[:300], checked.cancelled)


def _send(run: _Run, source: _Queue, sender: mail.Transport, result: DeliveryResult) -> None:
    """Send each composed mail of each batch in turn, then record the batch's outcomes."""
    for batch in _batches(source):
        if run.errors:
            continue  # another stage failed: leave the claims to their lease
        try:
            _send_batch(run, batch, sender, result)
        except BaseException as exc:
            run.fail(exc)


def _send_batch(run: _Run, batch: _Batch, sender: mail.Transport, result: DeliveryResult) -> None:
    sent: list[int] = []
    failed: list[tuple[OutboxMessage, str]] = []
    unsent = list(batch.unsent)
    started = time.perf_counter()
    for item in batch.prepared:
        if item.email is None:
            continue
        assert item.message.id is not None
        if unsent or run.stop.is_set() or not run.pace.wait_turn():
            unsent.append(item.message.id)
            continue
        try:
            sender.send(item.email)
        except mail.MailError as exc:
            failed.append((item.message, str(exc)))
            result.errors.append(str(exc))
            continue
        sent.append(item.message.id)
    run.count("send", started)
    with new_session(run.engine, write=True) as session, session.begin():
        _record(session, batch, result)
        outbox.mark_sent(session, sent, batch.token, run.now)
        result.sent += len(sent)
        for message, error in failed:
            status = outbox.mark_failed(session, message, batch.token, run.now, error)
            result.failed += 1
            result.dead += status == MessageStatus.dead
        outbox.release(session, unsent, batch.token)
    if unsent:
        run.stop.set()  # the budget or the rate's last turn is spent: claim no more


def _record(session: Session, batch: _Batch, result: DeliveryResult) -> None:
    """The batch's cancelled lines and messages, and each composed reminder's subject."""
    cancelled: dict[str, list[int]] = {}
    subjects: list[dict[str, Any]] = []
    empty: list[int] = []
    for item in batch.prepared:
        for reason, ids in item.cancelled.items():
            cancelled.setdefault(reason, []).extend(ids)
        assert item.message.id is not None
        if item.email is None:
            empty.append(item.message.id)
        elif item.message.kind == MessageKind.reminder:
            subjects.append({"message": item.message.id, "subject": item.subject})
    outbox.mark_cancelled(session, empty, batch.token)
    result.cancelled += len(empty)
    recheck.apply_cancellations(session, cancelled)
    outbox.record_subjects(session, subjects)
