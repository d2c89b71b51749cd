"""The one aggregation rule is private by construction: nothing shown lets the room work out fewer than k people.

A room is simulated answer by answer. After every answer, everything the projector and the summary
show for the step is collected: the totals, every role group, every item's own figures. Each figure is
a sum over a set of respondents, so the room can compute exactly the sums over sets in the linear span
of those sets. The test proves that no set of 1..k-1 respondents is in that span.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bifrost_lab import aggregation as agg

K = agg.K_MIN
ROLES = ("ADVISER", "EMPLOYEE", "SME_OWNER", None)


def _answer(index: int, role: str | None, items: frozenset[int]) -> agg.Answer:
    ratings = {str(i): 3 for i in items}
    return agg.Answer(f"p{index:02d}", role, {"ratings": ratings, "dots": {"item:0": 1}}, float(index))


def _figures(answers: list[agg.Answer]) -> dict[str, list[frozenset[str]]]:
    """Per variable (a target everybody answers, or one rating item): the respondent sets of every figure shown."""

    def items_of(answer: agg.Answer) -> list[str]:
        return list(answer.payload["ratings"])

    found: dict[str, list[frozenset[str]]] = {"all": [frozenset(a.respondent for a in agg.shown(answers))]}
    for item, members in agg.per_item(answers, items_of).items():
        found.setdefault(item, []).append(frozenset(a.respondent for a in members))
    for _role, group in agg.role_split(answers):
        found["all"].append(frozenset(a.respondent for a in group))
        for item, members in agg.per_item(group, items_of).items():
            found.setdefault(item, []).append(frozenset(a.respondent for a in members))
    return found


def _derivable_small_sets(figures: list[frozenset[str]], people: list[str]) -> list[tuple[str, ...]]:
    if not figures:
        return []
    index = {p: i for i, p in enumerate(people)}
    matrix = np.zeros((len(figures), len(people)))
    for row, members in enumerate(figures):
        for person in members:
            matrix[row, index[person]] = 1
    rank = np.linalg.matrix_rank(matrix)
    leaks = []
    for size in range(1, K):
        for small in combinations(people, size):
            probe = np.zeros(len(people))
            for person in small:
                probe[index[person]] = 1
            if np.linalg.matrix_rank(np.vstack([matrix, probe])) == rank:
                leaks.append(small)
    return leaks


room = st.lists(
    st.tuples(st.sampled_from(ROLES), st.frozensets(st.integers(0, 2), min_size=0, max_size=3)),
    min_size=1,
    max_size=11,
)


@settings(max_examples=300, deadline=None)
@given(room)
def test_no_set_of_fewer_than_k_people_can_be_derived_from_everything_shown_over_the_meeting(people):
    answers = [_answer(i, role, items) for i, (role, items) in enumerate(people)]
    shown_over_time: dict[str, list[frozenset[str]]] = {}
    for arrived in range(1, len(answers) + 1):  # the projector after every answer; the summary is the last
        for variable, sets in _figures(answers[:arrived]).items():
            shown_over_time.setdefault(variable, []).extend(s for s in sets if s)
    names = [a.respondent for a in answers]
    for variable, sets in shown_over_time.items():
        assert _derivable_small_sets(sets, names) == [], variable


def test_three_advisers_three_employees_and_one_owner_show_no_split_that_isolates_the_owner():
    roles = ["ADVISER"] * 3 + ["EMPLOYEE"] * 3 + ["SME_OWNER"]
    answers = [_answer(i, role, frozenset({0})) for i, role in enumerate(roles)]
    assert agg.respondents(answers) == 6  # the 7th answer waits for two more
    groups = agg.role_split(answers)
    assert sorted(len(members) for _role, members in groups) == [3, 3]
    assert "p06" not in {a.respondent for _role, members in groups for a in members}


def test_groups_add_up_to_the_shown_total_and_each_is_a_whole_number_of_blocks():
    roles = ["ADVISER"] * 4 + ["EMPLOYEE"] * 5 + [None] * 2
    answers = [_answer(i, role, frozenset({0})) for i, role in enumerate(roles)]
    groups = agg.role_split(answers)
    sizes = [len(members) for _role, members in groups]
    assert sum(sizes) == agg.respondents(answers) == 9
    assert all(size % K == 0 for size in sizes)
    assert groups[-1][0] == agg.OTHERS


def test_ties_are_broken_by_listed_order_everywhere():
    orders = [["item:0", "item:1"], ["item:1", "item:0"]] * 3
    answers = [agg.Answer(f"p{i}", None, {"order": order}, float(i)) for i, order in enumerate(orders)]
    scores = agg.borda(answers, ["item:1", "item:0"])
    assert [s.value for s in scores] == [3.0, 3.0] and [s.target for s in scores] == ["item:1", "item:0"]
    assert [s.target for s in agg.borda(answers, ["item:0", "item:1"])] == ["item:0", "item:1"]
    dots = agg.vote_totals(
        [agg.Answer(f"p{i}", None, {"dots": {"card:b": 1, "card:a": 1}}, float(i)) for i in range(3)],
        ["card:b", "card:a"],
    )
    assert [s.target for s in dots] == ["card:b", "card:a"]


# ----------------------------------------------------------------------------------------------
# Before/after pairs (`shift`): a new kind of respondent set, the people who answered both steps.
# A paired figure is about two variables of the same people: their before rating (which the before
# step's own figures are about too) and their after rating (which only paired figures show).


@st.composite
def before_and_after(draw):
    """People answering a before rating (items 0/1) and, in their own order, the after rating."""
    people = draw(
        st.lists(
            st.tuples(
                st.sampled_from(ROLES),
                st.frozensets(st.integers(0, 1), max_size=2),
                st.frozensets(st.integers(0, 1), max_size=2),
            ),
            min_size=1,
            max_size=11,
        )
    )
    later = [i for i, (_role, _before, after) in enumerate(people) if after]
    order = draw(st.permutations(later))
    # the after step may open while the before step still takes answers: merge the two arrival orders
    merge = draw(st.lists(st.booleans(), min_size=len(people) + len(order), max_size=len(people) + len(order)))
    events, b, a = [], 0, 0
    for take_before in merge:
        if (take_before and b < len(people)) or a >= len(order):
            events.append(("before", b))
            b += 1
        else:
            events.append(("after", order[a]))
            a += 1
    return people, events


@settings(max_examples=300, deadline=None)
@given(before_and_after())
def test_before_after_pairs_let_nobody_work_out_fewer_than_k_people(meeting):
    people, events = meeting
    before: list[agg.Answer] = []
    after: list[agg.Answer] = []
    shown: dict[str, list[frozenset[str]]] = {}
    for time, (step, index) in enumerate(events):  # the projector after every answer; the summary is the last
        role, rated_before, rated_after = people[index]
        if step == "before":
            before.append(
                agg.Answer(f"p{index:02d}", role, {"ratings": {str(i): 3 for i in rated_before}}, float(time))
            )
        else:
            after.append(agg.Answer(f"p{index:02d}", role, {"ratings": {str(i): 4 for i in rated_after}}, float(time)))
        for item, sets in _figures(before).items():  # the before step's own figures
            if item != "all":
                shown.setdefault(f"before:{item}", []).extend(s for s in sets if s)
        pairs = [agg.paired(before, after)] + [found for _role, found in agg.paired_by_role(before, after)]
        for found in pairs:
            for item, members in found.items():
                members_set = frozenset(a.respondent for a in members)
                assert len(members_set) >= K and all(item in a.payload["ratings"] for a in members)
                shown.setdefault(f"before:{item}", []).append(members_set)
                shown.setdefault(f"after:{item}", []).append(members_set)
    names = [f"p{i:02d}" for i in range(len(people))]
    for variable, sets in shown.items():
        assert _derivable_small_sets(sets, names) == [], variable


def test_only_people_who_answered_both_in_whole_blocks_of_the_before_step_are_paired():
    before = [agg.Answer(f"p{i}", "A" if i < 3 else "B", {"ratings": {"0": 2}}, float(i)) for i in range(7)]
    after = [agg.Answer(f"p{i}", None, {"ratings": {"0": 4}}, 10.0 + i) for i in (6, 5, 4, 3, 1, 0)]
    (result,) = agg.shift_results(before, after)
    # blocks of the before step: p0-p2 (p2 never answered after: out), p3-p5 (in); p6 waits in the before step
    assert result.n == 3 and result.before.mean == 2 and result.after.mean == 4
    assert {a.respondent for a in agg.paired(before, after)["0"]} == {"p3", "p4", "p5"}
    split = dict(agg.shift_split(before, after))
    assert split["A"] == [] and [r.n for r in split["B"]] == [3]
