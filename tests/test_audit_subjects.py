"""The audit page names each entry's subject the way people know it, in the reader's
language: an account by its person's name, a programme, organisation, API token or
action by theirs, and what in a programme changed in the reader's words, for entries
written before this change too. A page's names cost the same few queries however many
entries it shows; the CSV keeps the stored type, id and label."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.factories import make_action, make_organisation, make_programme
from tracker.db import get_engine
from tracker.models import AuditEntry, DeadlineKind, Role
from tracker.services import memberships, organisations, tokens, verifiers
from tracker.services import programmes as programme_service
from tracker.services.audit import AuditActor, record_audit


def _audited(session: Session, admin: Any, make_user: Any) -> dict[str, int]:
    """One entry of each subject type written by the services as they write them now,
    and entries as the application wrote them before: a deadline decision labelled
    "deadline record 12", verification labelled "<programme>: verification", and a
    membership labelled under the programme's earlier name."""
    who = AuditActor(admin.id, "203.0.113.7")
    nia = make_user(role="owner", name="Nia <New>", email="nia@example.org")
    organisation = organisations.create_organisation(
        session, name="Cambodian Mine Action Authority", short_name="CMAA", audit=who
    )
    programme = make_programme(session, country="Cambodia")
    action = make_action(session, programme, title="Publish the national workplan")
    tokens.create_token(session, admin, "nightly sync", "read", 30, audit=who)
    memberships.add_member(session, nia, programme, Role.coordinator, audit=who)
    memberships.set_participation(session, organisation, programme, False, audit=who)
    verifiers.set_requires_verification(session, programme, False, audit=who)
    request = programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=dt.date(2030, 12, 31),
        requested_on=dt.date(2025, 3, 31), audit=who,
    ).change  # fmt: skip
    programme_service.record_deadline_decision(
        session, request, decided_on=dt.date(2025, 12, 5), decided_by="22MSP", audit=who
    )
    old = {"subject_type": "programme", "subject_id": programme.id}
    record_audit(
        session, who, "deadline.decided", **old, subject_label="deadline record 12",
        new={"record_id": 12, "kind": "extension"},
    )  # fmt: skip
    record_audit(
        session, who, "programme.verification_changed", **old,
        subject_label="Cambodia APMBC: verification", new={"requires_verification": True},
    )  # fmt: skip
    record_audit(
        session, who, "programme.membership_changed", **old,
        subject_label="Kampuchea APMBC: nia@example.org", new={"role": "owner"},
    )  # fmt: skip
    record_audit(
        session, who, "comment.made_public", subject_type="action", subject_id=action.id,
        new={"public": True},
    )  # fmt: skip
    record_audit(session, who, "user.role_changed", subject_type="user", subject_id=999_999)
    session.commit()
    assert action.id is not None and programme.id is not None
    return {"action": action.id, "programme": programme.id}


def _subjects(html: str) -> list[str]:
    """The Subject cell of each row: the name, then the subject type after a " | "."""
    table = html.split('<table class="audit', 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r'<td data-label="[^"]+">(.*?)<br><small class="muted">(.*?)</small></td>', table
    )
    return [f"{name} | {kind}" for name, kind in cells]


EXPECTED = {
    "en": {
        "account": "Nia &lt;New&gt; (nia@example.org) | account",
        "organisation": "CMAA (Cambodian Mine Action Authority) | organisation",
        "token": "nightly sync of Ada Admin | API token",
        "member": "Cambodia APMBC: Nia &lt;New&gt; (nia@example.org) | programme",
        "taking part": "Cambodia APMBC: CMAA | programme",
        "verification": "Cambodia APMBC: verification | programme",
        "deadline": "Cambodia APMBC: treaty deadline | programme",
        "action": "Action {action}: Publish the national workplan | action",
        "gone": "account no. 999999 | account",
    },
    "km": {
        "account": "Nia &lt;New&gt; (nia@example.org) | គណនី",
        "organisation": "CMAA (Cambodian Mine Action Authority) | ស្ថាប័ន",
        "token": "nightly sync របស់ Ada Admin | ថូខឹន API",
        "member": "Cambodia APMBC: Nia &lt;New&gt; (nia@example.org) | កម្មវិធី",
        "taking part": "Cambodia APMBC: CMAA | កម្មវិធី",
        "verification": "Cambodia APMBC: ការផ្ទៀងផ្ទាត់ | កម្មវិធី",
        "deadline": "Cambodia APMBC: កាលកំណត់នៃសន្ធិសញ្ញា | កម្មវិធី",
        "action": "សកម្មភាព {action}: Publish the national workplan | សកម្មភាព",
        "gone": "គណនី លេខ 999999 | គណនី",
    },
}


