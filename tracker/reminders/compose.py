"""What a reminder mail says: sections built from its lines, rendered by ``templates/email/``.

Built at send time from the lines still standing, so a mail never mentions an
action that was closed or re-dated after it was planned.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale, get_translations, gettext
from sqlmodel import Session, col

from ..formatting import relative_days
from ..labels import label
from ..mail import MailSettings, render_mail
from ..models import Action, LineKind, Organisation, OutboxMessage, Programme, Status, User
from .links import link_signer
from .run_reads import Phrases, RunReads, local_number, local_today

DUE_SOON_DAYS = 30
# A section lists at most this many actions (the most overdue, then by id) and says
# how many more there are, with a link to the page listing every line of the mail.
SECTION_LIMIT = 20


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
    # Issue 18: the recipient's one-tap links (on_track, blocked, done, open), own lines only.
    links: dict[str, str] = field(default_factory=dict)


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
    escalation: list[Any] = field(default_factory=list)  # digest.EscalationDigest
    countdown: list[CountdownItem] = field(default_factory=list)
    verification: list[ActionItem] = field(default_factory=list)  # issue 14: to verify
    # Past SECTION_LIMIT: how many more (and how many of them late), and where all are.
    own_more: int = 0
    own_more_late: int = 0
    unassigned_more: int = 0
    verification_more: int = 0
    all_lines_url: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.own or self.unassigned or self.escalation or self.countdown or self.verification
        )

    def subject(self) -> str:
        """'Tracker reminders: Cambodia APMBC: 2 actions due, 1 late', numbers grouped.

        Each counted phrase is a literal ``ngettext`` call, so Babel's extractor finds it
        and the catalogue carries its plural forms (a helper taking the texts hid them);
        ``ngettext`` and ``gettext`` here are Flask-Babel's bound to the catalogue once.
        """
        ngettext, gettext = _bound_gettext()
        late = sum(1 for item in self.own if item.late) + self.own_more_late
        due = len(self.own) + self.own_more - late
        unassigned = len(self.unassigned) + self.unassigned_more
        to_verify = len(self.verification) + self.verification_more
        escalated = sum(digest.total for digest in self.escalation)
        n = local_number
        parts: list[str] = []
        if due and late:
            parts.append(
                ngettext("%(count)s action due", "%(count)s actions due", due, count=n(due))
                + ", "
                + ngettext("%(count)s late", "%(count)s late", late, count=n(late))
            )
        elif due:
            parts.append(
                ngettext("%(count)s action due", "%(count)s actions due", due, count=n(due))
            )
        elif late:
            parts.append(
                ngettext("%(count)s action late", "%(count)s actions late", late, count=n(late))
            )
        if self.unassigned:
            parts.append(
                ngettext(
                    "%(count)s unassigned", "%(count)s unassigned", unassigned, count=n(unassigned)
                )
            )
        if self.verification:
            parts.append(
                ngettext(
                    "%(count)s to verify", "%(count)s to verify", to_verify, count=n(to_verify)
                )
            )
        if self.escalation:
            parts.append(
                ngettext(
                    "%(count)s to escalate", "%(count)s to escalate", escalated, count=n(escalated)
                )
            )
        for item in self.countdown:
            parts.append(
                ngettext(
                    "%(count)s day to the treaty deadline",
                    "%(count)s days to the treaty deadline",
                    item.days_left,
                    count=n(item.days_left),
                )
            )
        programmes = dict.fromkeys(
            [i.programme_label for i in self.own + self.unassigned + self.verification]
            + [d.programme_label for d in self.escalation]
            + [c.programme_label for c in self.countdown]
        )
        what = "; ".join(parts)
        if programmes:
            what = f"{', '.join(programmes)}: {what}"
        return gettext("Tracker reminders: %(parts)s", parts=what)


def _bound_gettext() -> tuple[Callable[..., str], Callable[..., str]]:
    """Flask-Babel's ``ngettext`` and ``gettext`` for the current locale's catalogue,
    looked up once (each of theirs looks up the locale and the catalogue again)."""
    translations = get_translations()

    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return str(translations.ungettext(singular, plural, num) % variables)

    def gettext(string: str, **variables: Any) -> str:
        text = translations.ugettext(string)
        return str(text % variables if variables else text)

    return ngettext, gettext


def _countdown(
    session: Session, programme: Programme, deadline: dt.date, today: dt.date,
    reads: RunReads | None = None,
) -> CountdownItem:  # fmt: skip
    if reads is None:
        return _read_countdown(session, programme, deadline, today)
    key = (programme.id or 0, deadline, today, str(get_locale()))
    if key not in reads.countdowns:
        reads.countdowns[key] = _read_countdown(session, programme, deadline, today)
    found: CountdownItem = reads.countdowns[key]
    return found


def _read_countdown(
    session: Session, programme: Programme, deadline: dt.date, today: dt.date
) -> CountdownItem:
    """The countdown section's figures, counted in SQL per (status, owner): a programme's
    actions as ORM objects (1,000 per programme at 100,000 actions, read by each
    delivering process) were a fifth of a catch-up tick's delivery CPU."""
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    due_on = col(Action.due_on)
    rows = session.execute(
        sa.select(
            col(Action.status),
            sa.func.coalesce(col(User.name), col(Organisation.short_name)).label("owner"),
            sa.func.count().label("actions"),
            sa.func.count().filter(due_on < today).label("overdue"),
            sa.func.count().filter(due_on.between(today, soon)).label("due_soon"),
        )
        .select_from(Action)
        .outerjoin(User, col(User.id) == col(Action.owner_user_id))
        .outerjoin(Organisation, col(Organisation.id) == col(Action.owner_organisation_id))
        .where(col(Action.programme_id) == programme.id)
        .group_by(col(Action.status), "owner")
    ).all()
    implemented = total = overdue = due_soon = 0
    open_by: Counter[str] = Counter()
    late_by: Counter[str] = Counter()
    for code, owner, actions, late, soon_count in rows:
        status = Status(code)
        if status == Status.not_applicable:
            continue
        total += actions
        if status == Status.implemented:
            implemented += actions
        if status.is_closed:
            continue
        name = gettext("unassigned") if owner is None else owner
        open_by[name] += actions
        late_by[name] += late
        overdue += late
        due_soon += soon_count
    return CountdownItem(
        programme=f"{programme.country} ({programme.treaty.value})",
        deadline=deadline,
        programme_label=programme.short_name,
        days_left=(deadline - today).days,
        implemented=implemented,
        total=total,
        overdue=overdue,
        due_soon=due_soon,
        by_owner=sorted((name, n, late_by[name]) for name, n in open_by.items()),
    )


