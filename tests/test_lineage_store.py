"""Storing a later edition: actions carried on, split, dropped; back-fill; detach; staleness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from tracker.formatting import local_today
from tracker.importer import parse_profile
from tracker.models import (
    Action,
    ActionEvent,
    ActionText,
    EventKind,
    LineageKind,
    Meeting,
    Programme,
    RecommendationLink,
    Report,
    Role,
    Status,
    Treaty,
)
from tracker.seed import demo as demo_service
from tracker.services import editions, lineage_store
from tracker.services import imports as import_service
from tracker.services import lineage as lineage_service
from tracker.services import snapshot as snapshot_service

PROFILES = Path(__file__).parent / "profiles"
CAMBODIA_2024 = PROFILES / "cambodia-2024-apmbc-made-up.txt"


def _demo(session: Session) -> Programme:
    demo_service.load_demo(session)
    demo_service.load_demo_story(session)
    session.commit()
    return session.exec(select(Programme)).one()


def _import_2024(session: Session, **kwargs: object) -> import_service.ImportResult:
    parsed = parse_profile(CAMBODIA_2024.read_text("utf-8"))
    result = import_service.store_profile(session, parsed, **kwargs)  # type: ignore[arg-type]
    session.commit()
    return result


def test_a_later_edition_carries_the_actions_on(session: Session) -> None:
    """Repeats and rewordings link to the earlier actions; only the new and split parts add one."""
    programme = _demo(session)
    state = lambda a: (a.status, a.owner_user_id, a.due_on, a.title)  # noqa: E731
    before = {a.id: state(a) for a in session.exec(select(Action))}
    result = _import_2024(session)
    assert result.actions_created == 2 and result.actions_carried == 4
    actions = session.exec(select(Action).order_by(col(Action.id))).all()
    assert len(actions) == 7
    for action in actions[:5]:
        # Owner, status, due date and title carry on: nothing about the work changes.
        assert state(action) == before[action.id]
    kinds = {
        t.action_id: t.kind for t in session.exec(select(ActionText).order_by(col(ActionText.id)))
    }
    assert kinds == {1: LineageKind.same, 2: LineageKind.same, 4: LineageKind.reworded,
                     5: LineageKind.reworded}  # fmt: skip
    split = session.exec(
        select(RecommendationLink).where(RecommendationLink.kind == LineageKind.split)
    ).one()
    split_action = session.exec(
        select(Action).where(Action.recommendation_id == split.recommendation_id)
    ).one()
    journal = session.exec(select(ActionEvent).where(ActionEvent.kind == EventKind.split_off)).all()
    assert {(e.action_id, e.related_action_id) for e in journal} == {
        (split_action.id, 5),
        (5, split_action.id),
    }
    dropped = session.exec(select(ActionEvent).where(ActionEvent.kind == EventKind.dropped)).one()
    assert dropped.action_id == 3 and "budget" in (dropped.text_from or "")
    reworded = session.exec(
        select(ActionEvent).where(
            ActionEvent.kind == EventKind.reworded, ActionEvent.action_id == 4
        )
    ).one()
    assert "expand its quality assurance" in (reworded.text_from or "")
    assert "further strengthen" in (reworded.text_to or "")
    # Action 3 (the funding ask) is implemented and stays so; progress does not halve.
    snapshot = snapshot_service.take_snapshot(session, programme, local_today(programme.timezone))
    assert snapshot.total == 7 and snapshot.by_status[Status.implemented] == 2
    assert snapshot.percent_implemented == pytest.approx(100 * 2 / 7)


def test_the_march_2024_snapshot_is_unchanged_by_the_import(session: Session) -> None:
    """A meeting held before the import sees the same actions, states and texts afterwards."""
    programme = _demo(session)
    march = session.exec(select(Meeting).where(Meeting.held_on == dt.date(2024, 3, 14))).one()
    before = snapshot_service.take_snapshot(session, programme, march.held_on)
    moment = snapshot_service.end_of_day(programme, march.held_on)
    texts_before = {
        a.id: editions.newest_text(session, a, moment).recommendation.id
        for a in session.exec(select(Action))
    }
    _import_2024(session)
    after = snapshot_service.take_snapshot(session, programme, march.held_on)
    assert after == before
    texts_after = {
        a.id: editions.newest_text(session, a, moment).recommendation.id
        for a in session.exec(select(Action))
        if a.id in texts_before
    }
    assert texts_after == texts_before
    # Today the newest text of action 4 is the 2024 wording.
    action = session.get(Action, 4)
    assert action is not None
    newest = editions.newest_text(session, action)
    assert newest.report.year == 2024 and "further strengthen" in newest.recommendation.text


def test_a_dropped_action_closed_and_a_repeated_closed_one_reopened(
    session: Session, make_user
) -> None:
    """The coordinator's choices: a closed dropped action stays closed, a repeated one reopens."""
    _demo(session)
    coordinator = make_user(role="coordinator")
    parsed = parse_profile(CAMBODIA_2024.read_text("utf-8"))
    plan = lineage_service.plan_lineage(session, parsed, Treaty.APMBC)
    assert [m.position for m in plan.proposal.matches if plan.repeats_closed_action(m)] == [3]
    drop = plan.proposal.dropped[0]
    # Action 3 is implemented already: closing it again changes nothing; reopen action 4.
    choices = lineage_store.LineageChoices(
        drops={drop.candidate.ref: lineage_store.DropChoice("not_applicable", "done")},
        reopen={3: "The 2024 report asks for more QA."},
    )
    _import_2024(session, lineage=plan, choices=choices, actor=coordinator)
    action4 = session.get(Action, 4)
    assert action4 is not None and action4.status == Status.in_progress
    reopen = session.exec(
        select(ActionEvent)
        .where(ActionEvent.action_id == 4, ActionEvent.kind == EventKind.status_changed)
        .order_by(col(ActionEvent.id).desc())
    ).first()
    assert reopen is not None and reopen.comment == "The 2024 report asks for more QA."
    action3 = session.get(Action, 3)
    assert action3 is not None and action3.status == Status.implemented


