"""The projector's pieces in-process: the join panel or bar, what the board marks for the fit, the 2×2's discs.

How it all looks in a browser at 1920×1080 and 1280×720 is tests/e2e/test_rehearsal_projector.py.
"""

from __future__ import annotations

import itertools
import random

from helpers import soup

from bifrost_lab import aggregation as agg
from bifrost_lab.ui import projector_charts as charts

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
