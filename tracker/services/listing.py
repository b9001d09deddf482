"""Finding actions: filters that live in the URL, sorted, counted and paged in SQL.

``ActionFilter.from_args(request.args, reader=...)`` reads a bookmarked list's query
string, for a reader who sees only the programmes they belong to (``policy.readable``);
``list_actions(session, filter, page)`` answers one page with its total, never
loading every row. The CSV/XLSX export reuses ``filtered_query``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..formatting import local_today
from ..models import (
    OPEN_STATUSES,
    Action,
    ActionEvent,
    DeadlineChange,
    Meeting,
    Membership,
    Organisation,
    Participation,
    Programme,
    Recommendation,
    Report,
    Status,
    User,
)
from . import editions as edition_service
from . import policy
from . import programmes as programme_service

PAGE_SIZE = 50
SORTS = ("due", "status", "changed")
MAX_TEXT_QUERY = 200
MAX_DAYS = 36_500


class _Args(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class ActionFilter:
    """One list of actions, as a bookmarkable query string describes it.

    ``owned_by`` is set by "my actions" (not from the URL): actions owned by that
    user or by their organisation. ``reader`` is whose list it is: only actions of the
    programmes they may read match, whatever the query string says.
    """

    statuses: tuple[Status, ...] = ()
    owner_user_id: int | None = None
    unassigned: bool = False
    organisation_id: int | None = None
    edition: str | None = None
    programme_id: int | None = None
    overdue: bool = False
    due_within_days: int | None = None
    text: str = ""
    sort: str = "due"
    # Lineage: carried by at least this many editions; not carried by the latest one.
    min_editions: int | None = None
    not_in_latest: bool = False
    owned_by: User | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)
    reader: policy.Access = field(default=policy.NOBODY, compare=False)

    @classmethod
    def from_args(cls, args: _Args | Mapping[str, str], *, reader: policy.Who) -> ActionFilter:
        """Read ``status`` (repeatable), ``owner`` (id or ``none``), ``organisation``,
        ``edition``, ``programme``, ``overdue=1``, ``due_within`` (days), ``q``, ``sort``,
        ``editions`` (repeated in at least N editions) and ``not_latest=1``.

        A malformed value is left out and named in ``problems``, never an error page.
        """
        problems: list[str] = []
        getlist = getattr(args, "getlist", None)
        raw_statuses = getlist("status") if getlist else [args.get("status") or ""]
        statuses: list[Status] = []
        for value in raw_statuses:
            if not value:
                continue
            try:
                statuses.append(Status(value))
            except ValueError:
                problems.append(f"status {value[:40]!r}")
        owner = str(args.get("owner") or "").strip()
        unassigned = owner == "none"
        sort = str(args.get("sort") or "due")
        if sort not in SORTS:
            problems.append(f"sort {sort[:40]!r}")
            sort = "due"
        text = str(args.get("q") or "").strip()[:MAX_TEXT_QUERY]
        return cls(
            statuses=tuple(dict.fromkeys(statuses)),
            owner_user_id=None if unassigned else _int(owner, "owner", problems),
            unassigned=unassigned,
            organisation_id=_int(args.get("organisation"), "organisation", problems),
            edition=str(args.get("edition") or "").strip()[:200] or None,
            programme_id=_int(args.get("programme"), "programme", problems),
            overdue=str(args.get("overdue") or "") in ("1", "true", "on", "yes"),
            due_within_days=_int(args.get("due_within"), "due_within", problems, MAX_DAYS),
            text=text,
            sort=sort,
            min_editions=_int(args.get("editions"), "editions", problems, 1000),
            not_in_latest=str(args.get("not_latest") or "") in ("1", "true", "on", "yes"),
            problems=tuple(problems),
            reader=policy.as_access(reader),
        )

    def to_args(self, **overrides: Any) -> dict[str, Any]:
        """The query string of this filter (for links: sorting, pages, exports)."""
        f = replace(self, **overrides) if overrides else self
        args: dict[str, Any] = {}
        if f.statuses:
            args["status"] = [s.value for s in f.statuses]
        if f.unassigned:
            args["owner"] = "none"
        elif f.owner_user_id is not None:
            args["owner"] = f.owner_user_id
        for key, value in (
            ("organisation", f.organisation_id),
            ("edition", f.edition),
            ("programme", f.programme_id),
            ("due_within", f.due_within_days),
            ("editions", f.min_editions),
        ):
            if value is not None:
                args[key] = value
        if f.overdue:
            args["overdue"] = "1"
        if f.not_in_latest:
            args["not_latest"] = "1"
        if f.text:
            args["q"] = f.text
        if f.sort != "due":
            args["sort"] = f.sort
        return args

    @property
    def is_empty(self) -> bool:
        return not self.to_args(sort="due")


def _int(value: object, name: str, problems: list[str], upper: int = 2**31 - 1) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > upper:
        problems.append(f"{name} {text[:40]!r}")
        return None
    return int(text)


@dataclass
class ActionRow:
    """One line of a list: the action and the names it shows."""

    action: Action
    programme: Programme
    report: Report
    owner_name: str | None
    organisation_name: str | None
    assigned: bool
    today: dt.date
    editions: int = 1  # how many editions carry it

    @property
    def overdue(self) -> bool:
        return (
            self.action.due_on is not None
            and self.action.status in OPEN_STATUSES
            and self.action.due_on < self.today
        )


@dataclass
class Page:
    rows: list[ActionRow]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.size, self.total)


def _programme_todays(session: Session) -> dict[int, dt.date]:
    """Today in each programme's time zone: 'overdue' depends on where the programme is."""
    return {
        p.id: local_today(p.timezone) for p in session.exec(select(Programme)) if p.id is not None
    }


