"""The matcher against made-up edition pairs a careful reader linked by hand."""

from __future__ import annotations

import re

import pytest

from tests.lineage_corpus import evaluate, load_pairs
from tracker.lineage import propose

PAIRS = load_pairs()


def _totals(held_out: bool) -> tuple[int, int, int]:
    outcomes = [evaluate(p) for p in PAIRS if p.held_out == held_out]
    return (
        sum(o.right for o in outcomes),
        sum(o.total for o in outcomes),
        sum(o.wrong_same for o in outcomes),
    )


def test_the_corpus_has_tuning_and_held_out_pairs_of_several_countries_and_both_treaties():
    """The accuracy below means something: enough pairs, both treaties, a held-out part."""
    tuned = [p for p in PAIRS if not p.held_out]
    held = [p for p in PAIRS if p.held_out]
    assert len(tuned) >= 10 and len(held) >= 5
    assert {"apmbc", "ccm"} <= {p.slug.split("-")[-3] for p in PAIRS}
    assert len({p.slug.removeprefix("heldout-").split("-")[0] for p in PAIRS}) >= 6


@pytest.mark.parametrize("held_out", [False, True], ids=["tuned", "held-out"])
def test_at_least_nine_in_ten_links_are_right_and_no_same_is_wrong(held_out):
    """At least 90 % of proposed earlier positions agree with the reader; never a wrong `same`."""
    right, total, wrong_same = _totals(held_out)
    assert wrong_same == 0
    assert right / total >= 0.9, f"{right}/{total}"


_NOISE = [
    (re.compile(r"'"), "\u2019"),
    (re.compile(r" - "), " \u2013 "),
    (re.compile(r"ffi"), "ff"),
    (re.compile(r"fi"), "f"),
    (re.compile(r"fl"), ""),
    (re.compile(r" "), "  "),
]


def _copy_noise(text: str) -> str:
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    return text + " "


@pytest.mark.parametrize("pair", PAIRS, ids=[p.slug for p in PAIRS])
def test_an_edition_repeated_with_copy_noise_is_all_same_in_place(pair):
    """The previous edition pasted again with quotes, ligatures and spacing changed: all `same`."""
    previous = [c for c in pair.candidates if c.from_previous]
    repeated = [_copy_noise(c.text) for c in reversed(previous)]
    proposal = propose(repeated, pair.candidates)
    assert [(m.kind, m.candidate) for m in proposal.matches] == [
        ("same", c) for c in reversed(previous)
    ]
    assert proposal.dropped == []
