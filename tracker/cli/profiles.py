"""``import-profile``: the text of a country profile into programmes and actions.

A later edition carries the earlier actions on (issue 10). Repeats word for word are
stored as proposed; a rewording or a split needs a person's word first:
``--accept-proposals`` takes every proposal as it is, ``--lineage FILE`` gives
overrides (a JSON list of ``{"position", "previous_position", "split"}``) and takes the
rest as proposed. ``--json`` prints the proposal as ``lineage``, with or without
``--dry-run``; a dry run reads the database and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .. import db
from .common import fail


class _NeedsReview(Exception):
    pass


@click.command("import-profile")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and propose; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--treaty", type=click.Choice(["APMBC", "CCM"], case_sensitive=False))
@click.option("--accept-proposals", is_flag=True, help="Store rewordings and splits as proposed.")
@click.option(
    "--lineage",
    "lineage_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON list of overrides: position, previous_position (null: new), split.",
)
def import_profile_command(
    path: Path,
    dry_run: bool,
    as_json: bool,
    treaty: str | None,
    accept_proposals: bool,
    lineage_file: Path | None,
) -> None:
    """Import the text of a Mine Action Review country profile."""
    from ..importer import ProfileError, parse_profile
    from ..services import imports as import_service
    from ..services import lineage as lineage_service

    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        parsed = parse_profile(raw)
    except ProfileError as exc:
        fail(f"{path}: {exc}")
    overrides = _read_overrides(lineage_file) if lineage_file else []

    payload = parsed.to_json()
    try:
        if dry_run:
            payload["lineage"], plan_warnings = _dry_run(parsed, treaty, overrides)
            message = "dry run: nothing stored"
            warnings = list(parsed.warnings) + plan_warnings
        else:
            with db.session_scope() as session:
                chosen, _ = import_service.resolve_treaty(parsed, treaty)
                plan = lineage_service.plan_lineage(
                    session, parsed, chosen, overrides, new_when_truncated=True
                )
                review = plan.needs_review
                if (
                    review
                    and not (accept_proposals or lineage_file)
                    and not (import_service.already_imported(session, parsed))
                ):
                    raise _NeedsReview(
                        f"{review} proposal{'s' if review != 1 else ''} need"
                        f"{'' if review != 1 else 's'} review: "
                        "rerun with --accept-proposals or --lineage FILE"
                    )
                result = import_service.store_profile(session, parsed, treaty=treaty, lineage=plan)
            message = result.summary()
            warnings = result.warnings
            payload["warnings"] = warnings
            stored = result.stored.actions if result.stored else {}
            payload["lineage"] = lineage_service.lineage_json(plan, stored)
            if not result.already_imported:
                warnings += _left_as_they_were(plan)
    except (import_service.ImportRefused, lineage_service.LineageError) as exc:
        fail(f"{path}: {exc}")
    except _NeedsReview as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False))
    else:
        _print_profile(payload)
    for warning in warnings if not as_json else []:
        click.echo(f"warning: {warning}", err=True)
    if as_json and not dry_run and not result.already_imported:
        for line in _left_as_they_were(plan):
            click.echo(f"note: {line}", err=True)
    click.echo(message, err=True)


def _read_overrides(path: Path) -> list[Any]:
    from ..services import lineage as lineage_service

    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except (ValueError, UnicodeDecodeError) as exc:
        fail(f"{path}: not JSON ({exc})")
    try:
        return lineage_service.parse_overrides(data)
    except lineage_service.LineageError as exc:
        fail(f"{path}: {exc}")


def _dry_run(
    parsed: Any, treaty: str | None, overrides: list[Any]
) -> tuple[dict[str, object], list[str]]:
    """The proposal against the stored editions, read in a transaction that is rolled back."""
    import sqlalchemy as sa

    from ..services import imports as import_service
    from ..services import lineage as lineage_service

    first = lineage_service.first_edition_plan(parsed)
    if not sa.inspect(db.get_engine()).has_table("report"):
        return lineage_service.lineage_json(first), []
    try:
        chosen, _ = import_service.resolve_treaty(parsed, treaty)
    except import_service.ImportRefused:
        return lineage_service.lineage_json(first), []
    session = db.new_session(db.get_engine())
    try:
        plan = lineage_service.plan_lineage(
            session, parsed, chosen, overrides, new_when_truncated=True
        )
        return lineage_service.lineage_json(plan), plan.warnings
    finally:
        session.rollback()
        session.close()


def _left_as_they_were(plan: Any) -> list[str]:
    """What an unattended import did not decide: open dropped actions, repeated closed ones."""
    lines = []
    for drop in plan.proposal.dropped if not plan.backfill else []:
        action = plan.actions.get(drop.candidate.action_id)
        if action is not None and not action.status.is_closed:
            lines.append(
                f"action {action.id} kept open: the new edition "
                f"{'merges' if drop.kind == 'merged' else 'drops'} its recommendation "
                f"{drop.candidate.position}"
            )
    for match in plan.proposal.matches:
        if plan.repeats_closed_action(match):
            action = plan.action_of(match)
            lines.append(
                f"action {action.id} left {action.status.value}: "
                f"recommendation {match.position} repeats it"
            )
    return lines


def _print_profile(payload: dict[str, Any]) -> None:
    for key in ("country", "treaty", "article", "deadline", "edition", "year", "rating"):
        click.echo(f"{key:>15}: {payload[key] if payload[key] is not None else '—'}")
    click.echo(f"{'score':>15}: {payload['score']} (computed {payload['computed_score']})")
    recommendations = payload["recommendations"]
    lineage = payload.get("lineage") or {}
    previous = lineage.get("previous")
    if previous:
        click.echo(f"{'continues':>15}: {previous['edition'] or previous['year']}")
    matches = {m["position"]: m for m in lineage.get("matches", [])}
    click.echo(f"{'recommendations':>15}: {len(recommendations)}")
    for number, text in enumerate(recommendations, start=1):
        match = matches.get(number)
        note = ""
        if match and match["kind"] != "new":
            note = f" [{match['kind']}: earlier {match['previous_position']}"
            note += f", action {match['action_id']}]" if match["action_id"] else "]"
        elif match and previous:
            note = " [new]"
        click.echo(f"{number:>4}. {text}{note}")
    for drop in lineage.get("dropped", []):
        into = f" into {drop['merged_into']}" if drop["merged_into"] else ""
        click.echo(
            f"{'':>6}earlier {drop['previous_position']} {drop['kind']}{into}"
            + (f" (action {drop['action_id']})" if drop["action_id"] else "")
        )
