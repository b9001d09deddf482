"""The per-programme reminder preview reads the people of the programme it shows, not
every active account of the installation, and shows them exactly as before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import time_machine
from flask import Flask
from sqlmodel import Session

from tests import factories
from tracker.db import get_engine, new_session
from tracker.models import Programme, Role, User
from tracker.reminders import preview
from tracker.reminders.recipients import load_people
from tracker.services import memberships, organisations
from tracker.services import users as user_service

NOW = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
DUE = dt.date(2025, 11, 20)  # its 14-, 7- and 1-day reminders fall in the 30 days


@dataclass
class TwoProgrammes:
    shown: Programme
    other: Programme
    people: dict[str, User]


def _user(
    session: Session, key: str, role: Role, programmes: list[tuple[Programme, Role]], **fields: Any
) -> User:
    return user_service.create_user(
        session,
        email=f"{key}@example.org",
        name=key.title(),
        role=role,
        password=None,
        programmes=programmes,
        **fields,
    )


def _two_programmes(session: Session) -> TwoProgrammes:
    """Programme "shown" with each kind of recipient the rule knows (a personal owner, an
    organisation's members and its focal point, an admin owner, a viewer owner who falls
    back to the organisation, coordinators for the unassigned); programme "other" with
    its own coordinator and owner, and a member of "shown"'s organisation who acts in
    "other" only."""
    shown = factories.make_programme(session, open_to_everyone=False, country="Shownland")
    other = factories.make_programme(session, open_to_everyone=False, country="Otherland")
    body = factories.make_organisation(session, short_name="SHOWN")
    focal_body = factories.make_organisation(session, short_name="FOCAL")
    for organisation in (body, focal_body):
        memberships.add_organisation(session, organisation, shown)
    memberships.add_organisation(session, body, other)
    coordinator, owner = Role.coordinator, Role.owner
    people = {
        "coordinator": _user(session, "coordinator", coordinator, [(shown, coordinator)]),
        "owner": _user(session, "owner", owner, [(shown, owner)]),
        "member1": _user(session, "member1", owner, [(shown, owner)], organisation=body),
        "member2": _user(session, "member2", owner, [(shown, owner)], organisation=body),
        "focal": _user(session, "focal", owner, [(shown, owner)], organisation=focal_body),
        "unfocal": _user(session, "unfocal", owner, [(shown, owner)], organisation=focal_body),
        "viewer": _user(session, "viewer", Role.viewer, [(shown, Role.viewer)]),
        "admin": _user(session, "admin", Role.admin, []),
        "other_coordinator": _user(
            session, "other_coordinator", coordinator, [(other, coordinator)]
        ),
        "other_owner": _user(session, "other_owner", owner, [(other, owner)]),
        "elsewhere": _user(session, "elsewhere", owner, [(other, owner)], organisation=body),
    }
    organisations.set_focal_point(session, focal_body, people["focal"].id)
    gone = _user(session, "gone", owner, [(shown, owner)])
    user_service.deactivate_user(session, gone, actor=people["admin"])
    owned = {
        "owner": {"owner_user_id": people["owner"].id},
        "organisation": {"owner_organisation_id": body.id},
        "focal": {"owner_organisation_id": focal_body.id},
        "admin": {"owner_user_id": people["admin"].id},
        "viewer": {"owner_user_id": people["viewer"].id, "owner_organisation_id": body.id},
        "gone": {"owner_user_id": gone.id},
        "nobody": {},
    }
    for key, owner_fields in owned.items():
        factories.make_action(
            session,
            shown,
            text=f"Shown action of {key}.",
            due_on=DUE,
            follows_deadline=False,
            **owner_fields,
        )
    factories.make_action(
        session,
        other,
        text="Other action.",
        due_on=DUE,
        follows_deadline=False,
        owner_user_id=people["other_owner"].id,
    )
    session.commit()
    return TwoProgrammes(shown, other, people)


def _rows(page: preview.PreviewPage) -> list[tuple[Any, ...]]:
    return [
        (
            u.at,
            u.recipient.email,
            u.kind,
            u.action.id if u.action else None,
            u.offset_days,
            u.detail,
            u.paused,
        )
        for _day, group in page.groups
        for u in group
    ]


def test_the_preview_reads_only_the_people_of_its_programme(app: Flask, session: Session) -> None:
    """Previewing one programme loads none of another programme's accounts (its
    coordinator and owner, a member of a shared organisation acting only there), and
    loads every one of the programme's recipients."""
    story = _two_programmes(session)
    loaded: set[str] = set()
    with new_session(get_engine(app)) as fresh:

        @sa.event.listens_for(fresh, "loaded_as_persistent")
        def _loaded(_session: Session, instance: object) -> None:
            if isinstance(instance, User):
                loaded.add(instance.email)

        shown = fresh.get(Programme, story.shown.id)
        assert shown is not None
        page = preview.preview_page(fresh, shown, NOW, days=30)
    recipients = {row[1] for row in _rows(page)}
    assert recipients == {
        f"{key}@example.org"
        for key in ("coordinator", "owner", "member1", "member2", "focal", "admin")
    }
    assert recipients <= loaded
    for key in ("other_coordinator", "other_owner", "elsewhere", "gone"):
        assert f"{key}@example.org" not in loaded, key


def test_the_preview_shows_the_programme_as_reading_everyone_did(
    app: Flask, session: Session, client_for: Any, make_user: Any, monkeypatch: Any
) -> None:
    """Each programme's preview, the data and the page, is the same as when the preview
    read every active account: the same reminders, recipients, days and counts."""
    story = _two_programmes(session)
    admin = make_user(role="admin", email="reader@example.org")
    pages = {}
    with time_machine.travel(NOW, tick=False):  # a session begun later than NOW has ended
        client = client_for(admin)
        for programme in (story.shown, story.other):
            pages[programme.id] = client.get(
                f"/reminders/preview?programme={programme.id}"
            ).get_data(as_text=True)
    for programme in (story.shown, story.other):
        with new_session(get_engine(app)) as fresh:
            own = _rows(
                preview.preview_page(fresh, fresh.get(Programme, programme.id), NOW, days=30)
            )
        with monkeypatch.context() as patched, new_session(get_engine(app)) as fresh:
            patched.setattr(preview, "programme_people", lambda s, _pid: load_people(s))
            read_all = _rows(
                preview.preview_page(fresh, fresh.get(Programme, programme.id), NOW, days=30)
            )
        assert own == read_all and own
    with monkeypatch.context() as patched, time_machine.travel(NOW, tick=False):
        patched.setattr(preview, "programme_people", lambda s, _pid: load_people(s))
        for programme in (story.shown, story.other):
            page = client.get(f"/reminders/preview?programme={programme.id}")
            assert page.get_data(as_text=True) == pages[programme.id]
    assert "other_owner@example.org" in pages[story.other.id]
    assert "other_owner@example.org" not in pages[story.shown.id]
