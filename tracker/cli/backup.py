"""Backup commands: ``backup PATH`` and ``check-backup PATH [--scratch-url URL]``."""

from __future__ import annotations

from pathlib import Path

import click

from .. import db
from .common import fail


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH while the app keeps running.

    SQLite: VACUUM INTO (a compact copy from one snapshot). PostgreSQL: pg_dump
    --format=custom, renamed to PATH only once it finished and reads back.
    """
    from ..backup import BackupError, write_backup

    try:
        write_backup(db.get_engine(), path)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"backup written: {path} ({path.stat().st_size} bytes)")


@click.command("check-backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--scratch-url",
    help="PostgreSQL database to restore a dump into (its tables are replaced).",
)
def check_backup_command(path: Path, scratch_url: str | None) -> None:
    """Open a backup (restoring a dump into --scratch-url) and report its revision and rows."""
    from ..backup import BackupError, check_backup

    try:
        found = check_backup(path, scratch_url)
    except BackupError as exc:
        fail(str(exc))
    for line in found.lines():
        click.echo(line)
