"""Generated programmes, actions and histories, to measure tracker at scale.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, and dates are
counted from a given ``today``, so the same seed and day give the same rows. Rows go
in through SQLAlchemy Core ``insert()`` with lists of parameters, a chunk of actions
at a time (their ids come back with RETURNING, in order), so a hundred thousand
actions with a million events load in minutes and memory stays flat.

The data keeps the rules the workflow keeps: each action's first event is
``created`` with its initial status, owner and due date; status events walk
allowed transitions and the last one ends in the action's status; owner and due-date
events end in the action's owner and due date; ``version`` counts the changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from ..models import (
    Action,
    ActionEvent,
    Criterion,
    DeadlineChange,
    DeadlineKind,
    EventKind,
    Organisation,
    Programme,
    Recommendation,
    Report,
    Role,
    Status,
    Treaty,
    User,
)
from .actions import action_title

ACTION_CHUNK = 2_000
EVENT_CHUNK = 10_000
# One action per programme gets this many times the usual events: a long history.
LONG_HISTORY_FACTOR = 20
PROGRAMMES_PER_COORDINATOR = 10

_PREFIXES = [
    "Nor", "Sou", "Ester", "Wes", "Val", "Mar", "Kor", "Ald", "Bel", "Cal", "Dor", "Fen",
    "Gal", "Har", "Ist", "Jor", "Kel", "Lun", "Mir", "Nav", "Oster", "Pel", "Quar", "Ros",
    "Sar", "Tal", "Ul", "Ver", "Zan", "Brim",
]  # fmt: skip
_SUFFIXES = ["land", "ia", "stan", "ora", "mark", "avia", "eth", "onia", "ino", "ara"]
_QUALIFIERS = ["", "North ", "South ", "East ", "West ", "Upper ", "Lower "]
_TIMEZONES = [
    "Asia/Phnom_Penh", "Asia/Kabul", "Asia/Baghdad", "Africa/Luanda", "Africa/Harare",
    "Europe/Sarajevo", "America/Bogota", "Asia/Colombo", "Africa/Khartoum", "Europe/Kyiv",
    "Asia/Bangkok", "Africa/Maputo", "Asia/Aden", "Africa/Tripoli", "UTC",
]  # fmt: skip
OPERATORS = [
    ("CDT", "Clearwater Demining Trust"),
    ("NMAG", "Northstar Mine Action Group"),
    ("HSA", "Humanitarian Survey Alliance"),
    ("OGF", "Open Ground Foundation"),
    ("SPI", "Safe Path International"),
    ("TFC", "Terrafirm Clearance"),
]
_FIRST = [
    "Sokha", "Dara", "Amina", "Lucas", "Mei", "Omar", "Ines", "Tomas", "Nadia", "Pavel",
    "Rosa", "Kofi", "Lena", "Arun", "Yara", "Jonas", "Farah", "Hugo", "Sina", "Bopha",
]  # fmt: skip
_LAST = [
    "Chan", "Mendes", "Okafor", "Ivanova", "Haddad", "Silva", "Nguyen", "Kowalski", "Diallo",
    "Petrov", "Rahimi", "Santos", "Lindqvist", "Ouma", "Keo", "Moreau", "Tanaka", "Bakr",
]  # fmt: skip
_VERBS = [
    "should publish", "should update", "should complete", "should establish",
    "should report on", "should prioritise", "should secure funding for",
    "should review", "should accelerate", "should clarify",
]  # fmt: skip
_OBJECTS = [
    "its national mine action strategy", "a resource mobilisation plan",
    "the land release data in its annual Article 7 report", "non-technical survey of all",
    "the remaining confirmed hazardous areas", "a gender and diversity policy",
    "the national mine action standards", "its information management system",
    "a sustainable national capacity for residual contamination", "a costed work plan",
    "mine risk education in affected communities", "the quality management system",
]  # fmt: skip
_WHEN = [
    "by the end of the year", "within the extension period",
    "before the next meeting of States Parties", "in consultation with operators",
    "with clear annual milestones", "",
]  # fmt: skip
_COMMENTS = [
    "Discussed at the monthly coordination meeting.",
    "Draft shared with the operators for comment.",
    "Waiting for the ministry's sign-off.",
    "Funding confirmed for the next phase.",
    "Field teams redeployed to the northern provinces.",
    "Data reconciled with the national database.",
    "Consultant's report received; under review.",
    "Progress slower than planned because of the rainy season.",
]  # fmt: skip
_CRITERIA = [
    ("Understanding of the contamination", 20), ("National ownership and programme management", 10),
    ("Gender and diversity", 10), ("Environmental policies and action", 10),
    ("Information management and reporting", 10), ("Planning and tasking", 10),
    ("Land release system", 10), ("Land release outputs and Article 5 compliance", 20),
]  # fmt: skip
# Current statuses and their weights: spread over every status, most of them open.
_STATUS_WEIGHTS = {
    Status.not_started: 25,
    Status.in_progress: 30,
    Status.blocked: 10,
    Status.implemented: 30,
    Status.not_applicable: 5,
}
# A walk of allowed transitions from not_started to each status.
_STATUS_PATHS: dict[Status, list[list[Status]]] = {
    Status.not_started: [[]],
    Status.in_progress: [[Status.in_progress], [Status.blocked, Status.in_progress]],
    Status.blocked: [[Status.blocked], [Status.in_progress, Status.blocked]],
    Status.implemented: [
        [Status.in_progress, Status.implemented],
        [Status.in_progress, Status.blocked, Status.in_progress, Status.implemented],
    ],
    Status.not_applicable: [[Status.not_applicable], [Status.in_progress, Status.not_applicable]],
}


class SyntheticError(ValueError):
    """The generated data cannot go into this database; one line for the operator."""


@dataclass(frozen=True)
class SyntheticPlan:
    programmes: int
    actions: int
    events_per_action: int
    seed: int = 1
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    def check(self) -> None:
        if self.programmes < 1:
            raise SyntheticError("--programmes must be at least 1")
        if self.actions < self.programmes:
            raise SyntheticError("--actions must be at least --programmes (one per programme)")
        if self.events_per_action < 1:
            raise SyntheticError("--events-per-action must be at least 1 (the created event)")

    def actions_in(self, index: int) -> int:
        """Actions of programme ``index``: N spread as evenly as it divides."""
        base, extra = divmod(self.actions, self.programmes)
        return base + (1 if index < extra else 0)


@dataclass
class SyntheticResult:
    programmes: int = 0
    organisations: int = 0
    users: int = 0
    reports: int = 0
    recommendations: int = 0
    actions: int = 0
    events: int = 0

    def summary(self) -> str:
        return (
            f"{self.programmes} programmes, {self.reports} reports, {self.actions} actions, "
            f"{self.events} events, {self.users} users, {self.organisations} new organisations"
        )


@dataclass
class _ProgrammeSpec:
    country: str
    treaty: Treaty
    timezone: str
    deadlines: list[dict[str, Any]]
    years: list[int]
    id: int = 0
    coordinator_id: int = 0
    authority_id: int = 0
    owners: list[tuple[int, int | None]] = field(default_factory=list)  # (user id, org id)


def country_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct invented country names."""
    names = [q + p + s for q in _QUALIFIERS for p in _PREFIXES for s in _SUFFIXES]
    if count <= len(names):
        return rng.sample(names, count)
    return [*names, *(f"Territory {n}" for n in range(1, count - len(names) + 1))]