def test_an_open_dropped_action_is_closed_as_chosen(session: Session, make_user) -> None:
    """Closing a dropped open action goes through the workflow with the coordinator's comment."""
    _demo(session)
    coordinator = make_user(role="coordinator")
    parsed = parse_profile(CAMBODIA_2024.read_text("utf-8"))
    # Pretend the border agreement (action 2, in progress) is what the edition dropped.
    override = [lineage_service.matcher.Override(2, None)]
    plan = lineage_service.plan_lineage(session, parsed, Treaty.APMBC, override)
    dropped = {d.candidate.action_id: d for d in plan.proposal.dropped}
    assert set(dropped) == {2, 3}
    choices = lineage_store.LineageChoices(
        drops={dropped[2].candidate.ref: lineage_store.DropChoice("implemented", "Agreed.")}
    )
    _import_2024(session, lineage=plan, choices=choices, actor=coordinator)
    action2 = session.get(Action, 2)
    assert action2 is not None and action2.status == Status.implemented
    kinds = [
        e.kind
        for e in session.exec(
            select(ActionEvent).where(ActionEvent.action_id == 2).order_by(col(ActionEvent.id))
        )
    ][-2:]
    assert kinds == [EventKind.dropped, EventKind.status_changed]


def test_back_filling_an_older_edition_moves_no_current_text(session: Session) -> None:
    """An older edition imported later links in by year; each action's newest text stays."""
    parsed_2024 = parse_profile(CAMBODIA_2024.read_text("utf-8"))
    import_service.store_profile(session, parsed_2024)
    session.commit()
    actions_before = session.exec(select(func.count()).select_from(Action)).one()
    demo_service.load_demo(session)  # the 2023 edition, imported second
    session.commit()
    # Only the 2023 ask no 2024 one continues (the funding one) makes an action.
    assert session.exec(select(func.count()).select_from(Action)).one() == actions_before + 1
    for action in session.exec(select(Action)):
        newest = editions.newest_text(session, action)
        assert newest.report.year == (2023 if "budget" in newest.recommendation.text else 2024)
    first = session.get(Action, 1)
    assert first is not None
    years = [t.report.year for t in editions.action_texts(session, first)]
    assert years == [2023, 2024]


