"""Flask commands: ``flask --app tracker COMMAND``.

Each command does one unit of work in one transaction; bad input exits with status 2
and one line on standard error, and leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from sqlmodel import select

from . import db, migrate
from .importer import ProfileError, parse_profile
from .models import Role, User
from .services import demo as demo_service
from .services import imports as import_service
from .services import users as user_service


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: what a script and a person both can read."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the database to the newest schema."""
    migrate.upgrade(db.get_engine())
    click.echo(f"database ready: {_safe_url(current_app.config['DATABASE_URL'])}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("load-demo")
def load_demo_command() -> None:
    """Load the Cambodia demo once; running it again changes nothing."""
    with db.session_scope() as session:
        result = demo_service.load_demo(session)
        story = demo_service.load_demo_story(session)
    click.echo("Cambodia demo loaded" if result.created else "Cambodia demo already loaded")
    if story:
        click.echo("demo accounts and a year of history added (no passwords: an admin sets them)")


@click.command("import-profile")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and report; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--treaty", type=click.Choice(["APMBC", "CCM"], case_sensitive=False))
def import_profile_command(path: Path, dry_run: bool, as_json: bool, treaty: str | None) -> None:
    """Import the text of a Mine Action Review country profile."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        parsed = parse_profile(raw)
    except ProfileError as exc:
        fail(f"{path}: {exc}")

    payload = parsed.to_json()
    if dry_run:
        message = "dry run: nothing stored"
        warnings = list(parsed.warnings)
    else:
        try:
            with db.session_scope() as session:
                result = import_service.store_profile(session, parsed, treaty=treaty)
        except import_service.ImportRefused as exc:
            fail(f"{path}: {exc}")
        message = result.summary()
        warnings = result.warnings
        payload["warnings"] = warnings
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False))
    else:
        _print_profile(payload)
    for warning in warnings if not as_json else []:
        click.echo(f"warning: {warning}", err=True)
    click.echo(message, err=True)


def _print_profile(payload: dict[str, object]) -> None:
    for key in ("country", "treaty", "article", "deadline", "edition", "year", "rating"):
        click.echo(f"{key:>15}: {payload[key] if payload[key] is not None else '—'}")
    click.echo(f"{'score':>15}: {payload['score']} (computed {payload['computed_score']})")
    recommendations = payload["recommendations"]
    assert isinstance(recommendations, list)
    click.echo(f"{'recommendations':>15}: {len(recommendations)}")
    for number, text in enumerate(recommendations, start=1):
        click.echo(f"{number:>4}. {text}")


@click.command("ensure-admin")
@click.option("--email", default="admin@example.org", show_default=True)
def ensure_admin_command(email: str) -> None:
    """Create the first admin with a random password, printed once, if there is no admin."""
    with db.session_scope() as session:
        if session.exec(select(User).where(User.role == Role.admin)).first() is not None:
            click.echo("admin account exists")
            return
        password = secrets.token_urlsafe(12)
        user_service.create_user(
            session, email=email, name="Administrator", role=Role.admin, password=password
        )
    click.echo("=" * 64)
    click.echo("Admin account created. Sign in with (shown only this once):")
    click.echo(f"  e-mail:   {email}")
    click.echo(f"  password: {password}")
    click.echo("=" * 64)


@click.command("seed-synthetic")
@click.option("--programmes", type=click.IntRange(min=1), required=True)
@click.option("--actions", type=click.IntRange(min=1), required=True, help="In all.")
@click.option("--events-per-action", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Day the dates count from.")
def seed_synthetic_command(
    programmes: int, actions: int, events_per_action: int, seed: int, today: dt.datetime | None
) -> None:
    """Fill the database with generated programmes, actions and histories (for benchmarks)."""
    import sqlalchemy as sa

    from .services import synthetic

    plan = synthetic.SyntheticPlan(
        programmes=programmes,
        actions=actions,
        events_per_action=events_per_action,
        seed=seed,
        **({"today": today.date()} if today else {}),
    )
    if not sa.inspect(db.get_engine()).has_table("action"):
        fail("the database has no tables yet: run 'flask --app tracker init-db' first")
    try:
        plan.check()
        with (
            click.progressbar(length=actions, label="actions", file=sys.stderr) as bar,
            db.session_scope() as session,
        ):
            result = synthetic.seed_synthetic(session, plan, progress=bar.update)
    except synthetic.SyntheticError as exc:
        fail(str(exc))
    click.echo(f"seeded {result.summary()}")


COMMANDS = [
    init_db_command,
    load_demo_command,
    import_profile_command,
    ensure_admin_command,
    seed_synthetic_command,
]


def init_app(app: Flask) -> None:
    from .cli_accounts import create_user_command
    from .reminders.cli import COMMANDS as REMINDER_COMMANDS

    for command in [*COMMANDS, create_user_command, *REMINDER_COMMANDS]:
        app.cli.add_command(command)
