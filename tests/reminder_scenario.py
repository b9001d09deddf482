"""The Cambodia story of ../shared/scenario-cambodia.md as data, for the reminder tests.

The demo is loaded with its deadline history up to the 2025 deadline; the owners are
assigned, three dates pinned and a year of history written with explicit instants
(never the wall clock), so the scenario can be replayed at any simulated time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import time_machine
from sqlmodel import Session, col, select

from tracker.models import (
    Action,
    ActionEvent,
    DeadlineKind,
    EventKind,
    Organisation,
    Programme,
    Recommendation,
    Role,
    Status,
    User,
)
from tracker.seed import demo as demo_service
from tracker.services import programmes as programme_service
from tracker.services import users as user_service

UTC = dt.UTC
IMPORTED_AT = dt.datetime(2023, 10, 15, 3, tzinfo=UTC)
ASSIGNED_AT = dt.datetime(2023, 10, 20, 3, tzinfo=UTC)

PEOPLE = [
    ("coordinator@cmaa.example", "CMAA coordinator", Role.coordinator, "CMAA"),
    ("qa@cmaa.example", "CMAA quality assurance", Role.owner, "CMAA"),
    ("im@cmaa.example", "CMAA information management", Role.owner, "CMAA"),
    ("liaison@mfaic.example", "MFAIC border affairs", Role.owner, "MFAIC"),
    ("budget@mef.example", "MEF budget department", Role.owner, "MEF"),
    ("ops@rcaf.example", "RCAF demining units", Role.owner, "RCAF"),
    ("ops@npmec.example", "NPMEC clearance", Role.owner, "NPMEC"),
    ("donor@example.org", "Donor representative", Role.viewer, None),
]
# Action number -> owner e-mail and pinned due date (None: follows the treaty deadline).
OWNERS = {
    1: ("coordinator@cmaa.example", dt.date(2024, 12, 31)),
    2: ("liaison@mfaic.example", None),
    3: ("budget@mef.example", dt.date(2024, 3, 31)),
    4: ("qa@cmaa.example", dt.date(2024, 6, 30)),
    5: ("im@cmaa.example", None),
}


@dataclass
class Cambodia:
    programme: Programme
    actions: dict[int, Action]  # by number 1..5
    users: dict[str, User]  # by e-mail

    def number_of(self, action_id: int) -> int:
        return next(n for n, a in self.actions.items() if a.id == action_id)


def _event(
    session: Session, action: Action, at: dt.datetime, kind: EventKind, **fields: object
) -> None:
    session.add(ActionEvent(action_id=action.id, kind=kind, at=at, **fields))  # type: ignore[arg-type]


def load_cambodia(session: Session) -> Cambodia:
    """Demo + owners + the 2023-2025 history of the story, committed."""
    demo_service.load_demo(session, deadlines_until=dt.date(2025, 1, 1))
    programme = session.exec(select(Programme)).one()
    organisations = {o.short_name: o for o in session.exec(select(Organisation))}
    users = {}
    for email, name, role, short in PEOPLE:
        users[email] = user_service.create_user(
            session, email=email, name=name, role=role,
            organisation=organisations[short] if short else None,
        )  # fmt: skip
    rows = session.exec(
        select(Action, Recommendation.position)
        .join(Recommendation, col(Action.recommendation_id) == Recommendation.id)
        .order_by(col(Recommendation.position))
    ).all()
    actions = {position: action for action, position in rows}
    for event in session.exec(select(ActionEvent)):
        event.at = IMPORTED_AT
        session.add(event)
    for number, (email, pinned) in OWNERS.items():
        action = actions[number]
        owner = users[email]
        action.created_at = IMPORTED_AT
        action.owner_user_id = owner.id
        action.owner_organisation_id = owner.organisation_id
        _event(session, action, ASSIGNED_AT, EventKind.owner_changed,
               owner_user_to=owner.id, owner_organisation_to=owner.organisation_id)  # fmt: skip
        if pinned:
            _event(session, action, ASSIGNED_AT, EventKind.due_date_changed,
                   due_from=action.due_on, due_to=pinned, follows_deadline_to=False)  # fmt: skip
            action.due_on, action.follows_deadline = pinned, False
    # March 2024: the working group moves action 4 to 30 Sep 2024.
    moved_at = dt.datetime(2024, 3, 20, 3, tzinfo=UTC)
    _event(session, actions[4], moved_at, EventKind.due_date_changed, due_from=actions[4].due_on,
           due_to=dt.date(2024, 9, 30), follows_deadline_to=False)  # fmt: skip
    actions[4].due_on = dt.date(2024, 9, 30)
    # April 2024: action 3 implemented.
    set_status(session, actions[3], Status.implemented, dt.datetime(2024, 4, 20, 3, tzinfo=UTC))
    # 2025: action 1 blocked; QA and IM post progress in August.
    set_status(session, actions[1], Status.blocked, dt.datetime(2025, 3, 10, 3, tzinfo=UTC))
    set_status(session, actions[4], Status.in_progress, dt.datetime(2025, 8, 25, 3, tzinfo=UTC))
    set_status(session, actions[5], Status.in_progress, dt.datetime(2025, 8, 27, 3, tzinfo=UTC))
    for action in actions.values():
        session.add(action)
    session.commit()
    return Cambodia(programme, actions, users)


def set_status(session: Session, action: Action, status: Status, at: dt.datetime) -> None:
    _event(
        session, action, at, EventKind.status_changed, status_from=action.status, status_to=status
    )
    action.status = status
    action.updated_at = at
    session.add(action)
    session.flush()


def record_2030_extension(session: Session, programme: Programme, at: dt.datetime) -> int:
    """The 22MSP decision of 5 Dec 2025, recorded as the coordinator would, at ``at``."""
    record = dict(demo_service.CAMBODIA_DEADLINES[-1])
    assert record["new_on"] == dt.date(2030, 12, 31)
    assert record.pop("kind") == DeadlineKind.extension
    with time_machine.travel(at, tick=False):
        result = programme_service.record_deadline_change(
            session,
            programme,
            kind=DeadlineKind.extension,
            **record,  # type: ignore[arg-type]
        )
    session.commit()
    return result.moved_actions


# Each reference a reminder row makes without a foreign key (migrations 0021, 0022),
# as (table, column, referenced table).
UNCHECKED_REFERENCES = [
    ("reminder_line", "outbox_message_id", "outbox_message"),
    ("reminder_line", "recipient_user_id", '"user"'),
    ("reminder_line", "programme_id", "programme"),
    ("reminder_line", "action_id", "action"),
    ("reminder_schedule", "action_id", "action"),
]


def dangling_references(session: Session) -> dict[str, int]:
    """How many reminder rows name a row that does not exist, by reference: what the
    dropped foreign keys guarded, which the planner's writing must keep at zero."""
    found = {}
    for table, column, target in UNCHECKED_REFERENCES:
        count = session.execute(
            sa.text(
                f"SELECT count(*) FROM {table} r WHERE r.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.id = r.{column})"
            )
        ).scalar_one()
        found[f"{table}.{column}"] = int(count)
    return found


def rows_named(session: Session) -> dict[str, int]:
    """How many reminder rows make each reference (so a check over none proves nothing)."""
    return {
        f"{table}.{column}": int(
            session.execute(sa.text(f"SELECT count({column}) FROM {table}")).scalar_one()
        )
        for table, column, _target in UNCHECKED_REFERENCES
    }
