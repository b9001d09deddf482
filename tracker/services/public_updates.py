"""Updates shown on a programme's public page (issue 11, section 3).

The public page shows no comments, evidence or meetings unless a coordinator marks an
update public: then its comment, its evidence link and its files (those not withdrawn)
appear under the recommendation, with the day but never the person who wrote it. The
journal stays as it was; the mark is a ``PublishedUpdate`` row. Files of a public update
are served from the public page's own address, and only while the programme is
published, the update is public and the file is not withdrawn.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from sqlmodel import Session, col

from ..formatting import local_today
from ..models import (
    Action,
    ActionEvent,
    EventKind,
    EvidenceFile,
    Programme,
    PublishedUpdate,
    User,
)
from . import evidence, policy
from .evidence import EvidenceSummary


class PublishUpdateRefused(Exception):
    """Why an update cannot be shown or hidden; ``hidden`` answers 404, else 403/422."""

    def __init__(self, message: str, *, hidden: bool = False, forbidden: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hidden = hidden
        self.forbidden = forbidden


@dataclass(frozen=True)
class PublicFile:
    id: int
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PublicUpdate:
    """What the public page shows of one update: the day, the words, the evidence."""

    on: dt.date
    comment: str | None
    evidence_url: str | None
    files: tuple[PublicFile, ...]


def _event_of_action(session: Session, action_id: int, event_id: int) -> ActionEvent | None:
    event = session.get(ActionEvent, event_id)
    return event if event is not None and event.action_id == action_id else None


def _check(session: Session, who: policy.Who, action_id: int, event_id: int) -> ActionEvent:
    action = session.get(Action, action_id)
    refused = policy.refusal(who, policy.Do.manage, action) if action is not None else None
    if action is None or (refused is not None and refused.hidden):
        raise PublishUpdateRefused(gettext("There is nothing at this address."), hidden=True)
    event = _event_of_action(session, action_id, event_id)
    if event is None:
        raise PublishUpdateRefused(gettext("There is nothing at this address."), hidden=True)
    if refused is not None:
        raise PublishUpdateRefused(refused.message, forbidden=True)
    return event


def shows_something(event: Any, files: Iterable[EvidenceSummary]) -> bool:
    """A comment, an evidence link or a file of this entry still served: else a public page
    would have nothing to show of it (the action page offers the button by this too).
    ``event`` is an ``ActionEvent`` or a journal row read by attribute. A withdrawal's
    reason is about a file taken back, never something to publish."""
    if EventKind(event.kind) == EventKind.evidence_withdrawn:
        return False
    if (event.comment or "").strip() or event.evidence_url:
        return True
    return any(f.event_id == event.id and not f.withdrawn for f in files)


def publish_update(
    session: Session, action_id: int, event_id: int, *, actor: policy.Who
) -> PublishedUpdate:
    """Show the update on the public page (the programme's coordinators and admins).

    Showing it again changes nothing. The caller commits.
    """
    event = _check(session, actor, action_id, event_id)
    existing = session.execute(
        sa.select(PublishedUpdate).where(col(PublishedUpdate.event_id) == event_id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    if not shows_something(event, evidence.summaries(session, [event.action_id])):
        raise PublishUpdateRefused(
            gettext("This entry has no comment, evidence link or file to show.")
        )
    access = policy.as_access(actor)
    mark = PublishedUpdate(event_id=event_id, action_id=action_id, published_by_id=access.user_id)
    session.add(mark)
    session.flush()
    return mark


def hide_update(session: Session, action_id: int, event_id: int, *, actor: policy.Who) -> None:
    """Take the update off the public page (caches may keep it a few minutes)."""
    _check(session, actor, action_id, event_id)
    session.execute(sa.delete(PublishedUpdate).where(col(PublishedUpdate.event_id) == event_id))
    session.flush()


@dataclass(frozen=True)
class PublicMark:
    """For the action page: when an update went public, and who showed it."""

    published_at: dt.datetime
    published_by: str | None


def marks_of(session: Session, action_id: int) -> dict[int, PublicMark]:
    """The action's public updates by event id."""
    rows = session.execute(
        sa.select(col(PublishedUpdate.event_id), col(PublishedUpdate.published_at), col(User.name))
        .outerjoin(User, col(User.id) == PublishedUpdate.published_by_id)
        .where(col(PublishedUpdate.action_id) == action_id)
    ).all()
    return {event_id: PublicMark(at, name) for event_id, at, name in rows}


def public_updates(session: Session, programme: Programme) -> dict[int, tuple[PublicUpdate, ...]]:
    """The programme's public updates by action, oldest first (files not withdrawn only)."""
    rows = session.execute(
        sa.select(
            col(ActionEvent.id),
            col(ActionEvent.action_id),
            col(ActionEvent.at),
            col(ActionEvent.comment),
            col(ActionEvent.evidence_url),
        )
        .join(PublishedUpdate, col(PublishedUpdate.event_id) == ActionEvent.id)
        .join(Action, col(Action.id) == ActionEvent.action_id)
        .where(col(Action.programme_id) == programme.id)
        .order_by(col(ActionEvent.at), col(ActionEvent.id))
    ).all()
    files: dict[int, list[EvidenceSummary]] = defaultdict(list)
    for summary in evidence.summaries(session, {r[1] for r in rows}):
        if not summary.withdrawn:
            files[summary.event_id].append(summary)
    updates: dict[int, list[PublicUpdate]] = defaultdict(list)
    for event_id, action_id, at, comment, evidence_url in rows:
        updates[action_id].append(
            PublicUpdate(
                on=local_today(programme.timezone, now=at),
                comment=comment,
                evidence_url=evidence_url,
                files=tuple(
                    PublicFile(f.id, f.name, f.content_type, f.size) for f in files[event_id]
                ),
            )
        )
    return {action_id: tuple(found) for action_id, found in updates.items()}


def updates_json(updates: tuple[PublicUpdate, ...], slug: str) -> list[dict[str, object]]:
    """The open-data JSON of a recommendation's public updates (README: public pages)."""
    return [
        {
            "on": u.on.isoformat(),
            "comment": u.comment,
            "evidence_url": u.evidence_url,
            "files": [
                {
                    "name": f.name,
                    "type": f.content_type,
                    "size": f.size,
                    "path": f"/p/{slug}/files/{f.id}",
                }
                for f in u.files
            ],
        }
        for u in updates
    ]


def public_file(
    session: Session, programme: Programme, file_id: int
) -> tuple[EvidenceSummary, bytes] | None:
    """A file of a public update of this published programme, or None (the same 404)."""
    found = session.execute(
        sa.select(col(EvidenceFile.action_id), col(EvidenceFile.withdrawn_at))
        .join(PublishedUpdate, col(PublishedUpdate.event_id) == EvidenceFile.event_id)
        .join(Action, col(Action.id) == EvidenceFile.action_id)
        .where(col(EvidenceFile.id) == file_id, col(Action.programme_id) == programme.id)
    ).first()
    if found is None or found[1] is not None or not programme.published:
        return None
    data = session.execute(
        sa.select(col(EvidenceFile.content)).where(col(EvidenceFile.id) == file_id)
    ).scalar_one()
    summary = next(s for s in evidence.summaries(session, [found[0]]) if s.id == file_id)
    return summary, bytes(data)
