"""The pure matcher: which recommendation of a new edition continues which earlier one."""

from __future__ import annotations

import pytest

from tracker.lineage import (
    Candidate,
    LineageError,
    Override,
    apply_overrides,
    normalise,
    propose,
    similarity,
)

NORLAND_2022 = [
    "Norland should complete non-technical survey of the northern districts by the end of 2023.",
    "The NMAA should adopt national standards for technical survey and publish them.",
    "Norland should allocate national funding to mine action in its 2023 budget.",
    "The NMAA should improve its database so that operators' and official figures agree.",
]
NORLAND_2023 = [
    "The NMAA should complete non-technical survey of the northern districts, which slipped "
    "to 2024.",
    "The NMAA should publish the national standard on technical survey adopted in 2023 and train "
    "operators in its use.",
    "Norland should request an extension of its Article 5 deadline in good time if survey shows "
    "that clearance cannot finish by 2027.",
    "The NMAA should remove the persistent discrepancies between its database and operators' "
    "reports.",
    "The NMAA should report clearance results disaggregated by survey and clearance method.",
]


def candidates(texts: list[str], report_id: int = 1, from_previous: bool = True) -> list[Candidate]:
    return [
        Candidate(
            ref=100 * report_id + n,
            text=t,
            position=n,
            report_id=report_id,
            action_id=None,
            from_previous=from_previous,
        )
        for n, t in enumerate(texts, start=1)
    ]


def links(proposal) -> list[tuple[int, int | None, str]]:
    return [
        (m.position, m.candidate.position if m.candidate else None, m.kind)
        for m in proposal.matches
    ]


def test_normalise_ignores_spacing_quotes_dashes_and_lost_ligatures():
    """Texts that differ only in copy noise normalise alike, so they count as the same."""
    printed = "The CMAA should  confirm the ofce\u2019s \u201cplan\u201d \u2013 in full."
    copied = 'The CMAA should confirm the office\'s "plan" - in full. '
    assert normalise(printed) == normalise(copied)
    assert normalise("confrmed") == normalise("confirmed")
    assert normalise("offce") == normalise("office")


def test_normalise_keeps_words_and_numbers():
    """A changed word or year is a rewording, never the same text."""
    assert normalise("by the end of 2023.") != normalise("by the end of 2024.")
    assert normalise("The NMAA should") != normalise("The MAA should")


def test_similarity_is_one_for_the_same_text_and_low_for_another_subject():
    """Identical asks score 1; an ask about another subject scores low."""
    assert similarity(NORLAND_2022[0], NORLAND_2022[0] + " ") == 1.0
    assert similarity(NORLAND_2022[0], NORLAND_2022[2]) < 0.35


def test_the_norland_example_is_linked_as_a_careful_reader_would():
    """The shared Norland 2022/2023 pair: 1->1, 2->2, 3 new, 4->4, 5 new; funding dropped."""
    proposal = propose(NORLAND_2023, candidates(NORLAND_2022))
    assert links(proposal) == [
        (1, 1, "reworded"),
        (2, 2, "reworded"),
        (3, None, "new"),
        (4, 4, "reworded"),
        (5, None, "new"),
    ]
    assert [(d.candidate.position, d.kind) for d in proposal.dropped] == [(3, "dropped")]


def test_a_repeat_word_for_word_is_same_with_score_one():
    """A recommendation that comes back unchanged (bar copy noise) is `same`."""
    new = [NORLAND_2022[1].replace("'", "\u2019"), NORLAND_2022[0]]
    proposal = propose(new, candidates(NORLAND_2022))
    assert [(m.candidate and m.candidate.position, m.kind, m.score) for m in proposal.matches] == [
        (2, "same", 1.0),
        (1, "same", 1.0),
    ]


def test_no_candidates_makes_every_recommendation_new_without_score():
    """A programme's first edition: everything new, no score."""
    proposal = propose(NORLAND_2023[:2], [])
    assert [(m.kind, m.candidate, m.score) for m in proposal.matches] == [
        ("new", None, None),
        ("new", None, None),
    ]
    assert proposal.dropped == []


def test_an_unmatched_skipped_year_candidate_is_not_dropped():
    """An older open action that does not return now stays out of the dropped list."""
    older = candidates([NORLAND_2022[2]], report_id=7, from_previous=False)
    proposal = propose(NORLAND_2023[:1], [*candidates(NORLAND_2022[:1]), *older])
    assert [d.candidate.report_id for d in proposal.dropped] == []


