"""Verified completion (issue 14): reporting, verifying and sending back, and who may."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from tests.factories import make_action, make_programme
from tracker.models import Action, ActionEvent, EventKind, Status, Verification
from tracker.services import verifiers
from tracker.services.workflow import ActionChange, Forbidden, InvalidChange, update_action

EVIDENCE = "https://example.org/budget-law-2024.pdf"


@pytest.fixture
def mef(make_organisation):
    return make_organisation(name="Ministry of Economy and Finance", short_name="MEF")


@pytest.fixture
def qa_org(make_organisation):
    return make_organisation(name="CMAA quality assurance", short_name="CMAA-QA")


@pytest.fixture
def owner(make_user, mef):
    return make_user(role="owner", organisation=mef, name="Budget owner")


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator", name="Coordinator")


@pytest.fixture
def qa(session: Session, make_user, qa_org, programme):
    """CMAA quality assurance: an owner here, named the programme's verifier."""
    user = make_user(role="owner", organisation=qa_org, name="QA")
    verifiers.set_verifier(session, user, programme, True)
    session.commit()
    return user


@pytest.fixture
def programme(session: Session, owner, coordinator):
    made = make_programme(session)
    session.commit()
    return made


@pytest.fixture
def action(session: Session, programme, mef) -> Action:
    made = make_action(session, programme, owner_organisation_id=mef.id)
    session.commit()
    return made


def _save(session: Session, action: Action, actor, change: ActionChange) -> Action:
    session.refresh(action)
    updated = update_action(session, action.id, actor, action.version, change)
    session.commit()
    return updated


def _kinds(session: Session, action: Action) -> list[tuple[EventKind, object, object]]:
    events = session.exec(
        select(ActionEvent)
        .where(ActionEvent.action_id == action.id, ActionEvent.kind != EventKind.created)
        .order_by(col(ActionEvent.id))
    )
    return [(e.kind, e.verification_from, e.verification_to) for e in events]


def _report(session: Session, action: Action, owner) -> Action:
    return _save(session, action, owner, ActionChange(status="implemented", evidence_url=EVIDENCE))


def test_new_programmes_require_verification(programme) -> None:
    """A programme created now requires verification; the upgrade leaves old ones off."""
    assert programme.requires_verification is True


def test_owner_report_awaits_verification(session, action, owner) -> None:
    """An owner's implemented makes the action await verification; the event says so."""
    updated = _report(session, action, owner)
    assert (updated.status, updated.verification) == (Status.implemented, Verification.awaiting)
    assert _kinds(session, action) == [
        (EventKind.status_changed, Verification.not_required, Verification.awaiting)
    ]


def test_without_the_setting_implemented_needs_no_verification(
    session, action, owner, programme
) -> None:
    """Where the programme does not require it, implemented is done as reported."""
    verifiers.set_requires_verification(session, programme, False)
    session.commit()
    updated = _report(session, action, owner)
    assert updated.verification == Verification.not_required


def test_reporting_implemented_needs_evidence_or_a_comment(session, action, owner) -> None:
    """Neither a link nor a comment: refused at the comment, nothing changes."""
    with pytest.raises(InvalidChange) as refused:
        update_action(session, action.id, owner, 1, ActionChange(status="implemented"))
    assert refused.value.field == "comment"
    session.rollback()
    updated = _save(
        session, action, owner, ActionChange(status="implemented", comment="No document.")
    )
    assert updated.verification == Verification.awaiting


def test_verifier_verifies_an_action_of_another_organisation(session, action, owner, qa) -> None:
    """QA, an owner who does not own the action, verifies it: verified, one event by QA."""
    _report(session, action, owner)
    updated = _save(session, action, qa, ActionChange(verdict="verify", comment="Law checked."))
    assert (updated.status, updated.verification) == (Status.implemented, Verification.verified)
    last = session.exec(
        select(ActionEvent)
        .where(ActionEvent.action_id == action.id)
        .order_by(col(ActionEvent.id).desc())
    ).first()
    assert last is not None
    assert (last.kind, last.actor_id, last.comment) == (EventKind.verified, qa.id, "Law checked.")


