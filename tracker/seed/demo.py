"""The Cambodia demo: real treaty facts, invented workflow data labelled as demo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from ..importer import parse_profile
from ..models import DeadlineKind, Organisation, Programme, Role, Treaty, User
from ..services import imports as import_service
from ..services import memberships
from ..services import programmes as programme_service

DEMO_PROFILE = "cambodia-2023-apmbc.txt"

ORGANISATIONS = [
    ("CMAA", "Cambodian Mine Action and Victim Assistance Authority"),
    ("RCAF", "Royal Cambodian Armed Forces"),
    ("NPMEC", "National Centre for Peacekeeping Forces, Mines and ERW Clearance"),
    ("MFAIC", "Ministry of Foreign Affairs and International Cooperation"),
    ("MEF", "Ministry of Economy and Finance"),
]

# Cambodia's Article 5 deadline under the APMBC, as decided by the States Parties.
CAMBODIA_DEADLINES: list[dict[str, object]] = [
    {
        "kind": DeadlineKind.original,
        "new_on": dt.date(2010, 1, 1),
        "decided_on": dt.date(2000, 1, 1),
        "decided_by": "Entry into force of the APMBC for Cambodia",
        "source": "APMBC Article 5(1): ten years after entry into force",
    },
    {
        "kind": DeadlineKind.extension,
        "new_on": dt.date(2020, 1, 1),
        "decided_on": dt.date(2009, 12, 4),
        "decided_by": "Second Review Conference, Cartagena, 2009",
        "source": "Final report of the Second Review Conference",
    },
    {
        "kind": DeadlineKind.extension,
        "new_on": dt.date(2025, 12, 31),
        "requested_on": dt.date(2019, 3, 31),
        "decided_on": dt.date(2019, 11, 29),
        "decided_by": "Fourth Review Conference, Oslo, November 2019",
        "source": "Cambodia's Article 5 deadline extension request, March 2019",
    },
    {
        "kind": DeadlineKind.extension,
        "new_on": dt.date(2030, 12, 31),
        "decided_on": dt.date(2025, 12, 5),
        "decided_by": "Twenty-Second Meeting of the States Parties, Geneva, December 2025",
        "source": "Decision of the Twenty-Second Meeting of the States Parties",
        "note": "Requested in 2025.",
    },
]


@dataclass
class DemoResult:
    created: bool
    warnings: list[str]


def ensure_organisations(session: Session) -> None:
    for short_name, name in ORGANISATIONS:
        exists = session.exec(
            select(Organisation).where(Organisation.short_name == short_name)
        ).first()
        if exists is None:
            session.add(Organisation(short_name=short_name, name=name))
    session.flush()


def load_demo(session: Session, *, deadlines_until: dt.date | None = None) -> DemoResult:
    """Load Cambodia once: organisations, deadline history, then the 2023 profile.

    ``deadlines_until`` stops the history at a decision date, for scenarios that
    replay the 2025 extension themselves.
    """
    ensure_organisations(session)
    programme, created = programme_service.get_or_create_programme(
        session, "Cambodia", Treaty.APMBC, "5"
    )
    assert programme.id is not None
    if created:
        programme.timezone = "Asia/Phnom_Penh"
        session.add(programme)
        for record in CAMBODIA_DEADLINES:
            decided_on = record["decided_on"]
            assert isinstance(decided_on, dt.date)
            if deadlines_until and decided_on > deadlines_until:
                continue
            programme_service.record_deadline_change(session, programme, **record)  # type: ignore[arg-type]
    text = resources.files("tracker").joinpath("data", DEMO_PROFILE).read_text("utf-8")
    result = import_service.store_profile(session, parse_profile(text))
    # Issue 11: the Cambodian organisations take part in the Cambodia programme.
    for organisation in session.exec(select(Organisation)):
        if organisation.short_name in dict(ORGANISATIONS):
            memberships.add_organisation(session, organisation, programme)
    return DemoResult(created=not result.already_imported, warnings=result.warnings)


# --- summary issue 5: a year of demo history (accounts, owners, statuses, meetings) ---

DEMO_ACCOUNTS = [
    # e-mail, role, organisation short name, name (every one labelled as demo data)
    ("coordinator@cmaa.example", "coordinator", "CMAA", "Demo: CMAA planning and coordination"),
    ("qa@cmaa.example", "owner", "CMAA", "Demo: CMAA quality assurance"),
    ("im@cmaa.example", "owner", "CMAA", "Demo: CMAA information management"),
    ("liaison@mfaic.example", "owner", "MFAIC", "Demo: MFAIC border affairs"),
    ("budget@mef.example", "owner", "MEF", "Demo: MEF budget department"),
    ("ops@rcaf.example", "owner", "RCAF", "Demo: RCAF demining units"),
    ("ops@npmec.example", "owner", "NPMEC", "Demo: NPMEC clearance operations"),
    ("donor@example.org", "viewer", None, "Demo: donor representative (technical working group)"),
]
IMPORTED_AT = dt.datetime(2023, 10, 16, 3, 0, tzinfo=dt.UTC)  # 10:00 in Phnom Penh
FIRST_DEADLINE = dt.date(2025, 12, 31)
EXTENSION_DECIDED = dt.datetime(2025, 12, 5, 9, 0, tzinfo=dt.UTC)
DEMO_NOTE = "Demo data: invented for illustration."


def create_demo_user(
    session: Session,
    email: str,
    name: str,
    role: Role,
    organisation: Organisation | None,
    programme: Programme,
) -> User:
    """A demo account (marked ``is_demo``, no password) with ``role`` in ``programme`` only."""
    from ..services import users as user_service

    user = user_service.create_user(
        session,
        email=email,
        name=name,
        role=role,
        organisation=organisation,
        programmes=[(programme, role)],
    )
    user.is_demo = True
    return user


def _at(day: str, hour: int = 3) -> dt.datetime:
    """A demo instant: ``hour`` UTC on ``day`` (03:00 UTC is 10:00 in Phnom Penh)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), dt.UTC)


