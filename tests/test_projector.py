"""The projector's pieces in-process: the join panel or bar, what the board marks for the fit, the 2×2's discs.

How it all looks in a browser at 1920×1080 and 1280×720 is tests/e2e/test_rehearsal_projector.py.
"""

from __future__ import annotations

import itertools
import random
import uuid

from helpers import soup

from bifrost_lab import aggregation as agg
from bifrost_lab import rooms, store
from bifrost_lab.ui import projector_charts as charts
from bifrost_lab.ui.console.board import lane_columns, render_board
from bifrost_lab.ui.console.projector import ProjectorPanel, join_panel_shown, show_join_panel


def open_m1(engine, library) -> store.Room:
    return rooms.open_room(engine, library, "bifrost", "bif-m1")


def board_of(engine, room: store.Room) -> rooms.Board:
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    return board


def frame_classes(panel: ProjectorPanel) -> set[str]:
    return set(panel.frame._dom_classes)


def step_index(room: store.Room, step_id: str) -> int:
    return next(i for i, s in enumerate(rooms.steps(room)) if s["id"] == step_id)


# ----------------------------------------------------------------------------------------------
# The join panel: whole until people are in, then a bar; back on the J key or from the console


def test_the_join_panel_is_whole_until_someone_joins_then_a_bar(sqlite_engine, library):
    room = open_m1(sqlite_engine, library)
    board = board_of(sqlite_engine, room)
    panel = ProjectorPanel(room, board, "da")
    panel.show(room)
    assert join_panel_shown(room, board) and "bf-join-full" in frame_classes(panel)
    rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    board.apply(store.changes_since(sqlite_engine, room.id, 0))
    panel.show(room)
    assert not join_panel_shown(room, board)
    assert "bf-join-bar" in frame_classes(panel) and "bf-join-full" not in frame_classes(panel)
    join = soup(panel.join_panel.value)  # the bar shows the address and the code; the QR code only when whole
    assert join.select_one(".bf-join-code").get_text() == room.join_code and join.select_one(".bf-qr svg")


def test_the_j_key_and_the_console_bring_the_join_panel_back(sqlite_engine, library):
    room = open_m1(sqlite_engine, library)
    rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    board = board_of(sqlite_engine, room)
    panel = ProjectorPanel(room, board, "da")
    panel.show(room)
    assert panel.fit is not None and "bf-join-bar" in frame_classes(panel)
    panel.fit.join_key += 1  # the J key on the projector window
    assert "bf-join-full" in frame_classes(panel)
    panel.fit.join_key += 1
    assert "bf-join-bar" in frame_classes(panel)
    room = show_join_panel(sqlite_engine, room, True)  # the console's button, for this step
    panel.show(room)
    assert join_panel_shown(room, board) and "bf-join-full" in frame_classes(panel)
    room = store.set_step(sqlite_engine, room.id, 1)  # the next step: the bar again
    panel.show(room)
    assert not join_panel_shown(room, board) and "bf-join-bar" in frame_classes(panel)
    panel.fit.join_key += 1
    room = store.set_step(sqlite_engine, room.id, 2)  # the key's choice lasts until the step changes
    panel.show(room)
    assert "bf-join-bar" in frame_classes(panel)


def test_the_timer_is_the_rooms_from_the_first_render(sqlite_engine, library):
    """Not a paused, red 0:00 until the first update arrives (axe failed its contrast on a busy machine)."""
    room = store.set_step(sqlite_engine, open_m1(sqlite_engine, library).id, 2)
    panel = ProjectorPanel(room, board_of(sqlite_engine, room), "da", console=True)
    # every step starts paused (issue 22), with its full time: not a red 0:00
    assert panel.countdown.running == room.timer_running and panel.countdown.remaining == room.timer_remaining > 0


def test_only_the_projector_fits_and_listens_for_keys(sqlite_engine, library):
    room = open_m1(sqlite_engine, library)
    console = ProjectorPanel(room, board_of(sqlite_engine, room), "da", console=True)
    projector = ProjectorPanel(room, board_of(sqlite_engine, room), "da")
    assert console.fit is None and console.widgets == [console.frame]
    assert projector.fit is not None and projector.fit in projector.frame.children
    assert projector.fit.get_state()["_esm"].startswith("// The projector's fit")


# ----------------------------------------------------------------------------------------------
# What the board marks for the fit


