"""import-profile on a later edition: the lineage key, the review gate, overrides."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner
from sqlmodel import Session, func, select

from tracker.models import Action, ActionText, Report

PROFILES = Path(__file__).parent / "profiles"
CAMBODIA_2023 = PROFILES / "cambodia-2023-apmbc.txt"
CAMBODIA_2024 = PROFILES / "cambodia-2024-apmbc-made-up.txt"


def _count(session: Session, model: type) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model)).one()


def _import(runner: FlaskCliRunner, *args: str):
    return runner.invoke(args=["import-profile", *args])


def test_dry_run_proposes_against_the_stored_edition_and_writes_nothing(
    runner: FlaskCliRunner, dump_database
) -> None:
    """--dry-run --json: the lineage of the 2024 edition against 2023, database unchanged."""
    assert _import(runner, str(CAMBODIA_2023)).exit_code == 0
    before = dump_database()
    result = _import(runner, str(CAMBODIA_2024), "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    lineage = json.loads(result.stdout)["lineage"]
    assert lineage["previous"] == {
        "report_id": 1, "edition": "Clearing the Mines 2023", "year": 2023
    }  # fmt: skip
    got = [(m["position"], m["previous_position"], m["kind"], m["action_id"])
           for m in lineage["matches"]]  # fmt: skip
    assert got == [
        (1, 1, "same", 1), (2, 2, "same", 2), (3, 4, "reworded", 4), (4, 5, "reworded", 5),
        (5, 5, "split", 5), (6, None, "new", None),
    ]  # fmt: skip
    assert lineage["matches"][0]["score"] == 1.0
    assert all(m["previous_report_id"] in (1, None) for m in lineage["matches"])
    assert lineage["dropped"] == [
        {"previous_position": 3, "action_id": 3, "kind": "dropped", "merged_into": None}
    ]
    assert dump_database() == before


def test_rewordings_and_splits_need_review_and_store_nothing(
    runner: FlaskCliRunner, dump_database
) -> None:
    """Without --accept-proposals or --lineage: exit 2, one line counting the proposals."""
    _import(runner, str(CAMBODIA_2023))
    before = dump_database()
    result = _import(runner, str(CAMBODIA_2024))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: 3 proposals need review: rerun with --accept-proposals or --lineage FILE"
    ]
    assert dump_database() == before


def test_accept_proposals_stores_them_and_lists_what_it_left(
    runner: FlaskCliRunner, session: Session
) -> None:
    """--accept-proposals: new actions only for the new and split parts; the dropped one listed."""
    _import(runner, str(CAMBODIA_2023))
    result = _import(runner, str(CAMBODIA_2024), "--accept-proposals", "--json")
    assert result.exit_code == 0, result.stderr
    assert "action 3 kept open: the new edition drops its recommendation 3" in result.stderr
    assert "stored 1 report, 2 actions, 4 carried on" in result.stderr
    assert _count(session, Action) == 7 and _count(session, ActionText) == 4
    matches = json.loads(result.stdout)["lineage"]["matches"]
    # After storing, the ids are the stored ones: the split and the new one have actions.
    assert [m["action_id"] for m in matches] == [1, 2, 4, 5, 5, 7]
    new = session.get(Action, 7)
    assert new is not None and "seven border provinces" in new.title


def test_lineage_file_overrides_and_takes_the_rest_as_proposed(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """--lineage FILE: the split made new, the rewordings accepted as proposed."""
    _import(runner, str(CAMBODIA_2023))
    overrides = tmp_path / "lineage.json"
    overrides.write_text(json.dumps([{"position": 5, "previous_position": None}]))
    result = _import(runner, str(CAMBODIA_2024), "--lineage", str(overrides), "--json")
    assert result.exit_code == 0, result.stderr
    kinds = [m["kind"] for m in json.loads(result.stdout)["lineage"]["matches"]]
    assert kinds == ["same", "same", "reworded", "reworded", "new", "new"]
    assert _count(session, Action) == 7


def test_bad_overrides_exit_2_and_store_nothing(
    runner: FlaskCliRunner, tmp_path: Path, dump_database
) -> None:
    """A position that does not exist, or two continuing one without split: one line, exit 2."""
    _import(runner, str(CAMBODIA_2023))
    before = dump_database()
    cases = {
        "no-such-position": [{"position": 9, "previous_position": 1}],
        "no-such-earlier": [{"position": 6, "previous_position": 8}],
        "two-without-split": [
            {"position": 4, "previous_position": 5},
            {"position": 5, "previous_position": 5},
        ],
        "not-a-list": {"position": 1},
        "malformed": [{"position": "one", "previous_position": 1}],
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(content))
        result = _import(runner, str(CAMBODIA_2024), "--lineage", str(path))
        assert result.exit_code == 2, name
        assert len(result.stderr.strip().splitlines()) == 1, (name, result.stderr)
        assert dump_database() == before, name
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    result = _import(runner, str(CAMBODIA_2024), "--lineage", str(broken))
    assert result.exit_code == 2 and "not JSON" in result.stderr
    assert dump_database() == before


def test_a_second_import_of_the_same_edition_stores_nothing(
    runner: FlaskCliRunner, session: Session
) -> None:
    """The same text again is recognised before the review gate: nothing stored, exit 0."""
    _import(runner, str(CAMBODIA_2023))
    _import(runner, str(CAMBODIA_2024), "--accept-proposals")
    again = _import(runner, str(CAMBODIA_2024))
    assert again.exit_code == 0 and "already imported: nothing stored" in again.stderr
    assert _count(session, Report) == 2 and _count(session, Action) == 7


def _norland(tmp_path: Path, year: int, last: str) -> Path:
    from tests.test_import_command import NORLAND_2024

    text = NORLAND_2024.format(year=year).replace(
        "  • Norland should fund survey of the northern border.", f"  • {last}"
    )
    path = tmp_path / f"norland-{year}.txt"
    path.write_text(text)
    return path


def test_a_cut_off_last_recommendation_is_stored_as_new_with_a_warning(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """The CLI never makes a truncated text an action's newest one: new, and it says so."""
    full = "Norland should fund survey of the northern border by the end of 2025."
    _import(runner, str(_norland(tmp_path, 2023, full)))
    cut = _norland(tmp_path, 2024, "Norland should fund survey of the northern border by the")
    result = _import(runner, str(cut), "--accept-proposals")
    assert result.exit_code == 0, result.stderr
    assert "recommendation 2 seems cut off mid-sentence: stored as new" in result.stderr
    assert _count(session, Action) == 3
    assert _count(session, ActionText) == 1  # only the first, repeated word for word