def programme_pairs(rng: random.Random, count: int) -> list[tuple[str, Treaty]]:
    """Distinct (country, treaty) pairs; every fifth is a second treaty of a country."""
    names = iter(country_names(rng, count))
    pairs: list[tuple[str, Treaty]] = []
    for index in range(count):
        if index % 5 == 4:
            country, treaty = pairs[-1]
            pairs.append((country, Treaty.CCM if treaty is Treaty.APMBC else Treaty.APMBC))
        else:
            pairs.append((next(names), Treaty.CCM if rng.random() < 0.15 else Treaty.APMBC))
    return pairs


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _instant(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def _deadlines(rng: random.Random, today: dt.date, treaty: Treaty) -> list[dict[str, Any]]:
    """The original deadline and, for some programmes, extensions, some already past."""
    entry = dt.date(rng.randint(1999, 2012), 3, 1)
    original = entry.replace(year=entry.year + 10)
    rows: list[dict[str, Any]] = [
        {
            "kind": DeadlineKind.original,
            "new_on": original,
            "decided_on": entry,
            "decided_by": f"Entry into force of the {treaty.value}",
        }
    ]
    current = original
    while current < today - dt.timedelta(days=365 * 2) or rng.random() < 0.3:
        decided = current - dt.timedelta(days=rng.randint(30, 400))
        new_on = current.replace(year=current.year + rng.choice([2, 3, 5]))
        rows.append(
            {
                "kind": DeadlineKind.extension,
                "previous_on": current,
                "new_on": new_on,
                "requested_on": decided - dt.timedelta(days=240),
                "decided_on": decided,
                "decided_by": f"Meeting of States Parties, {decided.year}",
            }
        )
        current = new_on
        if len(rows) > 6:
            break
    return rows


def _recommendation_text(rng: random.Random, country: str) -> str:
    when = rng.choice(_WHEN)
    text = f"{country} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    return f"{text} {when}." if when else f"{text}."


class _Writer:
    """Core inserts on the session's connection, with the progress reported per chunk."""

    def __init__(self, session: Session, progress: Callable[[int], None] | None) -> None:
        self.connection = session.connection()
        self.progress = progress or (lambda _n: None)

    def insert(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        for start in range(0, len(rows), EVENT_CHUNK):
            self.connection.execute(sa.insert(table), list(rows[start : start + EVENT_CHUNK]))

    def insert_returning_ids(
        self, model: type[SQLModel], rows: Sequence[dict[str, Any]]
    ) -> list[int]:
        if not rows:
            return []
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row[0] for row in self.connection.execute(statement, list(rows))]


def _check_free(session: Session, pairs: list[tuple[str, Treaty]]) -> None:
    taken = session.connection().execute(
        sa.select(Programme.country, Programme.treaty).where(  # type: ignore[call-overload]
            sa.tuple_(Programme.country, Programme.treaty).in_(pairs)
        )
    )
    first = taken.first()
    if first is not None:
        raise SyntheticError(
            f"the database already has a programme {first[0]} ({first[1]}): "
            "seed an empty database or use another --seed"
        )


def seed_synthetic(
    session: Session,
    plan: SyntheticPlan,
    *,
    progress: Callable[[int], None] | None = None,
) -> SyntheticResult:
    """Fill the database with ``plan``'s generated data; the caller commits.

    ``progress`` is called with the number of actions just written, chunk by chunk.
    """
    plan.check()
    rng = random.Random(plan.seed)
    writer = _Writer(session, progress)
    result = SyntheticResult()
    pairs = programme_pairs(rng, plan.programmes)
    _check_free(session, pairs)

    specs = [
        _ProgrammeSpec(
            country=country,
            treaty=treaty,
            timezone=rng.choice(_TIMEZONES),
            deadlines=_deadlines(rng, plan.today, treaty),
            years=sorted(rng.sample(range(plan.today.year - 7, plan.today.year), k=3)),
        )
        for country, treaty in pairs
    ]
    operator_ids = _ensure_operators(session, writer, result)
    _write_programmes(writer, specs, plan, result)
    _write_people(rng, writer, specs, plan, operator_ids, result)
    for index, spec in enumerate(specs):
        _write_actions(rng, writer, spec, plan, plan.actions_in(index), result)
    # Planner statistics for what was just written: without them SQLite picks poor plans
    # (a full sort for the actions list, minutes for a summary query) until someone runs
    # ANALYZE. Both databases count the transaction's own rows.
    session.execute(sa.text("ANALYZE"))
    return result


def _ensure_operators(session: Session, writer: _Writer, result: SyntheticResult) -> list[int]:
    """The international operators, shared by every seed; created once."""
    table: sa.Table = Organisation.__table__  # type: ignore[attr-defined]
    shorts = [short for short, _ in OPERATORS]
    existing = dict(
        writer.connection.execute(
            sa.select(table.c.short_name, table.c.id).where(table.c.short_name.in_(shorts))
        ).all()
    )
    missing = [
        {"short_name": short, "name": name, "created_at": _instant(dt.date(2015, 1, 1), 0)}
        for short, name in OPERATORS
        if short not in existing
    ]
    for row, new_id in zip(
        missing, writer.insert_returning_ids(Organisation, missing), strict=True
    ):
        existing[row["short_name"]] = new_id
    result.organisations += len(missing)
    return [existing[short] for short in shorts]


def _write_programmes(
    writer: _Writer, specs: list[_ProgrammeSpec], plan: SyntheticPlan, result: SyntheticResult
) -> None:
    created = _instant(plan.today - dt.timedelta(days=365 * 8), 0)
    ids = writer.insert_returning_ids(
        Programme,
        [
            {
                "country": s.country,
                "treaty": s.treaty,
                "article": "5" if s.treaty is Treaty.APMBC else "4",
                "timezone": s.timezone,
                "created_at": created,
            }
            for s in specs
        ],
    )
    deadline_rows = []
    for spec, programme_id in zip(specs, ids, strict=True):
        spec.id = programme_id
        deadline_rows += [
            {
                "programme_id": programme_id,
                "previous_on": None,
                "requested_on": None,
                "refused": False,
                "source": "synthetic data",
                "recorded_at": created,
                **row,
            }
            for row in spec.deadlines
        ]
    writer.insert(DeadlineChange, deadline_rows)
    result.programmes += len(specs)


def _write_people(
    rng: random.Random,
    writer: _Writer,
    specs: list[_ProgrammeSpec],
    plan: SyntheticPlan,
    operator_ids: list[int],
    result: SyntheticResult,
) -> None:
    """Per programme: its national authority, a coordinator, and owners in several bodies."""
    authorities = [
        {
            "name": f"{s.country} Mine Action Authority ({s.treaty.value})",
            "short_name": f"{_slug(s.country)[:28].upper()}-{s.treaty.value}",
            "created_at": _instant(plan.today - dt.timedelta(days=365 * 8), 0),
        }
        for s in specs
    ]
    for spec, authority_id in zip(
        specs, writer.insert_returning_ids(Organisation, authorities), strict=True
    ):
        spec.authority_id = authority_id
    result.organisations += len(authorities)

    users: list[dict[str, Any]] = []
    layout: list[tuple[_ProgrammeSpec, int, bool]] = []
    for index, spec in enumerate(specs):
        domain = f"{_slug(spec.country)}-{spec.treaty.value.lower()}.example.org"
        count = max(3, min(20, plan.actions_in(index) // 50))
        bodies = [spec.authority_id, *rng.sample(operator_ids, k=2)]
        # Coordinators see every programme (roles are not scoped to one), so there is
        # one for each group of PROGRAMMES_PER_COORDINATOR, as in a regional office.
        first_number = 0 if index % PROGRAMMES_PER_COORDINATOR == 0 else 1
        for number in range(first_number, count + 1):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            coordinator = number == 0
            organisation = spec.authority_id if coordinator else rng.choice(bodies)
            users.append(
                {
                    "email": f"{first}.{last}.{number}@{domain}".lower(),
                    "name": f"{first} {last}",
                    "role": Role.coordinator if coordinator else Role.owner,
                    "organisation_id": organisation,
                    # Some owners left: their actions count as unassigned.
                    "active": coordinator or rng.random() > 0.05,
                    "password_hash": None,
                    "must_change_password": False,
                    "session_version": 1,
                    "is_demo": True,
                    "created_at": _instant(plan.today - dt.timedelta(days=365 * 8), 0),
                }
            )
            layout.append((spec, organisation, coordinator))
    for (spec, organisation, coordinator), user_id in zip(
        layout, writer.insert_returning_ids(User, users), strict=True
    ):
        if coordinator:
            spec.coordinator_id = user_id
        else:
            spec.owners.append((user_id, organisation))
    for index, spec in enumerate(specs):
        if not spec.coordinator_id:
            spec.coordinator_id = specs[index - index % PROGRAMMES_PER_COORDINATOR].coordinator_id
    result.users += len(users)


def _current_deadline(spec: _ProgrammeSpec) -> dt.date:
    return max(spec.deadlines, key=lambda row: row["decided_on"])["new_on"]


def _write_actions(
    rng: random.Random,
    writer: _Writer,
    spec: _ProgrammeSpec,
    plan: SyntheticPlan,
    count: int,
    result: SyntheticResult,
) -> None:
    """The programme's reports, their recommendations, and one action with history each."""
    reports: list[dict[str, Any]] = [
        {
            "programme_id": spec.id,
            "edition": f"Clearing the Mines {year}",
            "publisher": "Mine Action Review",
            "year": year,
            "checksum": hashlib.sha256(
                f"synthetic:{plan.seed}:{spec.country}:{spec.treaty}:{year}".encode()
            ).hexdigest(),
            "deadline_on_page": _current_deadline(spec),
            "rating": None,
            "warnings": "synthetic data",
            "imported_at": _instant(dt.date(year, 10, 1), rng.randint(0, 86_399)),
        }
        for year in spec.years
    ]
    scores = [[round(rng.uniform(3, 9), 1) for _ in _CRITERIA] for _ in reports]
    for row, score in zip(reports, scores, strict=True):
        total = sum(s * w for s, (_, w) in zip(score, _CRITERIA, strict=True)) / 100
        row["stated_score"] = row["computed_score"] = round(total, 1)
    report_ids = writer.insert_returning_ids(Report, reports)
    writer.insert(
        Criterion,
        [
            {"report_id": report_id, "position": position, "name": name, "weight": weight,
             "score": score[position - 1]}
            for report_id, score in zip(report_ids, scores, strict=True)
            for position, (name, weight) in enumerate(_CRITERIA, start=1)
        ],
    )  # fmt: skip
    result.reports += len(reports)

    # Recommendations spread over the editions, oldest first.
    placements = [
        (report_ids[i * len(report_ids) // count], reports[i * len(report_ids) // count])
        for i in range(count)
    ]
    positions: dict[int, int] = {}
    for start in range(0, count, ACTION_CHUNK):
        chunk = placements[start : start + ACTION_CHUNK]
        recommendations: list[dict[str, Any]] = []
        for report_id, _ in chunk:
            positions[report_id] = positions.get(report_id, 0) + 1
            recommendations.append(
                {
                    "report_id": report_id,
                    "position": positions[report_id],
                    "text": _recommendation_text(rng, spec.country),
                }
            )
        recommendation_ids = writer.insert_returning_ids(Recommendation, recommendations)
        histories = [
            _history(
                rng, spec, plan, report["imported_at"], text["text"], recommendation_id,
                long=start + offset == 0,
            )
            for offset, ((_, report), text, recommendation_id) in enumerate(
                zip(chunk, recommendations, recommendation_ids, strict=True)
            )
        ]  # fmt: skip
        action_ids = writer.insert_returning_ids(Action, [action for action, _ in histories])
        events = [
            event | {"action_id": action_id}
            for action_id, (_, action_events) in zip(action_ids, histories, strict=True)
            for event in action_events
        ]
        writer.insert(ActionEvent, events)
        result.recommendations += len(chunk)
        result.actions += len(chunk)
        result.events += len(events)
        writer.progress(len(chunk))


_EVENT_DEFAULTS: dict[str, Any] = dict.fromkeys((
    "actor_id", "status_from", "status_to", "owner_user_from", "owner_user_to",
    "owner_organisation_from", "owner_organisation_to", "due_from", "due_to",
    "follows_deadline_to", "comment", "evidence_url", "meeting_id", "deadline_change_id",
))  # fmt: skip


def _event(kind: EventKind, at: dt.datetime, **values: Any) -> dict[str, Any]:
    return _EVENT_DEFAULTS | {"kind": kind, "at": at} | values


def _history(
    rng: random.Random,
    spec: _ProgrammeSpec,
    plan: SyntheticPlan,
    created_at: dt.datetime,
    text: str,
    recommendation_id: int,
    *,
    long: bool,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One action's row and its events, consistent with each other."""
    events_wanted = plan.events_per_action * (LONG_HISTORY_FACTOR if long else 1)
    status = rng.choices(list(_STATUS_WEIGHTS), weights=list(_STATUS_WEIGHTS.values()))[0]
    path = list(rng.choice(_STATUS_PATHS[status]))
    roll = rng.random()
    owner_user, owner_org = (None, None)
    if roll < 0.8 and spec.owners:
        owner_user, owner_org = rng.choice(spec.owners)
    elif roll < 0.9:
        owner_org = spec.authority_id

    deadline = _current_deadline(spec)
    follows = rng.random() < 0.7
    # Pinned dates, a third of them already past: with open actions, overdue ones.
    pinned = plan.today + dt.timedelta(days=rng.randint(-500, 900))
    due_on = deadline if follows else pinned
    initial_due = deadline

    # Changes the history must hold, in order; comments fill the remaining slots.
    changes: list[tuple[EventKind, Any]] = []
    if owner_user is not None or owner_org is not None:
        changes.append((EventKind.owner_changed, (owner_user, owner_org)))
    if not follows:
        changes.append((EventKind.due_date_changed, due_on))
    changes += [(EventKind.status_changed, step) for step in path]
    slots = events_wanted - 1
    initial_status = Status.not_started
    initial_owner: tuple[int | None, int | None] = (None, None)
    while len(changes) > slots:
        # Too few events for the whole story: fold changes into the created event.
        kind, value = changes.pop(0)
        if kind is EventKind.owner_changed:
            initial_owner = value
        elif kind is EventKind.due_date_changed:
            initial_due = value
        else:
            initial_status = value
    comments = slots - len(changes)
    for _ in range(comments):
        changes.insert(rng.randint(0, len(changes)), (EventKind.comment, rng.choice(_COMMENTS)))

    span = max(60, (dt.datetime.combine(plan.today, dt.time(), tzinfo=dt.UTC) - created_at).days)
    offsets = sorted(rng.randint(1, span * 86_400 - 1) for _ in changes)
    actor = spec.coordinator_id
    events = [
        _event(
            EventKind.created, created_at, actor_id=actor, status_to=initial_status,
            owner_user_to=initial_owner[0], owner_organisation_to=initial_owner[1],
            due_to=initial_due, follows_deadline_to=initial_due == deadline,
        )
    ]  # fmt: skip
    current_status, current_owner, current_due = initial_status, initial_owner, initial_due
    for (kind, value), offset in zip(changes, offsets, strict=True):
        at = created_at + dt.timedelta(seconds=offset)
        if kind is EventKind.owner_changed:
            events.append(_event(
                kind, at, actor_id=actor,
                owner_user_from=current_owner[0], owner_user_to=value[0],
                owner_organisation_from=current_owner[1], owner_organisation_to=value[1],
                comment="Assigned at the coordination meeting.",
            ))  # fmt: skip
            current_owner = value
        elif kind is EventKind.due_date_changed:
            events.append(_event(
                kind, at, actor_id=actor, due_from=current_due, due_to=value,
                follows_deadline_to=False, comment="Date agreed with the operator.",
            ))  # fmt: skip
            current_due = value
        elif kind is EventKind.status_changed:
            evidence = None
            if value is Status.implemented:
                evidence = f"https://evidence.example.org/{recommendation_id}"
            events.append(_event(
                kind, at, actor_id=current_owner[0] or actor, status_from=current_status,
                status_to=value, comment=rng.choice(_COMMENTS), evidence_url=evidence,
            ))  # fmt: skip
            current_status = value
        else:
            events.append(_event(kind, at, actor_id=current_owner[0] or actor, comment=value))
    assert (current_status, current_owner, current_due) == (status, (owner_user, owner_org), due_on)

    action = {
        "programme_id": spec.id,
        "recommendation_id": recommendation_id,
        "title": action_title(text),
        "owner_user_id": owner_user,
        "owner_organisation_id": owner_org,
        "status": status,
        "due_on": due_on,
        "follows_deadline": follows,
        "version": len(events),
        "created_at": created_at,
        "updated_at": events[-1]["at"],
    }
    return action, events
