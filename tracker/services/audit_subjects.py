"""What each audit entry is about, by the names people know it by, for the audit page.

An entry stores its subject as a type and an id (``programme`` 3) and a label written
when it changed. Labels were written in English where the application made them up
("deadline record 12", "Cambodia APMBC: verification"), so the page does not read the
label for what it can find from the type, the id and the kind of change: the account's,
programme's, organisation's, token's or action's name as it is now, and what in the
programme changed as a code (``aspect``) that ``labels.audit_subject_name`` words in the
reader's language. The label is read only for what it alone holds (the person or
organisation a programme's membership change was about, written as
"<programme>: <e-mail or short name>") and as the last resort for a subject that is gone.

The names of one page's entries are read with one query per subject type, however many
entries the page has. Stored entries, their JSON and the CSV keep codes and ids.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Action, ApiToken, AuditEntry, Organisation, Programme, User

# A programme's entries about one of its people or organisations: the label ends with it.
_ABOUT_A_PERSON = frozenset({"programme.membership_changed", "programme.verifier_changed"})
_ABOUT_AN_ORGANISATION = frozenset({"programme.organisation_changed"})
# What else in a programme a kind of change is about (worded by labels.AUDIT_ASPECTS).
_ASPECTS = {
    "programme.verification_changed": "verification",
    "deadline.recorded": "deadline",
    "deadline.decided": "deadline",
}


@dataclass(frozen=True)
class AuditSubject:
    """An entry's subject for the page.

    ``name`` is the subject's name as people typed it ("" when it is no longer found),
    ``detail`` what the page shows beside it, as typed too (an account's e-mail
    address, an organisation's full name, a token's owner), ``part`` who in a
    programme a change was about (a person or an organisation) and ``aspect`` the code
    of what else in it ("deadline", "verification").
    """

    subject_type: str
    subject_id: int | None
    name: str = ""
    detail: str = ""
    part: str = ""
    aspect: str = ""


def _tail(label: str, prefix: str) -> str:
    """What a label "<programme>: <who>" says after the programme's name (the name may
    have changed since, so the last ": " separates them then)."""
    if prefix and label.startswith(f"{prefix}: "):
        return label[len(prefix) + 2 :]
    return label.rpartition(": ")[2]


def _ids(entries: Iterable[AuditEntry], subject_type: str) -> set[int]:
    return {
        e.subject_id for e in entries if e.subject_type == subject_type and e.subject_id is not None
    }


def name_subjects(session: Session, entries: Sequence[AuditEntry]) -> list[AuditSubject]:
    """Each entry's subject, in order, with at most one query per subject type."""
    programmes: dict[int, str] = {}
    if wanted := _ids(entries, "programme"):
        programmes = {
            programme.id: programme.short_name
            for programme in session.exec(select(Programme).where(col(Programme.id).in_(wanted)))
            if programme.id is not None
        }
    emails = {
        _tail(e.subject_label, programmes.get(e.subject_id or 0, ""))
        for e in entries
        if e.subject_type == "programme" and e.kind in _ABOUT_A_PERSON
    }
    users: dict[int, tuple[str, str]] = {}
    names_by_email: dict[str, str] = {}
    if (user_ids := _ids(entries, "user")) or emails:
        for row in session.execute(
            sa.select(col(User.id), col(User.name), col(User.email)).where(
                sa.or_(col(User.id).in_(user_ids), col(User.email).in_(emails))
            )
        ):
            users[row.id] = (row.name, row.email)
            names_by_email[row.email] = row.name
    organisations: dict[int, tuple[str, str]] = {}
    if wanted := _ids(entries, "organisation"):
        organisations = {
            row.id: (row.short_name, row.name)
            for row in session.execute(
                sa.select(
                    col(Organisation.id), col(Organisation.short_name), col(Organisation.name)
                ).where(col(Organisation.id).in_(wanted))
            )
        }
    tokens: dict[int, tuple[str, str]] = {}
    if wanted := _ids(entries, "api_token"):
        tokens = {
            row.id: (row.name, row.owner)
            for row in session.execute(
                sa.select(col(ApiToken.id), col(ApiToken.name), col(User.name).label("owner"))
                .join(User, col(User.id) == ApiToken.user_id)
                .where(col(ApiToken.id).in_(wanted))
            )
        }
    actions: dict[int, str] = {}
    if wanted := _ids(entries, "action"):
        actions = {
            row.id: row.title
            for row in session.execute(
                sa.select(col(Action.id), col(Action.title)).where(col(Action.id).in_(wanted))
            )
        }

    def subject(entry: AuditEntry) -> AuditSubject:
        key, label = entry.subject_id or 0, entry.subject_label
        named = functools.partial(AuditSubject, entry.subject_type, entry.subject_id)
        if entry.subject_type == "user":
            name, email = users.get(key, ("", ""))
            # The address it had then: the one the change was made under.
            return named(name=name, detail=label or email)
        if entry.subject_type == "organisation":
            short_name, full_name = organisations.get(key, (label, ""))
            return named(name=short_name, detail=full_name)
        if entry.subject_type == "api_token":
            token, owner = tokens.get(key, (label, ""))
            return named(name=token, detail=owner)
        if entry.subject_type == "action":
            return named(name=actions.get(key, ""))
        if entry.subject_type == "programme":
            programme = programmes.get(key, "")
            part = ""
            if entry.kind in _ABOUT_A_PERSON:
                email = _tail(label, programme)
                person = names_by_email.get(email)
                part = f"{person} ({email})" if person else email
            elif entry.kind in _ABOUT_AN_ORGANISATION:
                part = _tail(label, programme)
            return named(name=programme, part=part, aspect=_ASPECTS.get(entry.kind, ""))
        return named(name=label)  # a type this module does not know: its label

    return [subject(entry) for entry in entries]