def test_overrides_pin_choices_and_leave_the_rest_as_proposed():
    """An override links position 3 to earlier 3 and makes position 1 new; the rest unchanged."""
    cands = candidates(NORLAND_2022)
    proposal = propose(NORLAND_2023, cands)
    changed = apply_overrides(proposal, NORLAND_2023, cands, [Override(3, 3), Override(1, None)])
    assert links(changed) == [
        (1, None, "new"),
        (2, 2, "reworded"),
        (3, 3, "reworded"),
        (4, 4, "reworded"),
        (5, None, "new"),
    ]
    assert [(d.candidate.position, d.kind) for d in changed.dropped] == [(1, "dropped")]


def test_a_split_override_lets_two_new_recommendations_continue_one():
    """With split=True the second continuation is a split of the first."""
    cands = candidates(NORLAND_2022)
    proposal = propose(NORLAND_2023, cands)
    changed = apply_overrides(proposal, NORLAND_2023, cands, [Override(5, 4, split=True)])
    assert links(changed)[3:] == [(4, 4, "reworded"), (5, 4, "split")]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ([Override(9, 1)], "there is no recommendation 9: the new edition has 5"),
        ([Override(1, 9)], "recommendation 1: the previous edition has no recommendation 9"),
        (
            [Override(1, 1, previous_report_id=5)],
            "recommendation 1: report 5 has no recommendation 1",
        ),
        ([Override(1, 1), Override(1, 2)], "recommendation 1 is overridden twice"),
        (
            [Override(1, 4), Override(5, 4)],
            "recommendations 1 and 5 both continue earlier recommendation 4: "
            "mark the second as a split",
        ),
    ],
)
def test_bad_overrides_are_refused_with_one_line(overrides, message):
    """A position that does not exist, or two plain continuations of one, is refused."""
    cands = candidates(NORLAND_2022)
    proposal = propose(NORLAND_2023, cands)
    with pytest.raises(LineageError) as err:
        apply_overrides(proposal, NORLAND_2023, cands, overrides)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_an_override_claiming_a_proposed_link_makes_that_proposal_new():
    """The coordinator's choice wins; the proposal it displaces becomes new, not an error."""
    cands = candidates(NORLAND_2022)
    proposal = propose(NORLAND_2023, cands)
    changed = apply_overrides(proposal, NORLAND_2023, cands, [Override(5, 4)])
    assert links(changed)[3:] == [(4, None, "new"), (5, 4, "reworded")]


def test_a_skipped_year_candidate_can_be_picked_by_report():
    """previous_report_id picks an older report's recommendation (a skipped year)."""
    older = candidates([NORLAND_2022[2]], report_id=7, from_previous=False)
    cands = [*candidates(NORLAND_2022[:2]), *older]
    proposal = propose(NORLAND_2023[:2], cands)
    changed = apply_overrides(
        proposal, NORLAND_2023[:2], cands, [Override(2, 1, previous_report_id=7)]
    )
    assert changed.matches[1].candidate == older[0]


def test_a_second_part_of_a_split_ask_is_a_split_of_it():
    """Two new asks each taking a different part of one earlier ask: the second is a split."""
    earlier = [
        "Norland should ensure that its new national mine action strategy is supported with a "
        "realistic resource mobilisation plan. The strategy should set clear annual targets for "
        "survey and clearance.",
        "The NMAC should audit its database.",
    ]
    new = [
        "Norland should publish the annual targets of the strategy and report progress against "
        "them.",
        "Norland should secure predictable funding through a resource mobilisation plan.",
    ]
    proposal = propose(new, candidates(earlier))
    assert links(proposal) == [(1, 1, "reworded"), (2, 1, "split")]


def test_two_earlier_asks_in_one_new_one_make_a_merge():
    """A new ask covering two earlier ones continues the closer; the other is merged into it."""
    earlier = [
        "Norland should conduct technical survey of the cluster munition strike areas in the "
        "eastern provinces.",
        "Norland should clear the cluster munition remnants in the villages of the Marro valley.",
        "Norland should establish a national capacity for risk education.",
    ]
    new = [
        "The NMAA should complete technical survey of the strike areas in the eastern provinces "
        "and the Marro valley and clear the confirmed areas.",
    ]
    proposal = propose(new, candidates(earlier))
    assert links(proposal) == [(1, 1, "reworded")]
    assert [(d.candidate.position, d.kind, d.merged_into) for d in proposal.dropped] == [
        (2, "merged", 1),
        (3, "dropped", None),
    ]


def test_an_acronym_meets_its_spelled_out_words():
    """ "CHAs" in one edition and "confirmed hazardous areas" in the other are one subject."""
    earlier = ["UXO Lao should focus clearance on CHAs rather than roving tasks."]
    new = [
        "All operators should focus clearance on confirmed hazardous areas identified through "
        "survey.",
        "Lao PDR should adopt a gender policy.",
    ]
    proposal = propose(new, candidates(earlier))
    assert links(proposal) == [(1, 1, "reworded"), (2, None, "new")]
