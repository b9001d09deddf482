"""The audit trail and an action's history name stored codes in the reader's language:
roles, scopes, deadline kinds, yes and no, dates; what people typed stays as typed, and
the CSV keeps the stored codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlmodel import Session

from tests.factories import make_action, make_programme
from tracker.models import Status
from tracker.services import workflow
from tracker.services.audit import AuditActor, record_audit
from tracker.services.workflow.change import ActionChange


def _audited(session: Session, actor: Any) -> None:
    """A role change, a token made with both scopes' words and an expiry, a granted
    deadline request with its dates, and a rename to a name with markup in it."""
    who = AuditActor(actor.id, "203.0.113.7")
    record_audit(
        session, who, "user.role_changed", subject_type="user", subject_id=actor.id,
        subject_label="nia@example.org", old={"role": "owner"}, new={"role": "coordinator"},
    )  # fmt: skip
    record_audit(
        session, who, "token.created", subject_type="api_token", subject_id=1,
        new={"name": "nightly sync", "scope": "write", "active": True,
             "expires_at": "2026-03-01T00:00:00+00:00"},
    )  # fmt: skip
    record_audit(
        session, who, "deadline.decided", subject_type="programme", subject_id=1,
        old={"deadline": "2025-12-31", "decided_on": None},
        new={"kind": "extension", "new_on": "2030-12-31", "refused": False,
             "decided_by": "22MSP"},
    )  # fmt: skip
    record_audit(
        session, who, "organisation.changed", subject_type="organisation", subject_id=1,
        old={"name": "on_track"}, new={"name": "<b>CMAA</b> & co"},
    )  # fmt: skip
    session.commit()


def _table(html: str) -> str:
    return html.split('<table class="audit', 1)[1].split("</table>", 1)[0]


def test_a_khmer_admin_reads_the_audit_trail_in_khmer(
    session: Session, make_user: Any, client_for: Any
) -> None:
    """Old and new values on the audit page: the role, scope and deadline kind by their
    Khmer labels, yes and no in Khmer, dates with Khmer month names, the fields named in
    Khmer; no stored code is left in the cells."""
    admin = make_user(role="admin", language="km")
    _audited(session, admin)
    table = _table(client_for(admin).get("/admin/audit").get_data(as_text=True))
    assert "តួនាទី: អ្នកទទួលបន្ទុក" in table  # Role: owner
    assert "តួនាទី: អ្នកសម្របសម្រួល" in table  # Role: coordinator
    assert "វិសាលភាព: អាន និងសរសេរ" in table  # Scope: read and write
    assert "សកម្ម: មែន" in table  # Active: yes
    assert "បានបដិសេធ: ទេ" in table  # Refused: no
    assert "31 ធ្នូ 2030" in table and "31 ធ្នូ 2025" in table  # dates, Khmer months
    assert "ផុតកំណត់: 1 មីនា 2026" in table  # Expires
    for code in ("coordinator", "owner", "write", "True", "False", "extension", "2030-12-31",
                 "new_on", "expires_at", "api_token"):  # fmt: skip
        assert code not in table, code


def test_an_english_admin_reads_labels_not_codes(
    session: Session, make_user: Any, client_for: Any
) -> None:
    """In English too the cells read as words: "read and write" for the write scope,
    yes and no, "31 Dec 2030"; names typed by people stay exactly as typed, escaped,
    even one that looks like a code."""
    admin = make_user(role="admin")
    _audited(session, admin)
    page = client_for(admin).get("/admin/audit").get_data(as_text=True)
    table = _table(page)
    assert "Role: owner" in table and "Role: coordinator" in table
    assert "Scope: read and write" in table and "Active: yes" in table
    assert "Refused: no" in table and "Kind: extension" in table
    assert "New deadline: 31 Dec 2030" in table and "Decided: —" in table
    assert "Expires: 1 Mar 2026 00:00" in table
    assert "Name: &lt;b&gt;CMAA&lt;/b&gt; &amp; co" in table and "Name: on_track" in table
    assert "Decided by: 22MSP" in table
    assert "<code>" not in table and "2030-12-31" not in table and "True" not in table
    assert '<option value="api_token" >API token</option>' in page


def test_the_audit_csv_keeps_the_stored_codes(
    session: Session, make_user: Any, client_for: Any
) -> None:
    """The export is for machines: a Khmer admin's CSV has the JSON as stored."""
    admin = make_user(role="admin", language="km")
    _audited(session, admin)
    exported = client_for(admin).get("/admin/audit.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    role = next(row for row in rows if row["kind"] == "user.role_changed")
    assert (role["old"], role["new"]) == ('{"role": "owner"}', '{"role": "coordinator"}')
    token = next(row for row in rows if row["kind"] == "token.created")
    assert '"scope": "write"' in token["new"] and '"active": true' in token["new"]
    assert token["subject_type"] == "api_token"


def test_a_khmer_reader_sees_a_status_change_in_khmer_in_the_history(
    session: Session, make_user: Any, client_for: Any
) -> None:
    """An action's history names the old and new status in the reader's language."""
    admin = make_user(role="admin", language="km")
    programme = make_programme(session, deadline=dt.date(2030, 12, 31))
    action = make_action(session, programme)
    session.commit()
    workflow.update_action(
        session, action.id, admin, action.version, ActionChange(status=Status.in_progress)
    )
    session.commit()
    page = client_for(admin).get(f"/actions/{action.id}").get_data(as_text=True)
    history = page.split('id="history"')[1]
    assert "មិនទាន់ចាប់ផ្តើម</span> → <span" in history  # Not started →
    assert ">កំពុងអនុវត្ត</span>" in history  # In progress
    assert "Not started" not in history and "In progress" not in history
