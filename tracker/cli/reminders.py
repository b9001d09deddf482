"""The reminder commands: ``send-reminders`` (one tick) and ``run-scheduler`` (ticks forever)."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app

from .. import db
from .common import fail


def parse_now(value: str) -> dt.datetime:
    """An ISO-8601 instant with a UTC offset or Z; a naive time is refused."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date and time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise click.BadParameter(
            f"{value!r} has no UTC offset; add one, e.g. {value}Z or {value}+07:00"
        )
    return parsed.astimezone(dt.UTC)


@click.command("send-reminders")
@click.option("--now", "now_text", metavar="ISO-8601", help="Run as of this instant (with offset).")
@click.option("--dry-run", is_flag=True, help="Print who would get which mail; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts.")
def send_reminders_command(now_text: str | None, dry_run: bool, as_json: bool) -> None:
    """Run one reminder tick: plan the due reminders, then deliver the outbox."""
    from ..mail import MailError, MailSettings
    from ..models import utcnow
    from ..reminders.tick import run_tick

    now = utcnow()
    if now_text is not None:
        try:
            now = parse_now(now_text)
        except click.BadParameter as exc:
            fail(f"--now: {exc.message}")
    try:
        settings = MailSettings.from_config(current_app.config)
    except MailError as exc:
        fail(str(exc))
    result = run_tick(db.get_engine(), now, settings, dry_run=dry_run)
    if as_json:
        payload: dict[str, object] = dict(result.counts())
        if dry_run:
            payload["dry_run"] = True
            payload["would_send"] = dict(result.would_send)
        click.echo(json.dumps(payload))
        return
    if dry_run:
        for email, keys in result.would_send:
            click.echo(f"would mail {email}: {len(keys)} item(s)")
            for key in keys:
                click.echo(f"  {key}")
        click.echo(f"dry run at {now.isoformat()}: {result.planned} mail(s), nothing written")
        return
    click.echo(
        f"reminders at {now.isoformat()}: planned {result.planned}, sent {result.sent}, "
        f"failed {result.failed}, cancelled {result.cancelled}, skipped {result.skipped}"
    )


@click.command("run-scheduler")
def run_scheduler_command() -> None:
    """Run the reminder scheduler in this process until stopped (Ctrl-C or SIGTERM)."""
    from ..reminders.scheduler import run_scheduler

    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]
