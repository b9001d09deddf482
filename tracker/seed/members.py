"""Who belongs to the generated programmes, as in a real deployment (issue 11's spaces).

Per programme: its coordinators (the head office's coordinator, who coordinates every
programme, the regional coordinator of its group, and a national coordinator in its
authority), its owners as owners, two viewers (a donor's and a partner's reader), and
the organisations working there (the authority and two operators) taking part.

The national coordinators and viewers are drawn from their own ``random.Random``, and
their rows go in after everything else the generator writes for people, so the
actions, owners and histories of a seed are the same rows with or without them.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from ..models import Membership, Participation, Role, User
from .plan import ProgrammeSpec, SyntheticPlan, SyntheticResult
from .words import FIRST_NAMES, LAST_NAMES

VIEWERS_PER_PROGRAMME = 2


def _table(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


def write_memberships(
    connection: sa.Connection,
    specs: list[ProgrammeSpec],
    plan: SyntheticPlan,
    result: SyntheticResult,
) -> None:
    """Coordinators, owners and viewers of every programme; its organisations taking part."""
    rng = random.Random(f"synthetic-members:{plan.seed}")
    since = dt.datetime.combine(plan.today - dt.timedelta(days=365 * 8), dt.time(), tzinfo=dt.UTC)
    people: list[dict[str, Any]] = []
    for spec in specs:
        domain = f"{''.join(c for c in spec.country.lower() if c.isalnum())}"
        domain += f"-{spec.treaty.value.lower()}.example.org"
        kinds = [("coordinator", Role.coordinator, spec.authority_id)] + [
            (f"viewer{n}", Role.viewer, None) for n in range(1, VIEWERS_PER_PROGRAMME + 1)
        ]
        for label, role, organisation in kinds:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            people.append(
                {
                    "email": f"{first}.{last}.{label}@{domain}".lower(),
                    "name": f"{first} {last}",
                    "role": role,
                    "organisation_id": organisation,
                    "active": True,
                    "password_hash": None,
                    "must_change_password": False,
                    "session_version": 1,
                    "is_demo": True,
                    "created_at": since,
                }
            )
    users = _table(User)
    ids = iter(
        row[0]
        for row in connection.execute(
            sa.insert(users).returning(users.c.id, sort_by_parameter_order=True), people
        )
    )
    result.users += len(people)

    head_office = specs[0].coordinator_id
    members: list[dict[str, Any]] = []
    taking_part: list[dict[str, Any]] = []
    for spec in specs:
        roles: dict[int, Role] = {head_office: Role.coordinator}
        roles[spec.coordinator_id] = Role.coordinator
        roles[next(ids)] = Role.coordinator
        for _ in range(VIEWERS_PER_PROGRAMME):
            roles[next(ids)] = Role.viewer
        for owner, _organisation in spec.owners:
            roles.setdefault(owner, Role.owner)
        members += [
            {"user_id": user_id, "programme_id": spec.id, "role": role, "created_at": since,
             "changed_at": since}
            for user_id, role in roles.items()
        ]  # fmt: skip
        taking_part += [
            {"programme_id": spec.id, "organisation_id": organisation, "created_at": since}
            for organisation in dict.fromkeys(spec.bodies)
        ]
    connection.execute(sa.insert(_table(Membership)), members)
    connection.execute(sa.insert(_table(Participation)), taking_part)
    result.memberships += len(members)