@pytest.mark.parametrize("language", ["en", "km"])
def test_each_subject_is_named_as_people_know_it_in_the_readers_language(
    session: Session, make_user: Any, client_for: Any, language: str
) -> None:
    """An account by its person's name and address, an organisation by its names, a
    token with its owner, a programme with the person or organisation or (in the
    reader's words) the verification or treaty deadline that changed, an action by its
    number and title, an account no longer found by its number; names as typed,
    escaped. Entries written before name the same way: no "deadline record 12", no
    English word a Khmer reader would meet."""
    admin = make_user(role="admin", name="Ada Admin", language=language)
    ids = _audited(session, admin, make_user)
    subjects = _subjects(client_for(admin).get("/admin/audit").get_data(as_text=True))
    expected = EXPECTED[language]
    for what, cell in expected.items():
        assert cell.format(**ids) in subjects, what
    # The original deadline, the request, its decision and the old "deadline record
    # 12"; the verification switch and the old entry labelled "...: verification"; Nia
    # joining when the programme opened, her role change and the old entry labelled
    # under the programme's earlier name.
    assert subjects.count(expected["deadline"]) == 4
    assert subjects.count(expected["verification"]) == 2
    assert subjects.count(expected["member"]) == 3
    page = "\n".join(subjects)
    assert "deadline record" not in page and "Kampuchea" not in page and "<New>" not in page
    if language == "km":
        for english in ("verification", "treaty deadline", "account", "programme", " of "):
            assert english not in page, english


def test_new_entries_store_names_and_the_csv_keeps_what_was_stored(
    session: Session, make_user: Any, client_for: Any
) -> None:
    """A deadline decision and the verification switch are labelled by the programme's
    name, no English made up by the application; the CSV keeps every entry's stored
    type, id and label (the old "deadline record 12" too) and its columns."""
    admin = make_user(role="admin", name="Ada Admin", language="km")
    ids = _audited(session, admin, make_user)

    def labels(kind: str) -> set[str]:
        found = session.exec(select(AuditEntry.subject_label).where(AuditEntry.kind == kind))
        return set(found)

    # The service's entries, and those written as before (by _audited) for comparison.
    assert labels("deadline.decided") == {"Cambodia APMBC", "deadline record 12"}
    assert labels("programme.verification_changed") == {
        "Cambodia APMBC", "Cambodia APMBC: verification"
    }  # fmt: skip
    exported = client_for(admin).get("/admin/audit.csv").get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
    rows = list(reader)
    assert reader.fieldnames == ["at_utc", "kind", "actor", "actor_email", "address",
                                 "subject_type", "subject_id", "subject", "old", "new"]  # fmt: skip
    old = {
        (row["kind"], row["subject"]) for row in rows if row["subject_id"] == str(ids["programme"])
    }
    assert ("deadline.decided", "deadline record 12") in old
    assert ("deadline.decided", "Cambodia APMBC") in old
    action = next(row for row in rows if row["subject_type"] == "action")
    assert (action["subject_id"], action["subject"]) == (str(ids["action"]), "")


@contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL statements sent to the app's database inside the block."""
    sent: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _one_of_each(session: Session, admin: Any, make_user: Any, number: int) -> None:
    """Entries about a new account, organisation, programme (with a person), token and
    action, each a subject of its own."""
    who = AuditActor(admin.id, None)
    person = make_user(name=f"Person {number}")
    organisation = make_organisation(session, short_name=f"ORG{number}")
    programme = make_programme(session, deadline=None, open_to_everyone=False)
    action = make_action(session, programme, title=f"Action title {number}")
    token = tokens.create_token(session, person, f"token {number}", "read", 30).token
    for subject_type, subject_id in (("organisation", organisation.id), ("api_token", token.id),
                                     ("action", action.id), ("user", person.id)):  # fmt: skip
        record_audit(session, who, "user.role_changed", subject_type=subject_type,
                     subject_id=subject_id)  # fmt: skip
    memberships.add_member(session, person, programme, Role.owner, audit=who)
    session.commit()


def test_a_pages_names_cost_the_same_queries_however_many_entries_it_shows(
    session: Session, make_user: Any, client_for: Any
) -> None:
    """Every subject on the page is named, read with one query per subject type: a page
    of five times as many entries, about five times as many subjects, sends as many
    statements to the database."""
    admin = make_user(role="admin", name="Ada Admin")
    _one_of_each(session, admin, make_user, 0)
    browser = client_for(admin)
    browser.get("/admin/audit")
    with _statements() as few:
        shown = len(_subjects(browser.get("/admin/audit").get_data(as_text=True)))
    for number in range(1, 5):
        _one_of_each(session, admin, make_user, number)
    with _statements() as many:
        html = browser.get("/admin/audit").get_data(as_text=True)
    assert len(_subjects(html)) >= 5 * shown
    subjects = "\n".join(_subjects(html))
    for number in range(5):
        for name in (f"Person {number} (", f"ORG{number} (", f"token {number} of Person {number}",
                     f": Action title {number} |", f"APMBC: Person {number} ("):  # fmt: skip
            assert name in subjects, name
    assert len(many) == len(few), "\n".join(many)
