"""The one aggregation module: Borda, dot totals, rating distributions and means, 2x2 means, choices, k >= 3."""

from __future__ import annotations

import pytest

from bifrost_lab import aggregation as agg
from bifrost_lab.inputs import dot_vote, matrix_2x2, rating


def _answers(payloads, roles=None):
    roles = roles or [None] * len(payloads)
    return [agg.Answer(f"p{i:02d}", role, payload, float(i)) for i, (payload, role) in enumerate(zip(payloads, roles))]


def test_dot_totals_add_up_and_skip_junk():
    votes = _answers(
        [
            {"dots": {"item:0": 2, "item:1": 1}},
            {"dots": {"item:1": 1}},
            {"dots": {}},
            {},
            {"dots": {"item:2": 0, "item:3": -1, "item:4": "2", "item:5": True}},
            {"dots": {"item:0": 1}},
        ]
    )
    totals = {s.target: (s.value, s.n) for s in agg.vote_totals(votes)}
    assert totals == {"item:0": (3.0, 2), "item:1": (2.0, 2)}


def test_rating_distribution_and_mean_per_item_in_whole_blocks_of_its_raters():
    ratings = _answers(
        [{"ratings": {"0": 5, "1": 1}}, {"ratings": {"0": 4}}, {"ratings": {"0": 3, "1": 9}}, {}, {}, {}]
    )
    (first,) = agg.rating_results(ratings)  # item 1 has one valid rating: not shown
    assert first.distribution == (0, 0, 1, 1, 1) and first.n == 3 and first.mean == pytest.approx(4.0)
    assert agg.rating_results([]) == []


def test_borda_points_and_tie_order():
    candidates = ["a", "b", "c", "d"]
    orders = _answers([{"order": o} for o in (["a", "b", "c", "d"], ["b", "a", "d", "c"], ["c", "b", "a", "d"])])
    # a: 3+2+1=6, b: 2+3+2=7, c: 1+0+3=4, d: 0+1+0=1
    assert [(s.target, s.value) for s in agg.borda(orders, candidates)] == [("b", 7), ("a", 6), ("c", 4), ("d", 1)]
    assert [(s.target, s.value) for s in agg.borda([], candidates)] == [("a", 0), ("b", 0), ("c", 0), ("d", 0)]


def test_placement_means_and_quadrants():
    placed = agg.placement_results(
        _answers(
            [
                {"placements": {"item:0": {"x": 0.0, "y": 1.0}}},
                {"placements": {"item:0": {"x": 0.5, "y": 0.5}, "item:1": {"x": 1, "y": 0}}},
                {"placements": {"item:0": {"x": 0.25, "y": 0.75}, "item:1": {"x": "bad"}}},
            ]
        )
    )
    assert [p.target for p in placed] == ["item:0"]  # item:1 has one placement: not shown
    assert placed[0].x == pytest.approx(0.25) and placed[0].y == pytest.approx(0.75) and placed[0].n == 3
    assert agg.quadrant(0.25, 0.75) == "quick_win" and agg.quadrant(0.9, 0.9) == "big_bet"
    assert agg.quadrant(0.1, 0.1) == "small_thing" and agg.quadrant(0.9, 0.2) == "time_waster"


def test_choice_counts():
    counts = agg.choice_counts(_answers([{"selected": [0]}, {"selected": [0, 2]}, {"selected": [5]}]), 3)
    assert [s.value for s in counts] == [2, 0, 1]


def test_role_split_shows_only_whole_blocks_of_three():
    roles = ["A"] * 4 + ["B"] * 3 + ["C"] * 2 + ["D"] + [None] * 5
    groups = agg.role_split(_answers([{}] * len(roles), roles))
    assert [(g, len(a)) for g, a in groups] == [("A", 3), ("B", 3), (agg.OTHERS, 9)]
    # the latest answers of a larger role wait among the others
    groups = agg.role_split(_answers([{}] * 7, ["A"] * 5 + ["B"] * 2))
    assert [(g, len(a)) for g, a in groups] == [("A", 3), (agg.OTHERS, 3)]
    # one group only: no split at all
    assert agg.role_split(_answers([{}] * 4, ["A"] * 2 + ["B"] * 2)) == []


