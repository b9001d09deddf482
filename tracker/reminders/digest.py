"""The weekly escalation digest of a programme, read when the mail is composed.

One line per coordinator, programme and week (not one per action): the mail gives the
counts (overdue by the programme's limit, or idle), the most overdue actions and
those longest without an update, and a link to the actions list filtered to exactly
the escalated actions (``escalated=1``, the same SQL condition as here).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import ngettext
from sqlmodel import Session

from ..mail import MailSettings
from ..models import Action, ActionEvent, Organisation, Programme, User
from ..services import escalation as rule
from .compose import SECTION_LIMIT, ActionItem, action_item
from .run_reads import RunReads, local_number

# How many actions of each kind (most overdue, longest without an update) a digest names.
EXAMPLES = 5
ACTION: sa.Table = Action.__table__  # type: ignore[attr-defined]
EVENT: sa.Table = ActionEvent.__table__  # type: ignore[attr-defined]


@dataclass
class EscalationDigest:
    programme: str  # "Cambodia (APMBC)"
    programme_label: str  # "Cambodia APMBC", as the subject names it
    total: int
    overdue: int
    idle: int
    list_url: str
    overdue_days: int
    idle_days: int
    most_overdue: list[ActionItem] = field(default_factory=list)
    longest_idle: list[ActionItem] = field(default_factory=list)


@functools.cache
def _rows_statement(overdue: bool) -> Any:
    """The digest's examples (overdue ones by due date, idle ones by last event), built
    once with bound parameters (``rule.parameters`` and ``limit``)."""
    programme_id, overdue_on, since = rule.bound()
    owner = sa.alias(User.__table__, name="owner_person")  # type: ignore[attr-defined]
    body = sa.alias(Organisation.__table__, name="owner_body")  # type: ignore[attr-defined]
    last = (
        sa.select(sa.func.max(EVENT.c.at))
        .where(EVENT.c.action_id == ACTION.c.id)
        .scalar_subquery()
        .label("last_at")
    )
    late = rule.is_overdue_on(overdue_on)
    return (
        sa.select(
            ACTION.c.id.label("a_id"),
            ACTION.c.title,
            ACTION.c.status,
            ACTION.c.due_on.label("a_due_on"),
            ACTION.c.programme_id,
            sa.func.coalesce(owner.c.name, body.c.short_name).label("owner"),
            last,
        )
        .select_from(
            ACTION.outerjoin(owner, owner.c.id == ACTION.c.owner_user_id).outerjoin(
                body, body.c.id == ACTION.c.owner_organisation_id
            )
        )
        .where(rule.escalated_where(programme_id, overdue_on, since), late if overdue else ~late)
        .order_by(*((ACTION.c.due_on,) if overdue else (last.asc().nulls_first(),)), ACTION.c.id)
        .limit(sa.bindparam("limit"))
    )


@functools.cache
def _counts_statement() -> Any:
    programme_id, overdue_on, since = rule.bound()
    late = rule.is_overdue_on(overdue_on)
    return sa.select(sa.func.count(), sa.func.sum(sa.case((late, 1), else_=0))).where(
        rule.escalated_where(programme_id, overdue_on, since)
    )


def _counts(
    session: Session, programme: Programme, now: dt.datetime, reads: RunReads
) -> tuple[int, int]:
    key = programme.id or 0
    if key not in reads.digest_counts:
        total, overdue = session.execute(_counts_statement(), rule.parameters(programme, now)).one()
        reads.digest_counts[key] = (int(total or 0), int(overdue or 0))
    return reads.digest_counts[key]


def _rows(
    session: Session, programme: Programme, now: dt.datetime, overdue: bool, limit: int,
    reads: RunReads,
) -> list[Any]:  # fmt: skip
    """The first ``limit`` examples, read again only when a mail needs more than were read
    (its own sections list more of them) and more exist."""
    key = (programme.id or 0, overdue)
    read_with, rows = reads.digest_rows.get(key, (0, []))
    if read_with < limit and len(rows) == read_with:
        # Enough for any mail at once: it lists at most two sections of SECTION_LIMIT.
        wanted = max(limit, EXAMPLES + 2 * SECTION_LIMIT)
        values = rule.parameters(programme, now) | {"limit": wanted}
        rows = list(session.execute(_rows_statement(overdue), values))
        reads.digest_rows[key] = (wanted, rows)
    return rows[:limit]


def prefetch_digests(
    session: Session, programmes: list[Programme], now: dt.datetime, reads: RunReads
) -> None:
    """Read the digests of ``programmes`` into ``reads`` ahead of composing (delivery's
    reading stage, while the mails before are composed): the counts and as many
    examples as any mail can need. Words are left to composing, in each mail's locale."""
    for programme in programmes:
        total, _overdue = _counts(session, programme, now, reads)
        if total:
            for late in (True, False):
                _rows(session, programme, now, late, EXAMPLES + 2 * SECTION_LIMIT, reads)


def _reason(row: Any, programme: Programme, now: dt.datetime, overdue: bool) -> str:
    if overdue:
        days = (rule.overdue_since(programme, now) - row.a_due_on).days
        days += programme.escalate_overdue_days
        return ngettext("%(days)s day late", "%(days)s days late", days, days=local_number(days))
    last = row.last_at
    if last is not None and not isinstance(last, dt.datetime):
        last = dt.datetime.fromisoformat(str(last))  # func.max loses the type on SQLite
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    idle = (now - last).days if last else programme.escalate_idle_days
    return ngettext(
        "no update for %(days)s day", "no update for %(days)s days", idle,
        days=local_number(idle),
    )  # fmt: skip


def escalation_digests(
    session: Session, programmes: list[Programme], *, now: dt.datetime,
    settings: MailSettings, listed: set[int], reads: RunReads | None = None,
) -> list[Any]:  # fmt: skip
    """The digest of each programme that has actions to escalate at ``now``; an action
    already listed elsewhere in the mail (``listed``) is counted, not named again.
    ``reads`` keeps what was read for the next mail of the run (``RunReads``)."""
    reads = reads if reads is not None else RunReads()
    phrases = reads.phrases()
    digests: list[Any] = []
    for programme in programmes:
        total, overdue = _counts(session, programme, now, reads)
        if not total:
            continue
        digest = EscalationDigest(
            programme=f"{programme.country} ({programme.treaty.value})",
            programme_label=programme.short_name,
            total=total,
            overdue=overdue,
            idle=total - overdue,
            list_url=f"{settings.base_url}/actions?programme={programme.id}&escalated=1",
            overdue_days=programme.escalate_overdue_days,
            idle_days=programme.escalate_idle_days,
        )
        for late, into in ((True, digest.most_overdue), (False, digest.longest_idle)):
            for row in _rows(session, programme, now, late, EXAMPLES + len(listed), reads):
                if row.a_id in listed:
                    continue
                # The same example in every coordinator's mail: worded once a run and locale.
                item = phrases.examples.get((row.a_id, late))
                if item is None:
                    reason = _reason(row, programme, now, late)
                    item = action_item(row, programme, now, settings, phrases, reason=reason)
                    phrases.examples[row.a_id, late] = item
                into.append(item)
                if len(into) == EXAMPLES:
                    break
        digests.append(digest)
    return digests
