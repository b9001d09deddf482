"""The audit trail (issue 16), read-only: the filtered page and its CSV."""

from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from ...db import get_session
from ...models import utcnow
from ...services import audit as audit_service
from ...services.workflow import InvalidChange
from ..forms import parse_date, parse_id
from ..streaming import streamed
from .common import bp

AUDIT_PER_PAGE = 100


def _audit_filter() -> tuple[audit_service.AuditFilter, dict[str, str], dict[str, str]]:
    """The filter from the query string, the values as typed, and messages by field."""
    args = {
        key: request.args.get(key, "").strip()[:100]
        for key in ("kind", "actor", "subject_type", "since", "until")
    }
    errors: dict[str, str] = {}
    days: dict[str, dt.date | None] = {}
    for key in ("since", "until"):
        try:
            days[key] = parse_date(args[key], key)
        except InvalidChange as exc:
            errors[key] = exc.message
            days[key] = None
    actor_id = parse_id(args["actor"]) if args["actor"] else None
    if args["actor"] and actor_id is None:
        errors["actor"] = gettext("Choose a person from the list.")
    if args["kind"] and args["kind"] not in audit_service.KINDS:
        errors["kind"] = gettext("Choose a kind of change from the list.")
    audit_filter = audit_service.AuditFilter(
        kind=args["kind"] or None if "kind" not in errors else None,
        actor_id=actor_id,
        subject_type=args["subject_type"] or None,
        since=days["since"],
        until=days["until"],
    )
    return audit_filter, args, errors


@bp.get("/audit")
def audit() -> tuple[str, int]:
    """Every administrative change, newest first, with filters; nothing here changes it."""
    audit_filter, args, errors = _audit_filter()
    page = parse_id(request.args.get("page")) or 1
    session = get_session()
    rows, total = audit_service.list_audit(
        session, audit_filter, page=min(page, 100_000), per_page=AUDIT_PER_PAGE
    )
    html = render_template(
        "admin/audit.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PER_PAGE)),
        args=args,
        errors=errors,
        kinds=audit_service.KINDS,
        actors=audit_service.audit_actors(session),
        subject_types=audit_service.audit_subject_types(session),
    )
    return html, 422 if errors else 200


@bp.get("/audit.csv")
def audit_csv() -> Response:
    """The filtered audit trail as CSV, streamed on a session of its own."""
    audit_filter, _args, errors = _audit_filter()
    if errors:
        abort(400, description="; ".join(errors.values()))
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response(
        streamed(lambda session: audit_service.stream_audit_csv(session, audit_filter)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