def test_the_facilitator_never_counts(sqlite_engine, library):
    from bifrost_lab import demo, rooms, store

    room = demo.open_showcase_room(sqlite_engine, library)
    people = [rooms.join_room(sqlite_engine, room, role=role)[0] for role in ["RESEARCHER"] * 3 + ["FACILITATOR"]]
    for person in people:
        rating.save(sqlite_engine, room, person, "s-rate", {"0": 4})
    board = rooms.Board.empty()
    board.apply(store.changes_since(sqlite_engine, room.id, 0))
    rows = board.answers("s-rate", "rating")
    assert len(rows) == 4 and len(agg.answers_of(rows, board.role_of)) == 3


# ----------------------------------------------------------------------------------------------
# Projector charts built from the board: participant text is escaped, role splits follow k >= 3

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def _board_with_answers(engine, library, roles):
    import uuid

    from bifrost_lab import demo, rooms, store

    room = demo.open_showcase_room(engine, library)
    people = [rooms.join_room(engine, room, role=role)[0] for role in roles]
    card = rooms.submit_card(engine, room, people[0], "s-cards", HOSTILE, input_id=str(uuid.uuid4()))
    for person in people:
        dot_vote.save(engine, room, person, "s-vote", {f"card:{card.id}": 1})
        rating.save(engine, room, person, "s-rate", {"0": 4})
        matrix_2x2.save(engine, room, person, "s-matrix", {"item:0": {"x": 0.25, "y": 1}})
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    return store.get_room(engine, room.id), board


def _results(room, board, step_id, slot="input"):
    from bifrost_lab import rooms
    from bifrost_lab.ui import results

    step = rooms.step_by_id(room, step_id)
    return results.spec_results_html(room, board, step, slot, step[slot], "da", lambda s: s)


def test_charts_escape_participant_text(sqlite_engine, library):
    room, board = _board_with_answers(sqlite_engine, library, ["RESEARCHER"] * 3)
    html = _results(room, board, "s-vote")
    assert "<img" not in html and "&lt;img src=x" in html
    matrix = _results(room, board, "s-matrix")
    assert "<svg" in matrix and "<circle" in matrix and "Quick wins" in matrix


def test_role_split_appears_only_with_two_groups_of_three(sqlite_engine, library):
    room, board = _board_with_answers(sqlite_engine, library, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 2)
    html = _results(room, board, "s-rate")  # the two managers wait for a third answer; one group: no split
    assert "bf-split" not in html and "3 of 5 answers shown" in html
    room, board = _board_with_answers(sqlite_engine, library, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3)
    html = _results(room, board, "s-rate")
    assert "bf-split" in html and html.count("(n=3)") == 2
    assert "mean 4,0" in html


def _contrast(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_numbers_on_the_rating_colours_meet_wcag_aa():
    """The counts on the 1–5 segments and the legend keys (axe leaves one-character text for a human to judge)."""
    import re

    from bifrost_lab.ui import projector_charts as charts

    stats = agg.rating_results(_answers([{"ratings": {"0": v}} for v in (1, 2, 3, 4, 5, 3)]))[0]
    html = charts.rating_bar("item", stats, "mean 3,0") + charts.scale_legend("low", "high")
    styles = re.findall(r'class="bf-(?:seg|key)"[^>]*style="([^"]*)"|style="([^"]*)"[^>]*class="bf-(?:seg|key)"', html)
    pairs = [dict(re.findall(r"(background|color):(#[0-9a-f]{6})", "".join(s))) for s in styles]
    assert len(pairs) == 10 and all("color" in p and "background" in p for p in pairs), html
    assert all(_contrast(p["color"], p["background"]) >= 4.5 for p in pairs), pairs


@pytest.mark.parametrize(
    "text, limit, expected",
    [
        ("Samarbejdet bygger på arbejdspladsens egne behov", 70, "Samarbejdet bygger på arbejdspladsens egne behov"),
        ("Vi følger op på og evaluerer samarbejdet jævnligt", 36, "Vi følger op på og evaluerer…"),
        ("Yhteistyö perustuu työpaikan omiin tarpeisiin", 30, "Yhteistyö perustuu työpaikan…"),
        ("Arbejdsmiljøorganisationssamarbejdsudvalgsmødet", 20, "Arbejdsmiljøorganis…"),  # one long word: cut in it
        ("  many   spaces\nand lines ", 70, "many spaces and lines"),
    ],
)
def test_labels_are_shortened_after_a_whole_word(text, limit, expected):
    from bifrost_lab.markup import shorten

    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit
