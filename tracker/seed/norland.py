"""The second demo programme (issue 11): made-up "Norland", so the tour shows two spaces.

Everything here is invented and labelled as demo data: the country, its organisations
(short names ending in -DEMO), its two accounts (names starting "Demo:", no password)
and its profile. Norland has its own coordinator and organisations, and nobody of the
Cambodia demo belongs to it, so signing in as either coordinator shows one programme.
"""

from __future__ import annotations

from importlib import resources

from sqlmodel import Session, col, select

from ..importer import parse_profile
from ..models import Action, Organisation, Programme, Role, Treaty, User
from ..services import imports as import_service
from ..services import memberships
from ..services.workflow import ActionChange, Owner, update_action
from .demo import create_demo_user

NORLAND_PROFILE = "norland-demo-apmbc.txt"
NORLAND_ORGANISATIONS = [
    ("NMAC-DEMO", "Demo: Norland Mine Action Centre"),
    ("NDO-DEMO", "Demo: Norland Demining Operator"),
]
NORLAND_ACCOUNTS = [
    ("coordinator@norland.example", Role.coordinator, "NMAC-DEMO", "Demo: Norland coordinator"),
    ("ops@norland.example", Role.owner, "NDO-DEMO", "Demo: Norland operations"),
]


def load_norland(session: Session) -> bool:
    """Load the Norland demo once; False if it is there already."""
    exists = session.exec(
        select(Programme).where(Programme.country == "Norland", Programme.treaty == Treaty.APMBC)
    ).first()
    if exists is not None:
        return False
    text = resources.files("tracker").joinpath("data", NORLAND_PROFILE).read_text("utf-8")
    result = import_service.store_profile(session, parse_profile(text))
    programme = result.programme
    assert programme is not None and programme.id is not None
    programme.timezone = "UTC"
    session.add(programme)
    organisations: dict[str, Organisation] = {}
    for short_name, name in NORLAND_ORGANISATIONS:
        found = session.exec(select(Organisation).where(Organisation.short_name == short_name))
        organisation = found.first() or Organisation(short_name=short_name, name=name)
        session.add(organisation)
        session.flush()
        memberships.add_organisation(session, organisation, programme)
        organisations[short_name] = organisation
    users: dict[str, User] = {}
    for email, role, short_name, name in NORLAND_ACCOUNTS:
        user = create_demo_user(session, email, name, role, organisations[short_name], programme)
        users[email] = user
    session.flush()
    coordinator = users["coordinator@norland.example"]
    first = session.exec(
        select(Action).where(Action.programme_id == programme.id).order_by(col(Action.id))
    ).first()
    if first is not None and first.id is not None:
        update_action(
            session,
            first.id,
            coordinator,
            first.version,
            ActionChange(
                owner=Owner(organisation_id=organisations["NDO-DEMO"].id),
                reason="Demo data: the operator surveys the border districts.",
            ),
        )
    return True
