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
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from ..models import (
    Action,
    ActionEvent,
    Criterion,
    DeadlineChange,
    Organisation,
    Programme,
    Recommendation,
    Report,
    Role,
    Treaty,
    User,
)
from .history import make_history
from .members import write_memberships
from .plan import (
    ProgrammeSpec,
    SyntheticError,
    SyntheticPlan,
    SyntheticResult,
    current_deadline,
    draw_deadlines,
    programme_pairs,
)
from .words import (
    CRITERIA,
    FIRST_NAMES,
    LAST_NAMES,
    OBJECTS,
    OPERATORS,
    TIMEZONES,
    VERBS,
    WHEN,
)

__all__ = ["SyntheticError", "SyntheticPlan", "SyntheticResult", "seed_synthetic"]

ACTION_CHUNK = 2_000
EVENT_CHUNK = 10_000
PROGRAMMES_PER_COORDINATOR = 10


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _instant(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def _recommendation_text(rng: random.Random, country: str) -> str:
    when = rng.choice(WHEN)
    text = f"{country} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
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
        ProgrammeSpec(
            country=country,
            treaty=treaty,
            timezone=rng.choice(TIMEZONES),
            deadlines=draw_deadlines(rng, plan.today, treaty),
            years=sorted(rng.sample(range(plan.today.year - 7, plan.today.year), k=3)),
        )
        for country, treaty in pairs
    ]
    operator_ids = _ensure_operators(session, writer, result)
    _write_programmes(writer, specs, plan, result)
    _write_people(rng, writer, specs, plan, operator_ids, result)
    write_memberships(writer.connection, specs, plan, result)
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
    writer: _Writer, specs: list[ProgrammeSpec], plan: SyntheticPlan, result: SyntheticResult
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
    specs: list[ProgrammeSpec],
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
    layout: list[tuple[ProgrammeSpec, int, bool]] = []
    for index, spec in enumerate(specs):
        domain = f"{_slug(spec.country)}-{spec.treaty.value.lower()}.example.org"
        count = max(3, min(20, plan.actions_in(index) // 50))
        bodies = [spec.authority_id, *rng.sample(operator_ids, k=2)]
        spec.bodies = bodies
        # One regional coordinator for each group of PROGRAMMES_PER_COORDINATOR; the
        # memberships (members.py) make them coordinators of their group's programmes.
        first_number = 0 if index % PROGRAMMES_PER_COORDINATOR == 0 else 1
        for number in range(first_number, count + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
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


def _write_actions(
    rng: random.Random,
    writer: _Writer,
    spec: ProgrammeSpec,
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
            "deadline_on_page": current_deadline(spec),
            "rating": None,
            "warnings": "synthetic data",
            "imported_at": _instant(dt.date(year, 10, 1), rng.randint(0, 86_399)),
        }
        for year in spec.years
    ]
    scores = [[round(rng.uniform(3, 9), 1) for _ in CRITERIA] for _ in reports]
    for row, score in zip(reports, scores, strict=True):
        total = sum(s * w for s, (_, w) in zip(score, CRITERIA, strict=True)) / 100
        row["stated_score"] = row["computed_score"] = round(total, 1)
    report_ids = writer.insert_returning_ids(Report, reports)
    writer.insert(
        Criterion,
        [
            {"report_id": report_id, "position": position, "name": name, "weight": weight,
             "score": score[position - 1]}
            for report_id, score in zip(report_ids, scores, strict=True)
            for position, (name, weight) in enumerate(CRITERIA, start=1)
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
            make_history(
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
