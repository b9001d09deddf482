"""The page behind a digest's "and N more" link: every line of one reminder mail.

Only its recipient may read it (anyone else, admins included, gets the same 404 as
for a mail that does not exist). It lists the lines the mail carries or carried
(planned or sent), in the mail's order, most overdue first; lines cancelled at the
delivery re-check were not in the mail and are not listed. As in the mail, an action
is listed once: own and unassigned first, then what awaits the reader's verification.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from ..mail import MailSettings
from ..models import LineKind, LineState, MessageKind, OutboxMessage, Programme, User
from .compose import ActionItem, action_item
from .recheck import read_lines


@dataclass
class MailLines:
    message: OutboxMessage
    own: list[ActionItem] = field(default_factory=list)
    unassigned: list[ActionItem] = field(default_factory=list)
    escalation: list[Programme] = field(default_factory=list)
    countdown: list[tuple[Programme, dt.date]] = field(default_factory=list)
    verification: list[ActionItem] = field(default_factory=list)  # issue 14: to verify


def mail_lines(
    session: Session, message_id: int, reader: User, *, now: dt.datetime, settings: MailSettings
) -> MailLines | None:
    """The lines of the reader's own reminder mail ``message_id``; None for any other mail."""
    message = session.get(OutboxMessage, message_id)
    if (
        message is None
        or message.kind != MessageKind.reminder
        or reader.id is None
        or message.recipient_user_id != reader.id
    ):
        return None
    programmes = {p.id: p for p in session.exec(select(Programme)) if p.id is not None}
    page = MailLines(message)
    states = (LineState.planned, LineState.sent)
    listed: set[int] = set()
    to_verify: list[tuple[Any, Programme]] = []
    for row in read_lines(session, message_id, reader.id, states):
        programme = programmes.get(row.programme_id)
        if programme is None:
            continue
        kind = LineKind(row.kind)
        if kind in (LineKind.own, LineKind.unassigned) and row.a_id is not None:
            if row.a_id in listed:
                continue
            listed.add(row.a_id)
            item = action_item(row, programme, now, settings)
            (page.own if kind == LineKind.own else page.unassigned).append(item)
        elif kind == LineKind.escalation and programme not in page.escalation:
            page.escalation.append(programme)
        elif kind == LineKind.countdown:
            page.countdown.append((programme, row.due_on))
        elif kind == LineKind.verification and row.a_id is not None:
            to_verify.append((row, programme))
    for row, programme in to_verify:  # after the own lines, as the mail lists them
        if row.a_id not in listed:
            listed.add(row.a_id)
            page.verification.append(action_item(row, programme, now, settings))
    return page
