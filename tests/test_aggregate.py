"""Aggregations are pure: Borda, dot totals, rating distributions and means, 2x2 means, choices, k >= 3."""

from __future__ import annotations

import pytest

from bifrost_lab import aggregation as agg


def test_dot_totals_add_up_and_skip_junk():
    votes = [
        {"dots": {"item:0": 2, "item:1": 1}},
        {"dots": {"item:1": 1}},
        {"dots": {}},
        {},
        {"dots": {"item:2": 0, "item:3": -1, "item:4": "2"}},
    ]
    assert agg.dot_totals(votes) == {"item:0": 2, "item:1": 2}


def test_rating_distribution_and_mean():
    ratings = [{"ratings": {"0": 5, "1": 1}}, {"ratings": {"0": 4}}, {"ratings": {"0": 3, "1": 9}}, {}]
    first, second = agg.rating_stats(ratings, 2)
    assert first.counts == (0, 0, 1, 1, 1) and first.n == 3 and first.mean == pytest.approx(4.0)
    assert second.counts == (1, 0, 0, 0, 0) and second.mean == 1.0
    assert agg.rating_stats([], 1)[0].mean is None


def test_borda_points_and_tie_order():
    candidates = ["a", "b", "c", "d"]
    orders = [["a", "b", "c", "d"], ["b", "a", "d", "c"], ["c", "b", "a", "d"]]
    # a: 3+2+1=6, b: 2+3+2=7, c: 1+0+3=4, d: 0+1+0=1
    assert agg.borda(orders, candidates) == [("b", 7), ("a", 6), ("c", 4), ("d", 1)]
    assert agg.borda([], candidates) == [("a", 0), ("b", 0), ("c", 0), ("d", 0)]
    assert agg.borda([["x", "a"]], ["a", "b"]) == [("a", 0), ("b", 0)]  # unknown ignored; a in 2nd place: 0


def test_placement_means_and_quadrants():
    stats = agg.placement_stats(
        [
            {"placements": {"item:0": {"x": 0.0, "y": 1.0}}},
            {"placements": {"item:0": {"x": 0.5, "y": 0.5}, "item:1": {"x": 1, "y": 0}}},
            {"placements": {"item:1": {"x": "bad"}}},
        ]
    )
    assert stats["item:0"].mean_x == pytest.approx(0.25) and stats["item:0"].mean_y == pytest.approx(0.75)
    assert stats["item:0"].n == 2 and stats["item:1"].n == 1
    assert agg.quadrant(0.25, 0.75) == "quick_win" and agg.quadrant(0.9, 0.9) == "big_bet"
    assert agg.quadrant(0.1, 0.1) == "small_thing" and agg.quadrant(0.9, 0.2) == "time_waster"


def test_choice_counts():
    assert agg.choice_counts([{"selected": [0]}, {"selected": [0, 2]}, {"selected": [5]}], 3) == [2, 0, 1]


def test_role_split_shows_only_groups_of_three_or_more():
    rows = [("A", 1)] * 4 + [("B", 2)] * 3 + [("C", 3)] * 2 + [("D", 4)] + [(None, 5)] * 5
    groups = agg.role_groups(rows)
    assert [(g, len(a)) for g, a in groups] == [("A", 4), ("B", 3), (agg.POOLED, 3)]
    # a pool under three is left out entirely (it would identify people)
    groups = agg.role_groups([("A", 1)] * 3 + [("B", 2)] * 3 + [("C", 3)] * 2)
    assert [g for g, _ in groups] == ["A", "B"]
    # one safe group only: no split at all
    assert agg.role_groups([("A", 1)] * 5 + [("B", 1)] * 2) == []
    assert agg.role_groups([("A", 1)] * 2 + [("B", 1)] * 2) == []


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
        rooms.save_vote(engine, room, person, "s-vote", {f"card:{card.id}": 1})
        rooms.save_rating(engine, room, person, "s-rate", {"0": 4})
        rooms.save_placement(engine, room, person, "s-matrix", {"item:0": {"x": 0.25, "y": 1}})
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    return store.get_room(engine, room.id), board


def _results(room, board, step_id, slot="input"):
    from bifrost_lab import rooms
    from bifrost_lab.ui import projector_charts as charts

    step = rooms.step_by_id(room, step_id)
    return charts.spec_results_html(room, board, step, slot, step[slot], "da", lambda s: s)


def test_charts_escape_participant_text(sqlite_engine, library):
    room, board = _board_with_answers(sqlite_engine, library, ["RESEARCHER"] * 2)
    html = _results(room, board, "s-vote")
    assert "<img" not in html and "&lt;img src=x" in html
    matrix = _results(room, board, "s-matrix")
    assert "<svg" in matrix and "<circle" in matrix and "Quick wins" in matrix


def test_role_split_appears_only_with_two_groups_of_three(sqlite_engine, library):
    room, board = _board_with_answers(sqlite_engine, library, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 2)
    assert "bf-split" not in _results(room, board, "s-rate")  # the pool of two managers is hidden
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

    stats = agg.rating_stats([{"ratings": {"0": v}} for v in (1, 2, 3, 4, 5)], 1)[0]
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
