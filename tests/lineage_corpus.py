"""The made-up edition pairs in tests/lineage_pairs/*.json, read into the matcher's types.

Each file is one pair of editions of a made-up (or "-like") country page: the previous
edition's texts, any older open recommendations (a skipped year), the new edition's texts
each with the earlier position a careful reader links it to (null: new) and the kind, and
the earlier ones a reader sees merged into a new one. ``held_out`` pairs were written
before the matcher was tuned and never looked at while tuning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tracker.lineage import Candidate, Proposal, propose

PAIRS_DIR = Path(__file__).parent / "lineage_pairs"


@dataclass(frozen=True)
class Expected:
    continues: tuple[int, int] | None  # (report_id, position) or None for new
    kind: str


@dataclass(frozen=True)
class Pair:
    slug: str
    title: str
    held_out: bool
    new_texts: list[str]
    candidates: list[Candidate]
    expected: list[Expected]
    merged: dict[tuple[int, int], int]  # (report_id, position) -> new position


def load_pairs() -> list[Pair]:
    pairs = []
    for path in sorted(PAIRS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        previous = data["previous"]
        prev_id = previous["report_id"]
        candidates = [
            Candidate(
                ref=n, text=t, position=n, report_id=prev_id, action_id=None, from_previous=True
            )
            for n, t in enumerate(previous["texts"], start=1)
        ]
        candidates += [
            Candidate(
                ref=1000 * o["report_id"] + o["position"],
                text=o["text"],
                position=o["position"],
                report_id=o["report_id"],
                action_id=None,
                from_previous=False,
            )
            for o in data["older"]
        ]
        expected = [
            Expected(
                None
                if item["continues"] is None
                else (item.get("report_id", prev_id), item["continues"]),
                item["kind"],
            )
            for item in data["new"]
        ]
        merged = {(prev_id, m["position"]): m["merged_into"] for m in data["merged"]}
        pairs.append(
            Pair(
                path.stem,
                data["title"],
                data["held_out"],
                [item["text"] for item in data["new"]],
                candidates,
                expected,
                merged,
            )
        )
    return pairs


@dataclass(frozen=True)
class Outcome:
    right: int
    total: int
    wrong_same: int
    kinds_right: int
    drops_right: int
    drops_total: int


def evaluate(pair: Pair, proposal: Proposal | None = None) -> Outcome:
    """How many proposed links a careful reader agrees with, and how many wrong `same`."""
    proposal = proposal or propose(pair.new_texts, pair.candidates)
    right = wrong_same = kinds_right = 0
    for match, exp in zip(proposal.matches, pair.expected, strict=True):
        got = (match.candidate.report_id, match.candidate.position) if match.candidate else None
        right += got == exp.continues
        kinds_right += got == exp.continues and match.kind == exp.kind
        wrong_same += match.kind == "same" and (got != exp.continues or exp.kind != "same")
    drops_total = drops_right = 0
    for drop in proposal.dropped:
        key = (drop.candidate.report_id, drop.candidate.position)
        drops_total += 1
        drops_right += (drop.merged_into if drop.kind == "merged" else None) == pair.merged.get(key)
    return Outcome(right, len(pair.expected), wrong_same, kinds_right, drops_right, drops_total)
