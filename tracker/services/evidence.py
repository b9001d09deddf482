"""Evidence files of an action (issue 18): stored with an update, listed, served, withdrawn.

Files come in through ``workflow.update_action`` (``ActionChange.files``), checked by
``uploads.check_upload`` and stored on the update's journal event, so a file is always
part of the history. Lists read the small columns only; the bytes are read when a file
is served. Withdrawing keeps the row (the history names the file and says who withdrew
it, when and why) and stops serving it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from ..models import Action, ActionEvent, EventKind, EvidenceFile, User, utcnow
from . import policy
from .journal import record_event
from .uploads import TYPE_WORDS, CheckedFile, describe_size

MAX_REASON = 2_000


class EvidenceRefused(Exception):
    """A file that cannot be served or withdrawn: ``hidden`` 404, ``gone`` 410, else 403."""

    def __init__(
        self, message: str, *, hidden: bool = False, gone: bool = False, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hidden = hidden
        self.gone = gone
        self.field = field  # the form field at fault (answer 422), if any


@dataclass(frozen=True)
class EvidenceSummary:
    """What the history, exports and the API say about a file (never its bytes)."""

    id: int
    action_id: int
    event_id: int
    name: str
    content_type: str
    size: int
    sha256: str
    has_thumbnail: bool
    uploaded_at: dt.datetime
    uploaded_by_id: int | None
    withdrawn_at: dt.datetime | None
    withdrawn_by_id: int | None
    withdrawn_reason: str | None
    withdrawal_event_id: int | None

    @property
    def type_word(self) -> str:
        return TYPE_WORDS.get(self.content_type, self.content_type)

    @property
    def size_words(self) -> str:
        return describe_size(self.size)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


_SUMMARY_COLUMNS = (
    col(EvidenceFile.id),
    col(EvidenceFile.action_id),
    col(EvidenceFile.event_id),
    col(EvidenceFile.name),
    col(EvidenceFile.content_type),
    col(EvidenceFile.size),
    col(EvidenceFile.sha256),
    col(EvidenceFile.thumbnail).is_not(None),
    col(EvidenceFile.uploaded_at),
    col(EvidenceFile.uploaded_by_id),
    col(EvidenceFile.withdrawn_at),
    col(EvidenceFile.withdrawn_by_id),
    col(EvidenceFile.withdrawn_reason),
    col(EvidenceFile.withdrawal_event_id),
)


def store_files(
    session: Session,
    event: ActionEvent,
    files: Sequence[CheckedFile],
    uploader: User,
    at: dt.datetime,
) -> list[EvidenceFile]:
    """Keep checked files on the journal event of the update they came with (flushed)."""
    assert event.id is not None
    rows = [
        EvidenceFile(
            action_id=event.action_id,
            event_id=event.id,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            content=f.data,
            thumbnail=f.thumbnail,
            uploaded_at=at,
            uploaded_by_id=uploader.id,
        )
        for f in files
    ]
    session.add_all(rows)
    session.flush()
    return rows


def summaries(session: Session, action_ids: Iterable[int]) -> list[EvidenceSummary]:
    """The files of these actions, withdrawn ones included, oldest first."""
    ids = sorted(set(action_ids))
    found: list[EvidenceSummary] = []
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(*_SUMMARY_COLUMNS)
            .where(col(EvidenceFile.action_id).in_(ids[start : start + 500]))
            .order_by(col(EvidenceFile.id))
        )
        found.extend(EvidenceSummary(*row) for row in rows)
    return found


def files_by_event(session: Session, action_id: int) -> dict[int, list[EvidenceSummary]]:
    """An action's files by the journal event that names them (the history's view): the
    update they came with, and the withdrawal of each withdrawn one."""
    grouped: dict[int, list[EvidenceSummary]] = defaultdict(list)
    for summary in summaries(session, [action_id]):
        grouped[summary.event_id].append(summary)
        if summary.withdrawal_event_id is not None:
            grouped[summary.withdrawal_event_id].append(summary)
    return dict(grouped)


def names_by_action(session: Session, action_ids: Iterable[int]) -> dict[int, list[str]]:
    """The names of the files still served, per action (exports and the meeting pack)."""
    names: dict[int, list[str]] = defaultdict(list)
    for summary in summaries(session, action_ids):
        if not summary.withdrawn:
            names[summary.action_id].append(summary.name)
    return dict(names)


def names_as_of(
    session: Session, action_ids: Iterable[int], until: dt.datetime
) -> dict[int, list[str]]:
    """The names of the files attached before ``until`` and not withdrawn by then, per
    action (a meeting pack shows the evidence as it stood on the meeting day)."""
    names: dict[int, list[str]] = defaultdict(list)
    for summary in summaries(session, action_ids):
        if summary.uploaded_at < until and not (
            summary.withdrawn_at is not None and summary.withdrawn_at < until
        ):
            names[summary.action_id].append(summary.name)
    return dict(names)


def _readable_file(session: Session, who: policy.Who, file_id: int) -> tuple[EvidenceFile, Action]:
    evidence = session.exec(
        select(EvidenceFile)
        .where(col(EvidenceFile.id) == file_id)
        .options(defer(EvidenceFile.content), defer(EvidenceFile.thumbnail))  # type: ignore[arg-type]
    ).first()
    action = session.get(Action, evidence.action_id) if evidence is not None else None
    if evidence is None or action is None or not policy.may(who, policy.Do.read, action):
        # A file of an action outside the person's programmes is as absent as no file.
        raise EvidenceRefused(gettext("There is no such file."), hidden=True)
    return evidence, action


def file_to_serve(
    session: Session, who: policy.Who, file_id: int, *, thumbnail: bool = False
) -> tuple[EvidenceSummary, bytes]:
    """The file's description and bytes (or its thumbnail's), for someone who may read it."""
    evidence, _action = _readable_file(session, who, file_id)
    if evidence.withdrawn_at is not None:
        raise EvidenceRefused(
            gettext("This file was withdrawn and is no longer available."), gone=True
        )
    column = col(EvidenceFile.thumbnail) if thumbnail else col(EvidenceFile.content)
    data = session.execute(sa.select(column).where(col(EvidenceFile.id) == file_id)).scalar_one()
    if data is None:
        raise EvidenceRefused(gettext("There is no such file."), hidden=True)
    summary = next(s for s in summaries(session, [evidence.action_id]) if s.id == file_id)
    return summary, bytes(data)


def may_withdraw(who: policy.Who, evidence: EvidenceFile, action: Action) -> bool:
    """The uploader (while they may still update the action) or a coordinator of it."""
    access = policy.as_access(who)
    if policy.is_manager(access, action):
        return True
    return evidence.uploaded_by_id == access.user_id and policy.can_update(access, action)


def withdraw_file(
    session: Session,
    file_id: int,
    actor: User,
    reason: str,
    *,
    at: dt.datetime | None = None,
) -> EvidenceFile:
    """Stop serving a file attached by mistake; journalled with who, when and why."""
    now = at or utcnow()
    evidence, action = _readable_file(session, actor, file_id)
    if not may_withdraw(actor, evidence, action):
        raise EvidenceRefused(
            gettext("Only the person who attached a file, or a coordinator, can withdraw it.")
        )
    if evidence.withdrawn_at is not None:
        raise EvidenceRefused(gettext("This file was withdrawn already."), gone=True)
    why = (reason or "").strip()
    if not why:
        raise EvidenceRefused(
            gettext("Say why the file is withdrawn; it goes into the history."), field="reason"
        )
    if len(why) > MAX_REASON:
        why = why[:MAX_REASON]
    # The reason is the event's comment; the history names the file through the row.
    event = record_event(
        session, action.id or 0, EventKind.evidence_withdrawn, at=now, actor=actor, comment=why
    )
    # The action shows something new: a form opened before this is stale, as after a save.
    session.execute(
        sa.update(Action)
        .where(col(Action.id) == action.id)
        .values(version=Action.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    evidence.withdrawn_at = now
    evidence.withdrawn_by_id = actor.id
    evidence.withdrawn_reason = why
    evidence.withdrawal_event_id = event.id
    session.add(evidence)
    session.flush()
    return evidence