def test_verifier_does_not_verify_their_own_organisations_action(
    session, programme, qa, qa_org
) -> None:
    """What QA reports, another verifier or a coordinator verifies (403, nothing changes)."""
    own = make_action(session, programme, owner_organisation_id=qa_org.id)
    session.commit()
    _report(session, own, qa)
    with pytest.raises(Forbidden) as refused:
        update_action(session, own.id, qa, own.version, ActionChange(verdict="verify"))
    assert "another verifier" in refused.value.message


def test_owner_who_is_no_verifier_cannot_verify(session, action, owner) -> None:
    """The owner who reported it cannot verify it: 403."""
    _report(session, action, owner)
    with pytest.raises(Forbidden):
        update_action(session, action.id, owner, action.version, ActionChange(verdict="verify"))


def test_send_back_needs_a_comment_and_returns_to_in_progress(
    session, action, owner, coordinator
) -> None:
    """Sending back without a comment is refused; with one the action is in progress
    again, needing no verification, and the event carries both moves."""
    _report(session, action, owner)
    with pytest.raises(InvalidChange) as refused:
        update_action(
            session, action.id, coordinator, action.version, ActionChange(verdict="send_back")
        )
    assert refused.value.field == "comment"
    session.rollback()
    updated = _save(
        session, action, coordinator, ActionChange(verdict="send_back", comment="No link.")
    )
    assert (updated.status, updated.verification) == (Status.in_progress, Verification.not_required)
    assert _kinds(session, action)[-1] == (
        EventKind.sent_back,
        Verification.awaiting,
        Verification.not_required,
    )


def test_only_what_awaits_can_be_verified_or_sent_back(session, action, coordinator) -> None:
    """An action in progress has nothing to verify or send back: refused at the field."""
    for verdict in ("verify", "send_back"):
        with pytest.raises(InvalidChange) as refused:
            update_action(
                session, action.id, coordinator, 1, ActionChange(verdict=verdict, comment="x")
            )
        assert refused.value.field == "verification"
        session.rollback()


def test_coordinator_reports_and_verifies_in_one_step(session, action, coordinator) -> None:
    """A coordinator's own implemented can verify in the same save: two events, one version."""
    updated = _save(
        session,
        action,
        coordinator,
        ActionChange(status="implemented", evidence_url=EVIDENCE, verdict="verify"),
    )
    assert (updated.verification, updated.version) == (Verification.verified, 2)
    assert _kinds(session, action) == [
        (EventKind.status_changed, Verification.not_required, Verification.awaiting),
        (EventKind.verified, Verification.awaiting, Verification.verified),
    ]


def test_reopening_a_verified_action_needs_verifying_again(session, action, coordinator) -> None:
    """A coordinator reopens a verified action: in progress, no longer verified."""
    _save(
        session,
        action,
        coordinator,
        ActionChange(status="implemented", comment="Done.", verdict="verify"),
    )
    updated = _save(
        session, action, coordinator, ActionChange(status="in_progress", comment="Reopened.")
    )
    assert updated.verification == Verification.not_required


def test_viewer_named_verifier_is_refused(session, make_user, programme) -> None:
    """Only members who act there can be named verifiers."""
    viewer = make_user(role="viewer")
    with pytest.raises(verifiers.MembershipError):
        verifiers.set_verifier(session, viewer, programme, True)


def test_list_filters_what_awaits_verification(
    session, action, owner, coordinator, programme, client_for
) -> None:
    """verification=awaiting lists the reported action only; the filter form offers it."""
    other = make_action(session, programme, text="Still open.")
    session.commit()
    _report(session, action, owner)
    page = client_for(coordinator).get("/actions?verification=awaiting").get_data(as_text=True)
    assert f'/actions/{action.id}"' in page and f'/actions/{other.id}"' not in page
    assert '<option value="awaiting" selected>' in page
