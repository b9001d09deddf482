"""What a reminder mail says: sections built from its lines, rendered by ``templates/email/``.

Built at send time from the lines still standing, so a mail never mentions an
action that was closed or re-dated after it was planned.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from flask_babel import gettext, ngettext
from sqlmodel import Session, col, select

from ..formatting import format_number, relative_days
from ..labels import label
from ..mail import MailSettings, render_mail
from ..models import (
    Action,
    LineKind,
    Organisation,
    Programme,
    ReminderLine,
    Status,
    User,
)
from ..services import programmes as programme_service
from . import policy
from .recipients import coordinates, last_event_at, responsible_users

DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class ActionItem:
    id: int
    title: str
    programme: str
    due_on: dt.date | None
    when: str
    status: str
    owner: str
    url: str
    reason: str = ""
    late: bool = False
    programme_label: str = ""  # "Cambodia APMBC", as the subject names it


@dataclass(frozen=True)
class CountdownItem:
    programme: str
    deadline: dt.date
    programme_label: str
    days_left: int
    implemented: int
    total: int
    overdue: int
    due_soon: int
    by_owner: list[tuple[str, int, int]]


@dataclass
class ReminderMail:
    recipient: str
    own: list[ActionItem] = field(default_factory=list)
    unassigned: list[ActionItem] = field(default_factory=list)
    escalation: list[ActionItem] = field(default_factory=list)
    countdown: list[CountdownItem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.own or self.unassigned or self.escalation or self.countdown)

    def subject(self) -> str:
        """'Tracker reminders: Cambodia APMBC: 2 actions due, 1 late', numbers grouped."""
        late = sum(1 for item in self.own if item.late)
        due = len(self.own) - late
        parts: list[str] = []
        if due and late:
            parts.append(
                _count("%(count)s action due", "%(count)s actions due", due)
                + ", "
                + _count("%(count)s late", "%(count)s late", late)
            )
        elif due:
            parts.append(_count("%(count)s action due", "%(count)s actions due", due))
        elif late:
            parts.append(_count("%(count)s action late", "%(count)s actions late", late))
        if self.unassigned:
            parts.append(
                _count("%(count)s unassigned", "%(count)s unassigned", len(self.unassigned))
            )
        if self.escalation:
            parts.append(
                _count("%(count)s to escalate", "%(count)s to escalate", len(self.escalation))
            )
        for item in self.countdown:
            parts.append(
                _count(
                    "%(count)s day to the treaty deadline",
                    "%(count)s days to the treaty deadline",
                    item.days_left,
                )
            )
        items = self.own + self.unassigned + self.escalation
        programmes = dict.fromkeys(
            [i.programme_label for i in items] + [c.programme_label for c in self.countdown]
        )
        what = "; ".join(parts)
        if programmes:
            what = f"{', '.join(programmes)}: {what}"
        return gettext("Tracker reminders: %(parts)s", parts=what)


def _count(singular: str, plural: str, number: int) -> str:
    """A counted phrase in the right plural, its number grouped like every other number."""
    return ngettext(singular, plural, number, count=format_number(number))


def _once_each(mail: ReminderMail) -> None:
    """List each action once per mail: own first, then unassigned, then escalation.

    A coordinator's own late action is also due for escalation; it stays under
    "Your actions", with the escalation's reason ("20 days late") beside it.
    """
    seen: dict[int, int] = {}
    kept_own: list[ActionItem] = []
    reasons = {i.id: i.reason for i in mail.escalation if i.reason}
    for item in mail.own:
        kept_own.append(replace(item, reason=item.reason or reasons.get(item.id, "")))
        seen[item.id] = 1
    mail.own = kept_own
    mail.unassigned = [i for i in mail.unassigned if i.id not in seen]
    seen.update((i.id, 1) for i in mail.unassigned)
    mail.escalation = [i for i in mail.escalation if i.id not in seen]


def _owner_names(session: Session, actions: list[Action]) -> dict[int, str]:
    user_ids = {a.owner_user_id for a in actions if a.owner_user_id}
    org_ids = {a.owner_organisation_id for a in actions if a.owner_organisation_id}
    users = {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}
    orgs = {
        o.id: o.short_name
        for o in session.exec(select(Organisation).where(col(Organisation.id).in_(org_ids)))
    }
    names: dict[int, str] = {}
    for action in actions:
        assert action.id is not None
        if action.owner_user_id in users:
            names[action.id] = users[action.owner_user_id]
        elif action.owner_organisation_id in orgs:
            names[action.id] = orgs[action.owner_organisation_id]
        else:
            names[action.id] = gettext("unassigned")
    return names


def _countdown(
    session: Session, programme: Programme, deadline: dt.date, today: dt.date
) -> CountdownItem:
    actions = list(session.exec(select(Action).where(Action.programme_id == programme.id)))
    names = _owner_names(session, actions)
    counted = [a for a in actions if a.status != Status.not_applicable]
    open_actions = [a for a in counted if not a.status.is_closed]
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    overdue = [a for a in open_actions if a.due_on and a.due_on < today]
    open_by: Counter[str] = Counter(names[a.id or 0] for a in open_actions)
    late_by: Counter[str] = Counter(names[a.id or 0] for a in overdue)
    return CountdownItem(
        programme=f"{programme.country} ({programme.treaty.value})",
        deadline=deadline,
        programme_label=f"{programme.country} {programme.treaty.value}",
        days_left=(deadline - today).days,
        implemented=sum(1 for a in counted if a.status == Status.implemented),
        total=len(counted),
        overdue=len(overdue),
        due_soon=sum(1 for a in open_actions if a.due_on and today <= a.due_on <= soon),
        by_owner=sorted((name, n, late_by[name]) for name, n in open_by.items()),
    )


def build_reminder_mail(
    session: Session, recipient: User, lines: list[ReminderLine], *, now: dt.datetime,
    settings: MailSettings,
) -> ReminderMail:  # fmt: skip
    """One recipient's mail: own actions by due date, then the coordinators' lists."""
    mail = ReminderMail(recipient=recipient.name)
    action_ids = {line.action_id for line in lines if line.action_id}
    actions = {a.id: a for a in session.exec(select(Action).where(col(Action.id).in_(action_ids)))}
    programmes = {p.id: p for p in session.exec(select(Programme))}
    names = _owner_names(session, list(actions.values()))
    idle_ids = [line.action_id for line in lines if line.reason == "idle" and line.action_id]
    last_events = last_event_at(session, idle_ids) if idle_ids else {}
    by_kind: dict[LineKind, list[ReminderLine]] = defaultdict(list)
    for line in lines:
        by_kind[line.kind].append(line)

    def item(line: ReminderLine) -> ActionItem:
        action = actions[line.action_id]
        programme = programmes[action.programme_id]
        today = policy.local_date(now, programme.timezone)
        reason = ""
        if line.reason == "overdue" and action.due_on:
            late_days = (today - action.due_on).days
            reason = ngettext(
                "%(days)s day late", "%(days)s days late", late_days, days=format_number(late_days)
            )
        elif line.reason == "idle":
            last = last_events.get(action.id or 0)
            idle = (now - last).days if last else programme.escalate_idle_days
            reason = ngettext(
                "no update for %(days)s day", "no update for %(days)s days", idle,
                days=format_number(idle),
            )  # fmt: skip
        return ActionItem(
            id=action.id or 0,
            title=action.title,
            programme=programme.country,
            due_on=action.due_on,
            when=relative_days(action.due_on, today) if action.due_on else "",
            status=label(action.status),
            owner=names.get(action.id or 0, ""),
            url=f"{settings.base_url}/actions/{action.id}",
            reason=reason,
            late=action.due_on is not None and action.due_on < today,
            programme_label=f"{programme.country} {programme.treaty.value}",
        )

    def by_due(items: list[ActionItem]) -> list[ActionItem]:
        return sorted(items, key=lambda i: (i.due_on or dt.date.max, i.id))

    mail.own = by_due([item(line) for line in by_kind[LineKind.own]])
    mail.unassigned = by_due([item(line) for line in by_kind[LineKind.unassigned]])
    mail.escalation = by_due([item(line) for line in by_kind[LineKind.escalation]])
    _once_each(mail)
    for line in by_kind[LineKind.countdown]:
        programme = programmes[line.programme_id]
        assert line.due_on is not None
        mail.countdown.append(
            _countdown(session, programme, line.due_on, policy.local_date(now, programme.timezone))
        )
    return mail


def render_reminder(mail: ReminderMail, settings: MailSettings) -> tuple[str, str, str]:
    """(subject, text, html) of a reminder mail."""
    context = {
        "mail": mail,
        "settings_url": f"{settings.base_url}/settings/notifications",
        "base_url": settings.base_url,
    }
    return (mail.subject(), *render_mail("reminder", **context))


def still_due(
    session: Session, line: ReminderLine, recipient: User | None, now: dt.datetime
) -> str | None:
    """None if ``line`` should still be sent, else why it is cancelled (re-checked at send time)."""
    if recipient is None or not recipient.active:
        return "recipient inactive"
    if line.programme_id is None:
        return "programme gone"
    programme = session.get(Programme, line.programme_id)
    if programme is None:
        return "programme gone"
    if policy.is_paused(
        recipient.reminders_paused_until, policy.local_date(now, programme.timezone)
    ):
        return "paused"
    if line.kind != LineKind.own and not coordinates(recipient, line.programme_id):
        return "no longer a coordinator"
    if line.kind == LineKind.countdown:
        deadline = programme_service.current_deadline(session, line.programme_id)
        return None if deadline == line.due_on else "deadline changed"
    action = session.get(Action, line.action_id) if line.action_id else None
    if action is None:
        return "action gone"
    if action.status.is_closed:
        return "action closed"
    if line.kind == LineKind.escalation:
        return None
    if action.due_on != line.due_on:
        return "due date changed"
    owners = responsible_users(session, action)
    if line.kind == LineKind.unassigned:
        return None if not owners else "action assigned"
    return None if any(u.id == recipient.id for u in owners) else "owner changed"
