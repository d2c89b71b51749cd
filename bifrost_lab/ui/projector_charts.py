"""Projector charts as HTML/SVG strings built in Python (no matplotlib: participant kernels stay light).

Sized to be read from the back of a room: few, large labels; numbers written on the bars. Every text
that comes from a participant or a programme file passes `esc`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bifrost_lab import aggregation as agg
from bifrost_lab import rooms, store
from bifrost_lab.markup import esc, join_list, shorten, tag

PALETTE = ("#0b5c8a", "#d2691e", "#2e8b57", "#8a4b9c", "#b8860b", "#c0392b", "#4a6d7c", "#6b8e23")
SCALE_COLOURS = ("#c0392b", "#e67e22", "#b9bec6", "#7fb3d5", "#0b5c8a")  # 1..5
SCALE_INK = ("#ffffff", "#16202e", "#16202e", "#16202e", "#ffffff")  # the number on each colour, WCAG AA contrast
LABEL_CHARS = 70
DISC_GAP = 0.125  # the 2×2's numbered disc over its plot (bifrost.css: 1.7em of 15em), with a margin


def decimal(value: float, language: str, digits: int = 1) -> str:
    """A number as the room writes it (Danish and Finnish use a decimal comma)."""
    shown = f"{value:.{digits}f}"
    return shown.replace(".", ",") if language in ("da", "fi") else shown


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return shorten(text, limit)


# ----------------------------------------------------------------------------------------------
# Building blocks


def bar_chart(rows: Sequence[tuple[str, float, str]], *, highlight: int = 0, cls: str = "") -> str:
    """Horizontal bars: (label, value, value text); the first `highlight` rows are emphasised."""
    top = max((value for _l, value, _t in rows), default=0) or 1
    items = []
    for index, (label, value, shown) in enumerate(rows):
        width = 100 * value / top
        rank = tag("span", str(index + 1), cls="bf-bar-rank") if highlight else ""
        items.append(
            tag(
                "div",
                tag("div", rank + esc(short(label)), cls="bf-bar-label")
                + tag(
                    "div",
                    tag("div", "", cls="bf-bar-fill", style=f"width:{width:.1f}%")
                    + tag("span", esc(shown), cls="bf-bar-value"),
                    cls="bf-bar-track",
                ),
                cls="bf-bar" + (" bf-bar-top" if index < highlight else ""),
            )
        )
    return tag("div", join_list(items), cls=f"bf-bars {cls}".strip(), data_fit_list="first")


def rating_bar(label: str, stats: agg.RatingResult | None, mean_text: str) -> str:
    """One item: a stacked bar of the 1..5 distribution and the mean (None: not enough answers yet)."""
    segments = []
    for value, count in zip(agg.SCALE, stats.distribution if stats else ()):
        if count:
            share = 100 * count / (stats.n if stats else 1)
            segments.append(
                tag(
                    "div",
                    esc(count) if share >= 4 + 4 * len(str(count)) else "",  # a number only where it fits
                    cls="bf-seg",
                    style=f"width:{share:.1f}%;{_scale_style(value)}",
                    title=f"{value}: {count}",
                )
            )
    track = (
        tag("div", join_list(segments), cls="bf-rating-track")
        if stats and stats.n
        else tag("div", "", cls="bf-rating-track bf-empty")
    )
    return tag(
        "div",
        tag("div", esc(short(label)), cls="bf-bar-label")
        + tag("div", track + tag("span", esc(mean_text), cls="bf-rating-mean"), cls="bf-rating-row"),
        cls="bf-rating",
    )


def _scale_style(value: int) -> str:
    return f"background:{SCALE_COLOURS[value - 1]};color:{SCALE_INK[value - 1]}"


def scale_legend(low: str, high: str) -> str:
    keys = join_list(tag("span", str(v), cls="bf-key", style=_scale_style(v)) for v in agg.SCALE)
    return tag("div", tag("span", esc(f"1 = {low}")) + keys + tag("span", esc(f"5 = {high}")), cls="bf-scale-legend")


def spread(points: Sequence[tuple[float, float]], gap: float, *, rounds: int = 60) -> list[tuple[float, float]]:
    """Points in the unit square moved apart until no two are closer than `gap` (as far as the square allows).

    The matrix's numbered discs sit at their item's mean; two similar means would put one number over the
    other, so the discs give way to each other and a line leads from each moved disc to its mean.
    """
    placed = [[min(1 - gap / 2, max(gap / 2, x)), min(1 - gap / 2, max(gap / 2, y))] for x, y in points]
    for _round in range(rounds):
        moved = False
        for i in range(len(placed)):
            for j in range(i + 1, len(placed)):
                dx, dy = placed[j][0] - placed[i][0], placed[j][1] - placed[i][1]
                distance = (dx * dx + dy * dy) ** 0.5
                if distance >= gap - 1e-9:
                    continue
                if distance < 1e-6:  # the same spot: part them along a fixed direction per pair
                    dx, dy, distance = 0.7 + 0.1 * (j - i), 0.7 - 0.1 * (j - i), 1.0
                push = (gap - distance) / 2 + 1e-4
                ux, uy = dx / distance, dy / distance
                for k, sign in ((i, -1), (j, 1)):
                    placed[k][0] = min(1 - gap / 2, max(gap / 2, placed[k][0] + sign * push * ux))
                    placed[k][1] = min(1 - gap / 2, max(gap / 2, placed[k][1] + sign * push * uy))
                moved = True
        if not moved:
            break
    return [(x, y) for x, y in placed]


def matrix_svg(
    series: Sequence[tuple[str, agg.PlacementResult | None]],
    quadrants: dict[str, str],
    x_label: str,
    y_label: str,
) -> str:
    """The 2×2 (x = effort, y = impact): each item's placements as small dots, its mean as a numbered disc.

    The plot is an SVG without text; the quadrant names sit outside its corners and the numbers on
    discs in HTML, sized in em with the rest of the board, so no text is ever under a disc or too small.
    """
    parts = [
        '<rect x="0" y="0" width="50" height="50" fill="#e8f4ec"/>',
        '<rect x="50" y="0" width="50" height="50" fill="#e6eff7"/>',
        '<rect x="0" y="50" width="50" height="50" fill="#f6f6f6"/>',
        '<rect x="50" y="50" width="50" height="50" fill="#fbeeee"/>',
        '<rect x="0" y="0" width="100" height="100" fill="none" stroke="#9aa3ae" stroke-width="2" '
        'vector-effect="non-scaling-stroke"/>',
        '<line x1="50" y1="0" x2="50" y2="100" stroke="#c4cad2" stroke-width="1" vector-effect="non-scaling-stroke"/>',
        '<line x1="0" y1="50" x2="100" y2="50" stroke="#c4cad2" stroke-width="1" vector-effect="non-scaling-stroke"/>',
    ]
    for index, (_label, stats) in enumerate(series):
        if stats is None:
            continue
        colour = PALETTE[index % len(PALETTE)]
        for n, (point_x, point_y) in enumerate(stats.points):
            jitter_x = ((n * 7919 + index * 31) % 17 - 8) / 300
            jitter_y = ((n * 104729 + index * 17) % 17 - 8) / 300
            x, y = min(1, max(0, point_x + jitter_x)), min(1, max(0, point_y + jitter_y))
            parts.append(
                f'<circle cx="{100 * x:.1f}" cy="{100 * (1 - y):.1f}" r="1.1" fill="{colour}" fill-opacity=".35"/>'
            )
    means = [(i, stats) for i, (_label, stats) in enumerate(series) if stats is not None]
    discs = []
    for (index, stats), (x, y) in zip(means, spread([(s.x, s.y) for _i, s in means], DISC_GAP)):
        colour = PALETTE[index % len(PALETTE)]
        if abs(x - stats.x) + abs(y - stats.y) > 0.01:  # moved aside: a line back to where the mean is
            parts.append(
                f'<line x1="{100 * stats.x:.1f}" y1="{100 * (1 - stats.y):.1f}" x2="{100 * x:.1f}" y2="{100 * (1 - y):.1f}" '
                f'stroke="{colour}" stroke-width="2" vector-effect="non-scaling-stroke"/>'
                f'<circle cx="{100 * stats.x:.1f}" cy="{100 * (1 - stats.y):.1f}" r="1.2" fill="{colour}"/>'
            )
        discs.append(
            tag(
                "span",
                str(index + 1),
                cls="bf-matrix-disc",
                style=f"left:{100 * x:.1f}%;top:{100 * (1 - y):.1f}%;background:{colour}",
            )
        )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" preserveAspectRatio="none" '
        f'class="bf-matrix-svg" aria-hidden="true" focusable="false">{join_list(parts)}</svg>'
    )
    alt = "; ".join(f"{i + 1}. {label}" for i, (label, _s) in enumerate(series))
    chart = (
        tag("div", esc(quadrants.get("quick_win", "")), cls="bf-matrix-q bf-q-tl")
        + tag("div", esc(quadrants.get("big_bet", "")), cls="bf-matrix-q bf-q-tr")
        + tag("div", esc(f"{y_label} →"), cls="bf-matrix-axis bf-matrix-y")
        + tag("div", svg + join_list(discs), cls="bf-matrix-plot")
        + tag("div", esc(quadrants.get("small_thing", "")), cls="bf-matrix-q bf-q-bl")
        + tag("div", esc(quadrants.get("time_waster", "")), cls="bf-matrix-q bf-q-br")
        + tag("div", esc(f"{x_label} →"), cls="bf-matrix-axis bf-matrix-x")
    )
    legend = join_list(
        tag(
            "li",
            tag("span", str(i + 1), cls="bf-legend-dot", style=f"background:{PALETTE[i % len(PALETTE)]}")
            + tag(
                "span",
                esc(short(label, 90)) + (tag("span", esc(f" · n={s.n}"), cls="bf-legend-n") if s else ""),
                cls="bf-legend-text",
            ),
        )
        for i, (label, s) in enumerate(series)
    )
    return tag(
        "div",
        tag("div", chart, cls="bf-matrix-chart", role="img", aria_label=alt)
        + tag("ol", legend, cls="bf-matrix-legend"),
        cls="bf-matrix",
    )


# ----------------------------------------------------------------------------------------------
# A step's results


def target_labels(
    room: store.Room, board: rooms.Board, spec: dict[str, Any], language: str, targets: Sequence[str]
) -> dict[str, str]:
    """What each target string is called: the listed item, the card's text or the cluster's name."""
    listed = spec.get("items") or spec.get("options") or []
    labels = {}
    for target in targets:
        kind, _sep, key = target.partition(":")
        if kind == "item" and key.isdigit() and int(key) < len(listed):
            labels[target] = rooms.text(listed[int(key)], language)
        elif kind == "card" and key in board.inputs:
            labels[target] = board.inputs[key].payload.get("text", "")
        elif kind == "cluster" and key in board.clusters:
            labels[target] = board.clusters[key].label
        else:
            labels[target] = "?"
    return labels


def board_targets(room: store.Room, board: rooms.Board, spec: dict[str, Any]) -> list[str]:
    """Valid targets of a spec from the page's board (no database call; same rule as room.valid_targets)."""
    targets = spec.get("targets")
    if targets:
        if targets.get("source") == "clusters":
            return [f"cluster:{c.id}" for c in board.step_clusters(targets["from_step"])]
        return [f"card:{c.id}" for c in board.cards(targets["from_step"])]
    listed = spec.get("items") or spec.get("options") or []
    return [f"item:{i}" for i in range(len(listed))]
