"""Organisations: the national authority, operators and partners that own actions."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from ..models import Organisation, User
from .account_checks import UserError, has_control_characters
from .audit import AuditActor, changed_fields, record_audit


def list_organisations(session: Session) -> list[tuple[Organisation, int]]:
    """Every organisation with its number of active members, by name."""
    members = (
        select(User.organisation_id, sa.func.count().label("n"))
        .where(User.active == sa.true())
        .group_by(col(User.organisation_id))
        .subquery()
    )
    rows = session.exec(
        select(Organisation, sa.func.coalesce(members.c.n, 0))
        .join(members, members.c.organisation_id == Organisation.id, isouter=True)
        .order_by(sa.func.lower(Organisation.name))
    ).all()
    return [(organisation, int(count)) for organisation, count in rows]


def _check(
    session: Session, name: str, short_name: str, current: Organisation | None
) -> tuple[str, str]:
    name, short_name = name.strip(), short_name.strip()
    for value, field in ((name, "name"), (short_name, "short_name")):
        if has_control_characters(value):
            raise UserError(_("the name must be one line, without control characters"), field)
    if not name:
        raise UserError(_("enter the organisation's name"), "name")
    if len(name) > 200:
        raise UserError(_("the name must have at most 200 characters"), "name")
    if not short_name:
        raise UserError(_("enter a short name, such as CMAA"), "short_name")
    if len(short_name) > 40 or " " in short_name:
        raise UserError(_("the short name must be one word of at most 40 characters"), "short_name")
    for column, value, field in (
        (Organisation.name, name, "name"),
        (Organisation.short_name, short_name, "short_name"),
    ):
        clash = session.exec(
            select(Organisation).where(sa.func.lower(column) == value.lower())
        ).first()
        if clash is not None and clash is not current:
            raise UserError(_("%(value)s is already taken", value=value), field)
    return name, short_name


def create_organisation(
    session: Session, *, name: str, short_name: str, audit: AuditActor | None = None
) -> Organisation:
    """A new organisation; names and short names are unique whatever their case."""
    name, short_name = _check(session, name, short_name, None)
    organisation = Organisation(name=name, short_name=short_name)
    session.add(organisation)
    session.flush()
    record_audit(
        session, audit, "organisation.created", subject_type="organisation",
        subject_id=organisation.id, subject_label=organisation.short_name,
        new={"name": name, "short_name": short_name},
    )  # fmt: skip
    return organisation


def update_organisation(
    session: Session,
    organisation: Organisation,
    *,
    name: str,
    short_name: str,
    audit: AuditActor | None = None,
) -> Organisation:
    """Rename an organisation; its members and actions stay with it."""
    name, short_name = _check(session, name, short_name, organisation)
    old, new = changed_fields(
        {"name": organisation.name, "short_name": organisation.short_name},
        {"name": name, "short_name": short_name},
    )
    if new:
        record_audit(
            session, audit, "organisation.changed", subject_type="organisation",
            subject_id=organisation.id, subject_label=short_name, old=old, new=new,
        )  # fmt: skip
    organisation.name = name
    organisation.short_name = short_name
    session.add(organisation)
    session.flush()
    return organisation


def active_members(session: Session, organisation: Organisation) -> list[User]:
    """The organisation's active members by name: who may be its focal point."""
    return list(
        session.exec(
            select(User)
            .where(User.organisation_id == organisation.id, col(User.active).is_(True))
            .order_by(sa.func.lower(User.name), col(User.id))
        )
    )


def set_focal_point(
    session: Session,
    organisation: Organisation,
    user_id: int | None,
    *,
    audit: AuditActor | None = None,
) -> Organisation:
    """Name the member who gets the reminders of the organisation's actions (None: every
    active member, as before). Only an active member of the organisation can be named."""
    if user_id is not None and user_id not in {u.id for u in active_members(session, organisation)}:
        raise UserError(_("choose an active member of this organisation"), "focal_point")
    if user_id == organisation.focal_point_user_id:
        return organisation
    record_audit(
        session, audit, "organisation.changed", subject_type="organisation",
        subject_id=organisation.id, subject_label=organisation.short_name,
        old={"focal_point_user_id": organisation.focal_point_user_id},
        new={"focal_point_user_id": user_id},
    )  # fmt: skip
    organisation.focal_point_user_id = user_id
    session.add(organisation)
    session.flush()
    return organisation
