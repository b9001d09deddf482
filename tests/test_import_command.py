"""flask import-profile: parse, store once, refuse what is not a profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlmodel import Session, func, select

from tracker.models import Action, ActionEvent, DeadlineChange, EventKind, Programme, Report

DATA = Path(__file__).parent.parent / "tracker" / "data"
CAMBODIA = DATA / "cambodia-2023-apmbc.txt"

NORLAND_2024 = """Norland

Anti-Personnel Mines

  • Article 5 deadline

    1 March 2027

  • Performance

    Average

Performance Criterion Score
Understanding of anti-personnel mine contamination (20% of overall score) 6
National ownership and programme management (10% of overall score) 7
Gender (10% of overall score) 5
Information management and reporting (10% of overall score) 6
Planning and tasking (10% of overall score) 6
Land release system (20% of overall score) 6
Land release outputs and Article 5 compliance (20% of overall score) 7
Performance score 6.3

Key Developments

Norland cleared more land than ever.

Recommendations for Action

  • The national authority should publish its revised workplan.
  • Norland should fund survey of the northern border.

Download the full "Clearing the Mines {year}" report for Norland
"""


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_dry_run_json_prints_one_object_and_stores_nothing(
    runner: FlaskCliRunner, session: Session
) -> None:
    """--dry-run --json: exactly one JSON object on stdout with the documented keys."""
    result = runner.invoke(args=["import-profile", str(CAMBODIA), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "country", "treaty", "article", "deadline", "edition", "year", "rating", "score",
        "computed_score", "band", "criteria", "recommendations", "warnings", "lineage",
    }  # fmt: skip
    # A programme's first edition: nothing to continue, every recommendation new.
    assert payload["lineage"]["previous"] is None and payload["lineage"]["dropped"] == []
    assert [m["kind"] for m in payload["lineage"]["matches"]] == ["new"] * 5
    assert payload["country"] == "Cambodia"
    assert payload["deadline"] == "2025-12-31"
    assert payload["score"] == 7.4 and payload["computed_score"] == 7.4
    assert len(payload["recommendations"]) == 5
    assert "nothing stored" in result.stderr
    assert _count(session, Report) == 0


def test_import_stores_programme_report_and_actions(
    runner: FlaskCliRunner, session: Session
) -> None:
    """A first import creates the programme with its deadline and one action per recommendation."""
    result = runner.invoke(args=["import-profile", str(CAMBODIA), "--json"])
    assert result.exit_code == 0, result.stderr
    assert "stored 1 report, 5 actions" in result.stderr
    programme = session.exec(select(Programme)).one()
    assert (programme.country, programme.treaty.value, programme.article) == (
        "Cambodia",
        "APMBC",
        "5",
    )
    assert programme.timezone == "Asia/Phnom_Penh"
    history = session.exec(select(DeadlineChange)).all()
    assert [(h.kind.value, str(h.new_on)) for h in history] == [("original", "2025-12-31")]
    actions = session.exec(select(Action).order_by(Action.id)).all()
    assert len(actions) == 5
    assert {a.status.value for a in actions} == {"not_started"}
    assert all(a.follows_deadline and str(a.due_on) == "2025-12-31" for a in actions)
    assert all(a.owner_user_id is None and a.owner_organisation_id is None for a in actions)
    created = session.exec(select(ActionEvent).where(ActionEvent.kind == EventKind.created)).all()
    assert len(created) == 5
    assert all(e.status_to == "not_started" and str(e.due_to) == "2025-12-31" for e in created)


def test_importing_the_same_text_twice_stores_once(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """The same text, even with Windows line ends, is recognised and stored once."""
    assert runner.invoke(args=["import-profile", str(CAMBODIA)]).exit_code == 0
    crlf = tmp_path / "cambodia-crlf.txt"
    crlf.write_bytes(CAMBODIA.read_bytes().replace(b"\n", b"\r\n"))
    again = runner.invoke(args=["import-profile", str(crlf)])
    assert again.exit_code == 0
    assert "already imported: nothing stored" in again.stderr
    assert _count(session, Report) == 1
    assert _count(session, Action) == 5


def test_new_edition_carries_the_old_actions_on(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """A later edition repeating every recommendation adds a report and links, not actions."""
    first, second = tmp_path / "n2023.txt", tmp_path / "n2024.txt"
    first.write_text(NORLAND_2024.format(year=2023))
    second.write_text(NORLAND_2024.format(year=2024))
    assert runner.invoke(args=["import-profile", str(first)]).exit_code == 0
    before = [(a.id, a.version, a.status, a.due_on) for a in session.exec(select(Action))]
    session.rollback()
    result = runner.invoke(args=["import-profile", str(second)])
    assert result.exit_code == 0, result.stderr
    assert "stored 1 report, 0 actions, 2 carried on" in result.stderr
    session.rollback()
    assert _count(session, Report) == 2
    assert _count(session, Programme) == 1
    after = session.exec(select(Action).order_by(Action.id)).all()
    # Same actions, same state; a new version, so a form opened before the import is stale.
    assert [(a.id, a.version - 1, a.status, a.due_on) for a in after] == before
    repeated = session.exec(select(ActionEvent).where(ActionEvent.kind == EventKind.repeated))
    assert sorted(e.action_id for e in repeated) == [1, 2]


def test_page_deadline_differing_from_current_is_a_warning(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """An older edition's deadline does not move the programme's current one."""
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(NORLAND_2024.format(year=2024))
    second.write_text(NORLAND_2024.format(year=2023).replace("1 March 2027", "1 March 2021"))
    runner.invoke(args=["import-profile", str(first)])
    result = runner.invoke(args=["import-profile", str(second), "--json"])
    assert result.exit_code == 0
    warnings = json.loads(result.stdout)["warnings"]
    assert any("current deadline is 01 March 2027 and is kept" in w for w in warnings)
    assert len(session.exec(select(DeadlineChange)).all()) == 1


def test_unknown_treaty_is_refused_unless_named(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """A page that does not say its treaty is not stored without --treaty."""
    page = tmp_path / "unknown.txt"
    page.write_text(
        "Norland\n\nKey Developments\n\nProse.\n\nRecommendations for Action\n\n"
        "  • Norland should survey.\n"
    )
    refused = runner.invoke(args=["import-profile", str(page)])
    assert refused.exit_code == 2
    assert "--treaty" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert _count(session, Report) == 0
    session.rollback()
    named = runner.invoke(args=["import-profile", str(page), "--treaty", "CCM"])
    assert named.exit_code == 0, named.stderr
    assert session.exec(select(Programme)).one().article == "4"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\xff\xfe binary", "binary"),
        (b"<!DOCTYPE html><html><body><p>Norland</p></body></html>", "HTML"),
        (b"Norland\n\nKey Developments\n\nProse only.\n", "Recommendations for Action"),
    ],
)
def test_bad_files_exit_2_with_one_line_and_change_nothing(
    runner: FlaskCliRunner, tmp_path: Path, dump_database, content: bytes, expected: str
) -> None:
    """What is not a profile is refused with one clear line; the database is unchanged."""
    runner.invoke(args=["import-profile", str(CAMBODIA)])
    before = dump_database()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = runner.invoke(args=["import-profile", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected.lower() in lines[0].lower()
    assert dump_database() == before


def test_unreadable_file_exits_2(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """A path that cannot be read gives one line and status 2."""
    result = runner.invoke(args=["import-profile", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