def _due_before(todays: dict[int, dt.date], days: int) -> sa.ColumnElement[bool]:
    """due_on < (the programme's today + days), per programme."""
    clauses = [
        sa.and_(col(Action.programme_id) == pid, col(Action.due_on) < today + dt.timedelta(days))
        for pid, today in todays.items()
    ]
    return sa.or_(sa.false(), *clauses)


def _joined() -> sa.Select[Any]:
    """SELECT of actions with their programme, report, owner and organisation names."""
    owner = sa.orm.aliased(User, name="owner_user")
    assigned = policy.effectively_assigned().label("assigned")
    return (
        sa.select(  # type: ignore[call-overload]
            Action, Programme, Report, owner.name, Organisation.short_name, assigned
        )
        .join(Programme, col(Programme.id) == Action.programme_id)
        .join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
        .join(Report, col(Report.id) == Recommendation.report_id)
        .outerjoin(owner, owner.id == Action.owner_user_id)
        .outerjoin(Organisation, col(Organisation.id) == Action.owner_organisation_id)
    )


def filtered_query(session: Session, flt: ActionFilter) -> sa.Select[Any]:
    """SELECT of the matching actions with their programme, report, owner and organisation."""
    return _joined().where(*_conditions(session, flt))


def _from_action(flt: ActionFilter, *columns: Any) -> sa.Select[Any]:
    """SELECT of ``columns`` from ``action``, joined only to what ``flt``'s conditions name.

    Counting and ordering on ``action`` alone lets the database use its indexes on
    ``action``; only text search and the edition filter need the recommendation or report.
    """
    query = sa.select(*columns).select_from(Action)
    if flt.text or flt.edition:
        query = query.join(Recommendation, col(Recommendation.id) == Action.recommendation_id)
    if flt.edition:
        query = query.join(Report, col(Report.id) == Recommendation.report_id)
    return query


