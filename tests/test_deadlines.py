"""Treaty deadline history: records, never overwrites, and moves following actions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from tests.factories import make_action, make_programme
from tracker.models import ActionEvent, DeadlineKind, EventKind, Status
from tracker.services import programmes as programme_service

D = dt.date


def test_current_deadline_is_latest_decided_record(session: Session) -> None:
    """The decided record with the latest decision date wins; a pending request moves nothing."""
    programme = make_programme(session, deadline=D(2010, 1, 1))
    programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=D(2020, 1, 1),
        decided_on=D(2009, 12, 4),
    )  # fmt: skip
    programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=D(2025, 12, 31),
        requested_on=D(2019, 3, 31),
    )  # fmt: skip
    assert programme_service.current_deadline(session, programme.id) == D(2020, 1, 1)
    history = programme_service.deadline_history(session, programme.id)
    assert [h.new_on for h in history] == [D(2010, 1, 1), D(2020, 1, 1), D(2025, 12, 31)]
    assert history[-1].decided_on is None


def test_decision_moves_following_open_actions_only(session: Session) -> None:
    """A granted extension re-dates open following actions with an event; pinned, closed stay."""
    programme = make_programme(session, deadline=D(2025, 12, 31))
    following = make_action(session, programme)
    pinned = make_action(session, programme, follows_deadline=False, due_on=D(2024, 12, 31))
    closed = make_action(session, programme, status=Status.implemented)
    request = programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=D(2030, 12, 31),
        requested_on=D(2025, 3, 31),
    ).change  # fmt: skip
    assert following.due_on == D(2025, 12, 31)
    recorded = programme_service.record_deadline_decision(
        session, request, decided_on=D(2025, 12, 5), decided_by="22MSP, Geneva"
    )
    session.commit()
    assert recorded.moved_actions == 1
    for action in (following, pinned, closed):
        session.refresh(action)
    assert following.due_on == D(2030, 12, 31) and following.version == 2
    assert pinned.due_on == D(2024, 12, 31)
    assert closed.due_on == D(2025, 12, 31)
    events = session.exec(
        select(ActionEvent).where(ActionEvent.kind == EventKind.due_date_changed)
    ).all()
    assert [(e.action_id, e.due_from, e.due_to) for e in events] == [
        (following.id, D(2025, 12, 31), D(2030, 12, 31))
    ]
    assert events[0].deadline_change_id == request.id
    assert request.previous_on == D(2025, 12, 31)


def test_refused_request_moves_nothing(session: Session) -> None:
    """A refused request stays in the history and leaves the deadline where it was."""
    programme = make_programme(session, deadline=D(2025, 12, 31))
    action = make_action(session, programme)
    request = programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=D(2030, 12, 31),
    ).change  # fmt: skip
    programme_service.record_deadline_decision(
        session, request, decided_on=D(2025, 12, 5), decided_by="22MSP", refused=True
    )
    assert programme_service.current_deadline(session, programme.id) == D(2025, 12, 31)
    assert action.due_on == D(2025, 12, 31)


def test_a_decision_is_taken_once(session: Session) -> None:
    """Deciding an already decided request is refused: dates are never rewritten."""
    programme = make_programme(session)
    change = programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.extension, new_on=D(2030, 12, 31),
        decided_on=D(2025, 12, 5),
    ).change  # fmt: skip
    with pytest.raises(programme_service.DeadlineError):
        programme_service.record_deadline_decision(
            session, change, decided_on=D(2026, 1, 1), decided_by="later"
        )


def test_correction_takes_effect_when_decided(session: Session) -> None:
    """A correction recorded with its date becomes the current deadline."""
    programme = make_programme(session, deadline=D(2025, 12, 31))
    programme_service.record_deadline_change(
        session, programme, kind=DeadlineKind.correction, new_on=D(2025, 12, 1),
        decided_on=D(2024, 1, 10), note="typo in the decision text",
    )  # fmt: skip
    assert programme_service.current_deadline(session, programme.id) == D(2025, 12, 1)


def test_second_original_is_refused(session: Session) -> None:
    """A programme has one original deadline."""
    programme = make_programme(session)
    with pytest.raises(programme_service.DeadlineError):
        programme_service.record_deadline_change(
            session, programme, kind=DeadlineKind.original, new_on=D(2030, 1, 1)
        )
