"""What the forms offer: the list filter's options and the owners an action can have."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import Action, Membership, Organisation, Participation, Programme, Report, User
from .. import policy


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