def test_detach_gives_the_recommendation_an_action_of_its_own(session: Session, make_user) -> None:
    """A wrong link detached: a new action for the text, both journals say so, nothing lost."""
    _demo(session)
    coordinator = make_user(role="coordinator")
    _import_2024(session)
    action5 = session.get(Action, 5)
    assert action5 is not None
    linked = editions.action_texts(session, action5)[-1]
    version = action5.version
    new = lineage_store.detach_recommendation(
        session, 5, linked.recommendation.id or 0, coordinator
    )
    session.commit()
    assert new.recommendation_id == linked.recommendation.id
    session.refresh(action5)
    assert action5.version == version + 1
    assert editions.newest_text(session, action5).report.year == 2023
    events = session.exec(select(ActionEvent).where(ActionEvent.kind == EventKind.detached)).all()
    assert {(e.action_id, e.related_action_id) for e in events} == {(5, new.id), (new.id, 5)}
    with pytest.raises(lineage_store.DetachRefused):
        lineage_store.detach_recommendation(session, 5, linked.recommendation.id or 0, coordinator)


def test_the_fingerprint_changes_when_a_named_action_or_the_editions_change(
    session: Session, make_user
) -> None:
    """A preview goes stale when an action it names is saved or another import lands."""
    _demo(session)
    parsed = parse_profile(CAMBODIA_2024.read_text("utf-8"))
    first = lineage_service.plan_lineage(session, parsed, Treaty.APMBC).fingerprint
    assert lineage_service.plan_lineage(session, parsed, Treaty.APMBC).fingerprint == first
    coordinator = make_user(role=Role.coordinator.value)
    from tracker.services.workflow import ActionChange, update_action

    action = session.get(Action, 2)
    assert action is not None
    update_action(session, 2, coordinator, action.version, ActionChange(comment="news"))
    session.commit()
    assert lineage_service.plan_lineage(session, parsed, Treaty.APMBC).fingerprint != first


def test_every_existing_report_is_an_edition_without_links(session: Session) -> None:
    """Reports stored before lineage are editions; nothing links them until an import does."""
    _demo(session)
    assert [r.year for r in editions.list_editions(session, 1)] == [2023]
    assert session.exec(select(func.count()).select_from(RecommendationLink)).one() == 0
    assert session.exec(select(func.count()).select_from(Report)).one() == 1


def test_the_demo_next_edition_tells_the_tour_story(session: Session, make_user) -> None:
    """The README tour's 2024 demo edition: 1, 2, 4, 5 carry on, 4 is flagged and reopened,
    3 stays implemented, one new action; progress does not halve."""
    programme = _demo(session)
    text = Path(demo_service.__file__).parent.parent / "data" / "cambodia-2024-apmbc-demo.txt"
    parsed = parse_profile(text.read_text("utf-8"))
    assert "DEMO DATA" in (parsed.key_developments or "")
    plan = lineage_service.plan_lineage(session, parsed, Treaty.APMBC)
    carried = [m.candidate.action_id for m in plan.proposal.matches if m.candidate]
    assert carried == [1, 2, 4, 5]
    assert [m.position for m in plan.proposal.matches if plan.repeats_closed_action(m)] == [3]
    coordinator = make_user(role="coordinator")
    choices = lineage_store.LineageChoices(reopen={3: "RCAF and NPMEC accreditation (demo)."})
    result = import_service.store_profile(
        session, parsed, lineage=plan, choices=choices, actor=coordinator
    )
    session.commit()
    assert result.actions_created == 1 and result.actions_carried == 4
    statuses = {a.id: a.status for a in session.exec(select(Action))}
    assert statuses[3] == Status.implemented and statuses[4] == Status.in_progress
    snapshot = snapshot_service.take_snapshot(session, programme, local_today(programme.timezone))
    assert snapshot.total == 6 and snapshot.by_status[Status.implemented] == 1