def load_demo_story(session: Session) -> bool:
    """Give the Cambodia demo its people and a year of history, once; False if already there.

    The accounts cannot sign in (no password) until an admin sets one. Every change
    goes through the workflow with a past timestamp, so the summary, the burn-up
    and the meeting pages show a history that reads as it happened.
    """
    import sqlalchemy as sa
    from sqlmodel import col

    from ..models import Action, ActionEvent, DeadlineChange, EventKind
    from ..services import meetings as meeting_service
    from ..services import users as user_service
    from ..services.journal import record_event, reschedule_reminders
    from ..services.workflow import ActionChange, Owner, update_action

    if user_service.find_user_by_email(session, "coordinator@cmaa.example") is not None:
        return False
    programme = session.exec(
        select(Programme).where(Programme.country == "Cambodia", Programme.treaty == Treaty.APMBC)
    ).first()
    if programme is None:
        return False
    organisations = {o.short_name: o for o in session.exec(select(Organisation))}
    users: dict[str, User] = {}
    for email, role, short_name, name in DEMO_ACCOUNTS:
        organisation = organisations.get(short_name) if short_name else None
        # Cambodia only, not the Norland demo.
        user = create_demo_user(session, email, name, Role(role), organisation, programme)
        user.created_at = IMPORTED_AT
        users[email] = user
    session.flush()
    coordinator = users["coordinator@cmaa.example"]
    # Issue 14: "implemented" counts once checked; CMAA quality assurance verifies.
    from ..services import verifiers

    programme.requires_verification = True
    verifiers.set_verifier(session, users["qa@cmaa.example"], programme, True)
    actions = list(
        session.exec(
            select(Action).where(Action.programme_id == programme.id).order_by(col(Action.id))
        )
    )
    if len(actions) != 5:
        return False
    ids = [a.id for a in actions]

    # Oct 2023 as it was: imported before the 2025 extension, so due on 31 Dec 2025.
    programme.created_at = IMPORTED_AT
    for change in session.exec(
        select(DeadlineChange).where(DeadlineChange.programme_id == programme.id)
    ):
        if change.decided_on:
            change.recorded_at = dt.datetime.combine(change.decided_on, dt.time(9), dt.UTC)
        session.add(change)
    session.execute(
        sa.update(Action)
        .where(col(Action.id).in_(ids))
        .values(due_on=FIRST_DEADLINE, created_at=IMPORTED_AT, updated_at=IMPORTED_AT)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        sa.update(ActionEvent)
        .where(col(ActionEvent.action_id).in_(ids), col(ActionEvent.kind) == EventKind.created)
        .values(at=IMPORTED_AT, due_to=FIRST_DEADLINE, actor_id=coordinator.id)
        .execution_options(synchronize_session="fetch")
    )
    from ..models import Report

    for report in session.exec(select(Report).where(Report.programme_id == programme.id)):
        report.imported_at = IMPORTED_AT
        report.imported_by_id = coordinator.id
        session.add(report)
    session.flush()

    def step(
        number: int, actor: User, when: str, hour: int = 3, meeting: Any = None, **fields: Any
    ) -> None:
        action = session.get(Action, ids[number - 1], populate_existing=True)
        assert action is not None
        update_action(
            session, action.id, actor, action.version, ActionChange(**fields),  # type: ignore[arg-type]
            meeting=meeting, at=_at(when, hour),
        )  # fmt: skip

    owners = [
        "coordinator@cmaa.example",
        "liaison@mfaic.example",
        "budget@mef.example",
        "qa@cmaa.example",
        "im@cmaa.example",
    ]
    assign = "Owners assigned after the import (demo)."
    for number, key in enumerate(owners, start=1):
        step(number, coordinator, "2023-10-18", owner=Owner(user_id=users[key].id), reason=assign)
    pin = "Date agreed with the owner (demo)."
    step(1, coordinator, "2023-10-18", 4, due_on=dt.date(2024, 12, 31), reason=pin)
    step(3, coordinator, "2023-10-18", 4, due_on=dt.date(2024, 3, 31), reason=pin)
    step(4, coordinator, "2023-10-18", 4, due_on=dt.date(2024, 6, 30), reason=pin)

    def meet(day: str, quarter: str, attendees: str, notes: str) -> Any:
        """A working group meeting of the story, recorded by the coordinator at 09:00 UTC."""
        meeting = meeting_service.record_meeting(
            session, programme, held_on=dt.date.fromisoformat(day),
            title=f"Mine action technical working group, {quarter} (demo)",
            attendees=attendees, notes=f"{DEMO_NOTE} {notes}", actor=coordinator,
        )  # fmt: skip
        meeting.created_at = _at(day, 9)
        return meeting

    meet("2023-12-12", "Q4 2023",
         "CMAA planning and coordination\nCMAA quality assurance\nMEF budget department\n"
         "Donor representative",
         "First review after the import; owners confirmed.")  # fmt: skip
    step(3, users["budget@mef.example"], "2024-01-09", status="in_progress",
           comment="Budget line drafted for 2024.")  # fmt: skip
    step(4, users["qa@cmaa.example"], "2024-01-22", status="in_progress",
           comment="QA expansion plan drafted: two new monitoring teams.")  # fmt: skip
    step(5, users["im@cmaa.example"], "2024-02-05", status="in_progress",
           comment="Reconciliation with operator data started (RCAF, NPMEC).")  # fmt: skip
    march = meet("2024-03-14", "Q1 2024",
                 "CMAA planning and coordination\nCMAA quality assurance\nCMAA information "
                 "management\nMFAIC border affairs\nMEF budget department\nDonor representative",
                 "QA recruitment is slower than planned; the group agrees to move action 4 to "
                 "30 September 2024.")  # fmt: skip
    step(4, coordinator, "2024-03-14", 8, meeting=march, due_on=dt.date(2024, 9, 30),
           reason="Agreed by the working group: QA recruitment takes longer.")  # fmt: skip
    step(3, users["budget@mef.example"], "2024-04-23", status="implemented",
           comment="Mine action budget line adopted in the 2024 budget law.",
           evidence_url="https://example.org/demo/cambodia-budget-law-2024")  # fmt: skip
    step(3, users["qa@cmaa.example"], "2024-05-07", verdict="verify",
           comment="QA checked the budget law: the mine action line is there (demo).")  # fmt: skip
    step(1, coordinator, "2024-06-03", status="in_progress",
           comment="Drafting a clearance policy for the Thai border areas.")  # fmt: skip
    step(4, users["qa@cmaa.example"], "2024-07-15", comment="First new QA team deployed (demo).")
    step(4, users["qa@cmaa.example"], "2024-09-24", status="implemented",
           comment="Two QA teams now monitor RCAF, NPMEC and NGO operators.")  # fmt: skip
    # QA's own action: a coordinator verifies it, as QA does not verify what it reports.
    step(4, coordinator, "2024-10-08", verdict="verify",
           comment="Both teams' first monitoring reports seen (demo).")  # fmt: skip
    step(1, coordinator, "2024-11-19", status="blocked",
           comment="Awaiting the joint boundary commission.")  # fmt: skip
    step(5, users["im@cmaa.example"], "2025-02-11",
           comment="Discrepancies with operator data down to 4% of records (demo).")  # fmt: skip
    step(2, users["liaison@mfaic.example"], "2025-05-06", status="in_progress",
           comment="Border areas listed for discussion with Thailand.")  # fmt: skip
    meet("2025-09-18", "Q3 2025",
         "CMAA planning and coordination\nCMAA information management\n"
         "MFAIC border affairs\nDonor representative",
         "Extension request before the Twenty-Second Meeting of the States Parties; action 1 "
         "still blocked.")  # fmt: skip

    # Dec 2025: the extension to 31 Dec 2030 moves the actions that follow the deadline.
    extension = session.exec(
        select(DeadlineChange).where(
            col(DeadlineChange.programme_id) == programme.id,
            DeadlineChange.new_on == dt.date(2030, 12, 31),
        )
    ).first()
    following = session.exec(
        select(Action).where(col(Action.id).in_(ids), col(Action.follows_deadline).is_(True))
    ).all()
    moved: list[int] = []
    for action in following:
        if action.status.is_closed or extension is None:
            continue
        assert action.id is not None
        record_event(
            session,
            action.id,
            EventKind.due_date_changed,
            at=EXTENSION_DECIDED,
            due_from=action.due_on,
            due_to=extension.new_on,
            follows_deadline_to=True,
            comment=f"Treaty deadline extension ({extension.decided_by})",
            deadline_change_id=extension.id,
        )
        action.due_on = extension.new_on
        action.version += 1
        action.updated_at = EXTENSION_DECIDED
        session.add(action)
        moved.append(action.id)
    session.flush()
    reschedule_reminders(session, moved)
    return True