def _conditions(session: Session, flt: ActionFilter) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of ``flt``, on action (and on recommendation and report, see above)."""
    conditions: list[sa.ColumnElement[bool]] = [policy.readable(flt.reader)]
    if flt.statuses:
        conditions.append(col(Action.status).in_(flt.statuses))
    if flt.unassigned:
        conditions.append(sa.not_(policy.effectively_assigned()))
    elif flt.owner_user_id is not None:
        conditions.append(col(Action.owner_user_id) == flt.owner_user_id)
    if flt.organisation_id is not None:
        conditions.append(col(Action.owner_organisation_id) == flt.organisation_id)
    if flt.edition:
        # In that edition: made from it, or carrying one of its recommendations on.
        own = col(Report.edition) == flt.edition
        conditions.append(sa.or_(own, edition_service.in_edition_named(flt.edition)))
    if flt.min_editions is not None and flt.min_editions > 1:
        conditions.append(edition_service.edition_count() >= flt.min_editions)
    if flt.not_in_latest:
        conditions.append(_not_in_latest(session, flt.programme_id))
    if flt.programme_id is not None:
        conditions.append(col(Action.programme_id) == flt.programme_id)
    if flt.overdue or flt.due_within_days is not None:
        todays = _programme_todays(session)
        conditions.append(col(Action.status).in_(OPEN_STATUSES))
        if flt.overdue:
            conditions.append(_due_before(todays, 0))
        if flt.due_within_days is not None:
            conditions.append(_due_before(todays, flt.due_within_days + 1))
    if flt.text:
        pattern = "%" + _escape_like(flt.text) + "%"
        conditions.append(
            sa.or_(
                col(Action.title).ilike(pattern, escape="\\"),
                col(Recommendation.text).ilike(pattern, escape="\\"),
            )
        )
    if flt.owned_by is not None:
        conditions.append(policy.owned_by(flt.owned_by))
    return conditions


def _not_in_latest(session: Session, programme_id: int | None) -> sa.ColumnElement[bool]:
    """The action carries no recommendation of its programme's latest edition."""
    latest = edition_service.latest_editions(session, programme_id)
    return sa.or_(
        sa.false(),
        *(
            sa.and_(col(Action.programme_id) == pid, sa.not_(edition_service.in_edition(rid)))
            for pid, rid in latest.items()
        ),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_STATUS_ORDER = sa.case(
    {status.value: number for number, status in enumerate(Status)}, value=col(Action.status)
)


def _ordering(sort: str) -> list[Any]:
    due = col(Action.due_on).asc().nulls_last()
    if sort == "status":
        return [_STATUS_ORDER, due, col(Action.id)]
    if sort == "changed":
        return [col(Action.updated_at).desc(), col(Action.id).desc()]
    return [due, _STATUS_ORDER, col(Action.id)]


def count_actions(session: Session, flt: ActionFilter) -> int:
    """How many actions match ``flt``: counted on ``action`` alone (see ``_from_action``)."""
    return _count(session, flt, _conditions(session, flt))


def _count(session: Session, flt: ActionFilter, conditions: list[sa.ColumnElement[bool]]) -> int:
    query = _from_action(flt, sa.func.count()).where(*conditions)
    return int(session.execute(query).scalar_one())


def list_actions(
    session: Session, flt: ActionFilter, page: int = 1, *, size: int = PAGE_SIZE
) -> Page:
    """One page of the filtered, sorted list and the total, both counted in SQL.

    ``size`` is the page length (the API's ``per_page``; pages show ``PAGE_SIZE``).
    The page's ids are chosen on ``action`` alone and only those rows are then joined
    to the names they show, so the cost follows the page, not the table.
    """
    conditions = _conditions(session, flt)
    total = _count(session, flt, conditions)
    pages = max(1, math.ceil(total / size))
    number = min(max(page, 1), pages)
    offset = (number - 1) * size
    if flt.sort == "due" and total > offset + size:
        conditions.append(_due_no_later_than_page(session, flt, conditions, offset + size))
    ids = session.execute(
        _from_action(flt, col(Action.id))
        .where(*conditions)
        .order_by(*_ordering(flt.sort))
        .limit(size)
        .offset(offset)
    ).scalars()
    position = {action_id: index for index, action_id in enumerate(ids)}
    result = sorted(
        session.execute(_joined().where(col(Action.id).in_(position))).all(),
        key=lambda row: position[row[0].id],
    )
    todays: dict[int, dt.date] = {}
    rows = []
    for action, programme, report, owner_name, organisation_name, assigned in result:
        if programme.id not in todays:
            todays[programme.id] = local_today(programme.timezone)
        rows.append(
            ActionRow(
                action,
                programme,
                report,
                owner_name,
                organisation_name,
                bool(assigned),
                todays[programme.id],
            )
        )
    counts = edition_service.edition_counts(session, [r.action.id for r in rows if r.action.id])
    for row in rows:
        row.editions = counts.get(row.action.id or 0, 1)
    return Page(rows=rows, total=total, number=number, size=size)


def _due_no_later_than_page(
    session: Session, flt: ActionFilter, conditions: list[sa.ColumnElement[bool]], rows: int
) -> sa.ColumnElement[bool]:
    """A bound on due_on that keeps the first ``rows`` rows of the "due" order.

    The order is ``due_on`` (empty last), status, id: no index serves the status step,
    and SQLite cannot read ``NULLS LAST`` from one, so it would sort every match. The
    due date of the ``rows``-th match comes from the index on ``(due_on, id)``; every
    row up to there is due no later, so only those (and the rest of that date's ties)
    are sorted. Without that many dated matches there is no bound.
    """
    last_due = session.execute(
        _from_action(flt, col(Action.due_on))
        .where(*conditions, col(Action.due_on).is_not(None))
        .order_by(col(Action.due_on))
        .limit(1)
        .offset(rows - 1)
    ).scalar()
    if last_due is None:
        return sa.true()
    return col(Action.due_on) <= last_due


class OwnerOption(NamedTuple):
    """One person in the owner filter: only what the option shows."""

    id: int
    name: str


@dataclass
class FilterChoices:
    """What the filter form offers: people, organisations, editions, programmes."""

    owners: list[OwnerOption]
    organisations: list[Organisation]
    editions: list[str]
    programmes: list[Programme]


def filter_choices(session: Session, reader: policy.Who) -> FilterChoices:
    """The filter form's options, from the programmes ``reader`` may read only."""
    editions = session.exec(
        select(Report.edition)
        .where(col(Report.edition).is_not(None), policy.readable(reader, Report.programme_id))
        .distinct()
    ).all()
    # Everyone who owns an action: a few thousand in a global tracker, so names only
    # (no User objects) and an index probe per person rather than a pass over actions.
    owns = sa.exists().where(col(Action.owner_user_id) == User.id, policy.readable(reader))
    owners = session.execute(
        sa.select(col(User.id), col(User.name)).where(owns).order_by(col(User.name))
    )
    taking_part = sa.exists().where(
        col(Participation.organisation_id) == Organisation.id,
        policy.readable(reader, Participation.programme_id),
    )
    return FilterChoices(
        owners=[OwnerOption(user_id, name) for user_id, name in owners],
        organisations=list(
            session.exec(select(Organisation).where(taking_part).order_by(Organisation.short_name))
        ),
        editions=sorted(e for e in editions if e),
        programmes=list(
            session.exec(
                select(Programme)
                .where(policy.readable(reader, Programme.id))
                .order_by(Programme.country)
            )
        ),
    )


# --------------------------------------------------------------------------- one action


@dataclass
class ActionDetail:
    """Everything the action page shows, gathered in a few queries."""

    action: Action
    programme: Programme
    report: Report
    recommendation: Recommendation
    today: dt.date
    deadline: dt.date | None
    assigned: bool
    events: list[ActionEvent]
    users: dict[int, User]
    organisations: dict[int, Organisation]
    meetings: dict[int, Meeting]
    deadline_changes: dict[int, DeadlineChange]

    def user_name(self, user_id: int | None) -> str | None:
        user = self.users.get(user_id) if user_id is not None else None
        return user.name if user else None

    def organisation_name(self, organisation_id: int | None) -> str | None:
        organisation = (
            self.organisations.get(organisation_id) if organisation_id is not None else None
        )
        return organisation.short_name if organisation else None

    def owner_label(self, user_id: int | None, organisation_id: int | None) -> str | None:
        """'Sokha (CMAA)', 'CMAA' or None for unassigned."""
        person = self.user_name(user_id)
        organisation = self.organisation_name(organisation_id)
        if person and organisation:
            return f"{person} ({organisation})"
        return person or organisation


def action_detail(session: Session, action_id: int) -> ActionDetail | None:
    action = session.get(Action, action_id, populate_existing=True)
    if action is None:
        return None
    recommendation = session.get(Recommendation, action.recommendation_id)
    programme = session.get(Programme, action.programme_id)
    assert recommendation is not None and programme is not None
    report = session.get(Report, recommendation.report_id)
    assert report is not None
    events = events_of(session, action_id)
    return ActionDetail(
        action=action,
        programme=programme,
        report=report,
        recommendation=recommendation,
        today=local_today(programme.timezone),
        deadline=programme_service.current_deadline(session, programme.id),  # type: ignore[arg-type]
        assigned=policy.effective_owner_active(session, action),
        events=events,
        **names_for(session, [action], events),
    )


def events_of(session: Session, action_id: int) -> list[ActionEvent]:
    """The action's full journal, oldest first."""
    return list(
        session.exec(
            select(ActionEvent)
            .where(ActionEvent.action_id == action_id)
            .order_by(col(ActionEvent.at), col(ActionEvent.id))
        )
    )


def names_for(
    session: Session, actions: Sequence[Action], events: Sequence[ActionEvent]
) -> dict[str, Any]:
    """The people, organisations, meetings and deadline records a history names."""
    user_ids = {a.owner_user_id for a in actions} | {
        u for e in events for u in (e.actor_id, e.owner_user_from, e.owner_user_to)
    }
    organisation_ids = {a.owner_organisation_id for a in actions} | {
        o for e in events for o in (e.owner_organisation_from, e.owner_organisation_to)
    }
    meeting_ids = {e.meeting_id for e in events if e.meeting_id}
    change_ids = {e.deadline_change_id for e in events if e.deadline_change_id}
    return {
        "users": _by_id(session, User, user_ids),
        "organisations": _by_id(session, Organisation, organisation_ids),
        "meetings": _by_id(session, Meeting, meeting_ids),
        "deadline_changes": _by_id(session, DeadlineChange, change_ids),
    }


def _by_id(session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(wanted)))}


@dataclass
class OwnerChoices:
    users: list[User]
    organisations: list[Organisation]


def owner_choices(session: Session, programme_id: int) -> OwnerChoices:
    """Who a coordinator can name as owner in a programme: its active members who can act
    there (coordinators and owners), and the organisations that take part in it."""
    users = session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(
            col(Membership.programme_id) == programme_id,
            col(Membership.role).in_(sorted(policy.ACTING_ROLES)),
            col(User.active).is_(True),
        )
        .order_by(User.name)
    )
    organisations = session.exec(
        select(Organisation)
        .join(Participation, col(Participation.organisation_id) == Organisation.id)
        .where(col(Participation.programme_id) == programme_id)
        .order_by(Organisation.short_name)
    )
    return OwnerChoices(list(users), list(organisations))