def action_item(
    row: Any, programme: Programme, now: dt.datetime, settings: MailSettings,
    phrases: Phrases | None = None, *, links: dict[str, str] | None = None,
    reason: str = "",
) -> ActionItem:  # fmt: skip
    """What a mail (or the page of all its lines) shows of one action line; ``phrases``
    (a run's, in the mail's locale) words it without asking Flask-Babel each time."""
    today = local_today(now, programme.timezone)
    due_on = row.a_due_on
    if phrases is None:
        when = relative_days(due_on, today) if due_on else ""
        status = label(Status(row.status))
        owner = row.owner or gettext("unassigned")
    else:
        when = phrases.when(due_on, today) if due_on else ""
        status = phrases.status(row.status)
        owner = row.owner or phrases.unassigned
    return ActionItem(
        id=row.a_id,
        title=row.title,
        programme=programme.country,
        due_on=due_on,
        when=when,
        status=status,
        owner=owner,
        url=f"{settings.base_url}/actions/{row.a_id}",
        reason=reason,
        late=due_on is not None and due_on < today,
        programme_label=programme.short_name,
        links={} if links is None else links,
    )


_OWN, _UNASSIGNED = LineKind.own.value, LineKind.unassigned.value
_VERIFICATION, _ESCALATION = LineKind.verification.value, LineKind.escalation.value
_COUNTDOWN = LineKind.countdown.value


