"""The public figures as CSV rows and as JSON (open data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import public_updates
from .progress import PublicProgress

CSV_HEADERS = (
    "action_id", "edition", "position", "recommendation", "status", "organisation", "due_on",
)  # fmt: skip


def progress_rows(progress: PublicProgress) -> list[list[Any]]:
    """The CSV's rows: one per recommendation (``progress_csv`` makes the cells safe)."""
    return [
        [
            r.action_id,
            r.edition,
            r.position,
            r.text,
            r.status.value,
            r.organisation,
            r.due_on.isoformat() if r.due_on else "",
        ]
        for r in progress.recommendations
    ]


def progress_csv(progress: PublicProgress) -> str:
    """The public CSV file, written as every other download is (``exports.csv_chunks``):
    with a UTF-8 byte-order mark, without which Excel reads the Khmer of a recommendation
    or an organisation as mojibake, and formula-like cells made text."""
    from ..exports import csv_chunks

    return "".join(csv_chunks(CSV_HEADERS, progress_rows(progress)))


def progress_json(progress: PublicProgress) -> dict[str, Any]:
    """The open-data JSON document (described in the README)."""
    return {
        "programme": {
            "slug": progress.slug,
            "country": progress.country,
            "treaty": progress.treaty,
            "article": progress.article,
        },
        "today": progress.today.isoformat(),
        "latest_change_on": progress.latest_change_on.isoformat()
        if progress.latest_change_on
        else None,
        "deadline": {
            "current": progress.deadline.isoformat() if progress.deadline else None,
            "history": [
                {
                    "kind": d.kind,
                    "new_on": d.new_on.isoformat(),
                    "previous_on": d.previous_on.isoformat() if d.previous_on else None,
                    "requested_on": d.requested_on.isoformat() if d.requested_on else None,
                    "decided_on": d.decided_on.isoformat() if d.decided_on else None,
                    "decided_by": d.decided_by,
                    "refused": d.refused,
                    "source": d.source,
                }
                for d in progress.deadlines
            ],
        },
        "progress": {
            "total": progress.total,
            "applicable": progress.applicable,
            "implemented": progress.implemented,
            "percent_implemented": progress.percent_implemented,
            "verified": progress.verified,
            "awaiting_verification": progress.awaiting,
            "implemented_without_verification": progress.unchecked,
            "requires_verification": progress.requires_verification,
            "progress_percent": progress.percent_done,
            "overdue": progress.overdue,
            "by_status": {status.value: count for status, count in progress.by_status},
            "burnup": [
                {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(p).items()}
                for p in progress.burnup
            ],
        },
        "recommendations": [
            {
                "action_id": r.action_id,
                "edition": r.edition,
                "position": r.position,
                "text": r.text,
                "status": r.status.value,
                "organisation": r.organisation,
                "due_on": r.due_on.isoformat() if r.due_on else None,
                "updates": public_updates.updates_json(r.updates, progress.slug),
            }
            for r in progress.recommendations
        ],
        "editions": [
            {
                "edition": e.edition,
                "year": e.year,
                "publisher": e.publisher,
                "source_url": e.source_url,
                "rating": e.rating,
                "score": e.score,
                "band": e.band,
                "scorecard": [
                    {"criterion": c.name, "weight": c.weight, "score": c.score} for c in e.criteria
                ],
            }
            for e in progress.editions
        ],
    }