def test_a_step_with_cards_and_a_rating_waits_once(sqlite_engine, library):
    room = open_m1(sqlite_engine, library)
    person, _token = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    rooms.submit_card(sqlite_engine, room, person, "bif-m1-s8", "Et kort", input_id=str(uuid.uuid4()))
    room = store.set_step(sqlite_engine, room.id, step_index(room, "bif-m1-s8"))
    tree = soup(render_board(room, board_of(sqlite_engine, room), rooms.current_step(room), "da"))
    assert len(tree.select(".bf-waiting")) == 1 and tree.select(".bf-board-card") == []
    assert tree.select_one(".bf-waiting-count").get_text() == "1 af 1 har svaret"


def test_lists_and_extras_carry_what_the_fit_needs(sqlite_engine, library):
    room = open_m1(sqlite_engine, library)
    person, _token = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    for n in range(3):
        rooms.submit_card(sqlite_engine, room, person, "bif-m1-s3", f"Kort {n}", column=n, input_id=str(uuid.uuid4()))
    room = store.set_step(sqlite_engine, room.id, step_index(room, "bif-m1-s3"))
    room = store.set_step_state(sqlite_engine, room.id, "bif-m1-s3", evidence="grid")
    tree = soup(render_board(room, board_of(sqlite_engine, room), rooms.current_step(room), "da"))
    assert tree.select_one(".bf-board-body")["data-more"] == "+ {n} flere"
    lanes = tree.select(".bf-lane")
    assert len(lanes) == 5 and all(lane["data-fit-list"] == "last" for lane in lanes)  # the newest cards stay
    assert all(tag["data-fit-drop"] == "2" for tag in tree.select(".bf-role-tag"))
    evidence = tree.select_one(".bf-ev-grid")
    assert evidence["data-fit-list"] == "first" and evidence["data-fit-min"] == "1"
    assert all(c["data-fit-drop"] == "1" for c in tree.select(".bf-ev-cite, .bf-ev-badges"))
    assert all(t["data-fit-drop"] == "2" for t in tree.select(".bf-ev-text"))
    one = store.set_step_state(sqlite_engine, room.id, "bif-m1-s3", evidence="one")
    alone = soup(render_board(one, board_of(sqlite_engine, one), rooms.current_step(one), "da"))
    assert not alone.select(".bf-ev-card [data-fit-drop]")  # one card at a time keeps its text and source


def test_many_lanes_take_two_rows():
    assert [lane_columns(n) for n in (1, 2, 5, 6, 7, 8, 10, 12)] == [1, 2, 5, 6, 4, 4, 5, 6]


# ----------------------------------------------------------------------------------------------
# The 2×2: no text in the SVG, no disc on another


def test_the_discs_of_similar_means_move_apart_inside_the_plot():
    rng = random.Random(22)
    for count in (2, 5, 8, 12):
        points = [(0.5 + rng.uniform(-0.05, 0.05), 0.5 + rng.uniform(-0.05, 0.05)) for _ in range(count)]
        points += [(0.0, 1.0), (0.0, 1.0)]  # two on the very same corner
        placed = charts.spread(points, charts.DISC_GAP)
        for (ax, ay), (bx, by) in itertools.combinations(placed, 2):
            assert ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 >= charts.DISC_GAP - 1e-3
        half = charts.DISC_GAP / 2
        assert all(half - 1e-9 <= v <= 1 - half + 1e-9 for point in placed for v in point)
    assert charts.spread([(0.2, 0.3)], charts.DISC_GAP) == [(0.2, 0.3)]  # alone: where it is


def test_the_matrix_writes_its_words_in_html_around_the_plot():
    stats = agg.PlacementResult("item:0", 3, 0.25, 0.75, ((0.2, 0.7), (0.3, 0.8), (0.25, 0.75)))
    html = charts.matrix_svg(
        [("Første", stats), ("Anden", stats), ("Tredje", None)],
        {
            "quick_win": "Hurtige gevinster",
            "big_bet": "Store satsninger",
            "small_thing": "Småting",
            "time_waster": "Tidsrøvere",
        },
        "Indsats",
        "Effekt",
    )
    tree = soup(html)
    assert tree.select("svg text") == [] and len(tree.select(".bf-matrix-svg circle")) >= 6
    assert [q.get_text() for q in tree.select(".bf-matrix-q")] == [
        "Hurtige gevinster",
        "Store satsninger",
        "Småting",
        "Tidsrøvere",
    ]
    assert [d.get_text() for d in tree.select(".bf-matrix-disc")] == ["1", "2"]  # the third has no answers yet
    assert tree.select_one(".bf-matrix-chart")["aria-label"] == "1. Første; 2. Anden; 3. Tredje"
    assert len(tree.select(".bf-matrix-svg line[stroke-width='2']")) >= 1  # same mean: a line to where it is
