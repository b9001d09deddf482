"""The Cambodia demo: real treaty facts, invented workflow data labelled as demo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources

from sqlmodel import Session, select

from ..importer import parse_profile
from ..models import DeadlineKind, Organisation, Treaty
from . import imports as import_service
from . import programmes as programme_service

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
    return DemoResult(created=not result.already_imported, warnings=result.warnings)
