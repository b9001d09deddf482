"""What the forms offer: the list filter's options and the owners an action can have.

Plain rows (named tuples), never ORM objects: the filter form's options are cached
between requests (``views/fragments.py``), and a programme's owner choice is a few
dozen (id, name) rows however many accounts the tracker has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import (
    Action,
    Membership,
    Organisation,
    Participation,
    Programme,
    Report,
    Role,
    User,
)
from .. import policy
from .filters import ActionFilter


class OwnerOption(NamedTuple):
    """One person the owner filter suggests: only what the option shows."""

    id: int
    name: str
    email: str


class OrganisationOption(NamedTuple):
    id: int
    short_name: str
    name: str


class ProgrammeOption(NamedTuple):
    id: int
    country: str
    treaty: str
    timezone: str


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: people (of the chosen programme only), organisations,
    editions, programmes."""

    owners: list[OwnerOption]
    organisations: list[OrganisationOption]
    editions: list[str]
    programmes: list[ProgrammeOption]


def _people_of(reader: policy.Who, programme_id: int | None) -> sa.ColumnElement[bool]:
    """SQL on ``user``: a member of the programme (of one the reader may read, without
    one), or the owner of an action there (someone who left still owns what they owned)."""

    def scoped(column: object) -> list[sa.ColumnElement[bool]]:
        where = [policy.readable(reader, column)]
        if programme_id is not None:
            where.append(col(column) == programme_id)
        return where

    member = sa.exists().where(col(Membership.user_id) == User.id, *scoped(Membership.programme_id))
    owns = sa.exists().where(col(Action.owner_user_id) == User.id, *scoped(Action.programme_id))
    return sa.or_(member, owns)


def filter_choices(
    session: Session, reader: policy.Who, programme_id: int | None = None
) -> FilterChoices:
    """The filter form's options, from the programmes ``reader`` may read only.

    People are suggested for the chosen programme only (a ``datalist`` beside the owner
    field, which takes any name or e-mail): across every programme they are thousands.
    """
    editions = session.exec(
        select(Report.edition)
        .where(col(Report.edition).is_not(None), policy.readable(reader, Report.programme_id))
        .distinct()
    ).all()
    owners: list[OwnerOption] = []
    if programme_id is not None:
        owners = [
            OwnerOption(*row)
            for row in session.execute(
                sa.select(col(User.id), col(User.name), col(User.email))
                .where(_people_of(reader, programme_id))
                .order_by(col(User.name), col(User.id))
            )
        ]
    taking_part = [
        col(Participation.organisation_id) == Organisation.id,
        policy.readable(reader, Participation.programme_id),
    ]
    if programme_id is not None:
        taking_part.append(col(Participation.programme_id) == programme_id)
    organisations = session.execute(
        sa.select(col(Organisation.id), col(Organisation.short_name), col(Organisation.name))
        .where(sa.exists().where(*taking_part))
        .order_by(col(Organisation.short_name))
    )
    programmes = session.execute(
        sa.select(
            col(Programme.id), col(Programme.country), col(Programme.treaty),
            col(Programme.timezone),
        )
        .where(policy.readable(reader, Programme.id))
        .order_by(col(Programme.country), col(Programme.id))
    )  # fmt: skip
    return FilterChoices(
        owners=owners,
        organisations=[OrganisationOption(*row) for row in organisations],
        editions=sorted(e for e in editions if e),
        programmes=[
            ProgrammeOption(pid, country, treaty.value, timezone)
            for pid, country, treaty, timezone in programmes
        ],
    )


def resolve_owner(session: Session, flt: ActionFilter) -> ActionFilter:
    """``flt`` with its typed owner (a name or an e-mail, ``owner_text``) found among the
    people of the reader's programmes (of the chosen programme, when there is one).

    An e-mail names one person; a name may be shared. A name that finds nobody or
    several people sets ``owner_unresolved``, and the filter then matches nothing: a
    list, an export or a bulk change never quietly widens to every owner.
    """
    text = flt.owner_text.strip()
    if not text:
        return flt
    people = _people_of(flt.reader, flt.programme_id)
    lowered = text.lower()
    found: Sequence[int] = []
    for column in (User.email, User.name):  # an e-mail first: it names one person
        lowered_column = sa.func.lower(col(column))
        query = sa.select(col(User.id)).where(people, lowered_column == lowered).limit(2)
        found = session.execute(query).scalars().all()
        if found:
            break
    if len(found) == 1:
        return replace(flt, owner_user_id=found[0], owner_unresolved="")
    return replace(flt, owner_user_id=None, owner_unresolved="several" if found else "nobody")


class PersonChoice(NamedTuple):
    """A person who can be named owner: id, name, e-mail and their role in the programme."""

    id: int
    name: str
    email: str
    role: Role


@dataclass
class OwnerChoices:
    users: list[PersonChoice]
    organisations: list[OrganisationOption]


def owner_choices(session: Session, programme_id: int) -> OwnerChoices:
    """Who a coordinator can name as owner in a programme: its active members who can act
    there (coordinators and owners), and the organisations that take part in it; as
    (id, name) rows."""
    users = session.execute(
        sa.select(col(User.id), col(User.name), col(User.email), col(Membership.role))
        .join(Membership, col(Membership.user_id) == User.id)
        .where(
            col(Membership.programme_id) == programme_id,
            col(Membership.role).in_(sorted(policy.ACTING_ROLES)),
            col(User.active).is_(True),
        )
        .order_by(col(User.name), col(User.id))
    )
    organisations = session.execute(
        sa.select(col(Organisation.id), col(Organisation.short_name), col(Organisation.name))
        .join(Participation, col(Participation.organisation_id) == Organisation.id)
        .where(col(Participation.programme_id) == programme_id)
        .order_by(col(Organisation.short_name))
    )
    return OwnerChoices(
        [PersonChoice(uid, name, email, Role(role)) for uid, name, email, role in users],
        [OrganisationOption(*row) for row in organisations],
    )
