"""``import-profile``: the text of a country profile into programmes and actions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import db
from .common import fail


@click.command("import-profile")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and report; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--treaty", type=click.Choice(["APMBC", "CCM"], case_sensitive=False))
def import_profile_command(path: Path, dry_run: bool, as_json: bool, treaty: str | None) -> None:
    """Import the text of a Mine Action Review country profile."""
    from ..importer import ProfileError, parse_profile
    from ..services import imports as import_service

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