def build_reminder_mail(
    session: Session, recipient: User, rows: list[Any], *, now: dt.datetime,
    settings: MailSettings, programmes: dict[int, Programme], message_id: int,
    issued_at: dt.datetime | None = None, reads: RunReads | None = None,
) -> ReminderMail:  # fmt: skip
    """One recipient's mail from its re-checked lines (``recheck``, most overdue first):
    each section lists at most ``SECTION_LIMIT`` actions and counts the rest.
    ``issued_at`` (the message's ``planned_at``, read when not given) dates its one-tap
    links; ``reads`` shares a delivery run's digest and countdown reads."""
    from .digest import escalation_digests

    mail = ReminderMail(recipient=recipient.name)
    mail.all_lines_url = f"{settings.base_url}/reminders/mail/{message_id}"
    phrases = reads.phrases() if reads is not None else None
    if issued_at is None:
        planned = session.get(OutboxMessage, message_id)
        issued_at = planned.planned_at if planned is not None else now
    # issue 18: the owner's one-tap links
    links = link_signer(settings.base_url, _secret_key(), recipient, issued_at=issued_at)
    by_kind: dict[str, list[Any]] = {}  # the rows of each kind, in their order
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    listed: set[int] = set()
    for kind in (_OWN, _UNASSIGNED):
        section: list[ActionItem] = []
        more = more_late = 0
        for row in by_kind.get(kind, ()):
            action_id = row.a_id
            if action_id in listed:
                continue  # an action is listed once per mail: own first
            listed.add(action_id)
            programme = programmes[row.programme_id]
            if len(section) < SECTION_LIMIT:
                item = action_item(
                    row, programme, now, settings, phrases,
                    links=links(action_id, row.a_version) if kind == _OWN else None,
                )  # fmt: skip
                section.append(item)
                continue
            more += 1
            today = local_today(now, programme.timezone)
            more_late += row.a_due_on is not None and row.a_due_on < today
        if kind == _OWN:
            mail.own, mail.own_more, mail.own_more_late = section, more, more_late
        else:
            mail.unassigned, mail.unassigned_more = section, more
    for row in by_kind.get(_VERIFICATION, ()):
        if row.a_id in listed:
            continue
        listed.add(row.a_id)
        if len(mail.verification) < SECTION_LIMIT:
            item = action_item(row, programmes[row.programme_id], now, settings, phrases)
            mail.verification.append(item)
        else:
            mail.verification_more += 1
    escalated = sorted({r.programme_id for r in by_kind.get(_ESCALATION, ())})
    shown = {item.id for item in mail.own + mail.unassigned}
    mail.escalation = escalation_digests(
        session, [programmes[p] for p in escalated], now=now, settings=settings, listed=shown,
        reads=reads,
    )  # fmt: skip
    for row in by_kind.get(_COUNTDOWN, ()):
        programme = programmes[row.programme_id]
        today = local_today(now, programme.timezone)
        mail.countdown.append(_countdown(session, programme, row.due_on, today, reads))
    return mail


def _secret_key() -> str:
    """The key the one-tap links are signed with: the app's, as the web workers check them."""
    from flask import current_app

    return str(current_app.config["SECRET_KEY"])


def render_reminder(mail: ReminderMail, settings: MailSettings) -> tuple[str, str, str]:
    """(subject, text, html) of a reminder mail."""
    subject = mail.subject()  # once: the HTML's title says it too
    context = {
        "mail": mail,
        "subject": subject,
        "settings_url": f"{settings.base_url}/settings/notifications",
        "base_url": settings.base_url,
    }
    return (subject, *render_mail("reminder", **context))
