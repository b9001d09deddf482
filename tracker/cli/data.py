"""Database commands: ``init-db``, ``load-demo`` and ``seed-synthetic``."""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask import current_app

from .. import db
from .common import fail


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the database to the newest schema."""
    from .. import migrate

    migrate.upgrade(db.get_engine())
    click.echo(f"database ready: {_safe_url(current_app.config['DATABASE_URL'])}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("load-demo")
@click.option(
    "--norland",
    is_flag=True,
    help="Also load the made-up Norland programme, with its own coordinator and organisations "
    "(two separate spaces for the tour).",
)
def load_demo_command(norland: bool) -> None:
    """Load the Cambodia demo once; running it again changes nothing."""
    from ..seed import demo as demo_service
    from ..seed import norland as norland_demo

    with db.session_scope() as session:
        result = demo_service.load_demo(session)
        story = demo_service.load_demo_story(session)
        added = norland_demo.load_norland(session) if norland else False
    click.echo("Cambodia demo loaded" if result.created else "Cambodia demo already loaded")
    if story:
        click.echo("demo accounts and a year of history added (no passwords: an admin sets them)")
    if added:
        click.echo("Norland demo programme added (made-up country, its own coordinator)")


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

    from ..seed import synthetic

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
