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
    return tag("div", join_list(items), cls=f"bf-bars {cls}".strip())


def rating_bar(label: str, stats: agg.RatingResult | None, mean_text: str) -> str:
    """One item: a stacked bar of the 1..5 distribution and the mean (None: not enough answers yet)."""
    segments = []
    for value, count in zip(agg.SCALE, stats.distribution if stats else ()):
        if count:
            share = 100 * count / (stats.n if stats else 1)
            segments.append(
                tag(
                    "div",
                    esc(count) if share >= 6 else "",
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


def matrix_svg(
    series: Sequence[tuple[str, agg.PlacementResult | None]],
    quadrants: dict[str, str],
    x_label: str,
    y_label: str,
    *,
    size: int = 640,
) -> str:
    """The 2×2 (x = effort, y = impact): each item's placements as small dots, its mean as a numbered disc."""
    pad = 46
    inner = size - 2 * pad

    def px(x: float) -> float:
        return pad + x * inner

    def py(y: float) -> float:
        return pad + (1 - y) * inner

    half = inner / 2
    parts = [
        f'<rect x="{pad}" y="{pad}" width="{half}" height="{half}" fill="#e8f4ec"/>',
        f'<rect x="{pad + half}" y="{pad}" width="{half}" height="{half}" fill="#e6eff7"/>',
        f'<rect x="{pad}" y="{pad + half}" width="{half}" height="{half}" fill="#f6f6f6"/>',
        f'<rect x="{pad + half}" y="{pad + half}" width="{half}" height="{half}" fill="#fbeeee"/>',
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="none" stroke="#9aa3ae" stroke-width="2"/>',
    ]
    corners = {
        "quick_win": (pad + 10, pad + 30, "start"),
        "big_bet": (size - pad - 10, pad + 30, "end"),
        "small_thing": (pad + 10, size - pad - 14, "start"),
        "time_waster": (size - pad - 10, size - pad - 14, "end"),
    }
    for key, (x, y, anchor) in corners.items():
        parts.append(
            f'<text x="{x}" y="{y}" font-size="22" font-weight="700" fill="#4d5868" '
            f'text-anchor="{anchor}">{esc(quadrants.get(key, ""))}</text>'
        )
    parts.append(
        f'<text x="{size / 2}" y="{size - 10}" font-size="20" text-anchor="middle" fill="#16202e">'
        f"{esc(x_label)} →</text>"
    )
    parts.append(
        f'<text x="16" y="{size / 2}" font-size="20" text-anchor="middle" fill="#16202e" '
        f'transform="rotate(-90 16 {size / 2})">{esc(y_label)} →</text>'
    )
    for index, (_label, stats) in enumerate(series):
        if stats is None:
            continue
        colour = PALETTE[index % len(PALETTE)]
        for n, (point_x, point_y) in enumerate(stats.points):
            jitter_x = ((n * 7919 + index * 31) % 17 - 8) / inner * 3
            jitter_y = ((n * 104729 + index * 17) % 17 - 8) / inner * 3
            parts.append(
                f'<circle cx="{px(min(1, max(0, point_x + jitter_x))):.1f}" cy="{py(min(1, max(0, point_y + jitter_y))):.1f}" '
                f'r="6" fill="{colour}" fill-opacity=".35"/>'
            )
    for index, (_label, stats) in enumerate(series):
        if stats is None:
            continue
        colour = PALETTE[index % len(PALETTE)]
        cx, cy = px(stats.x), py(stats.y)
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="19" fill="{colour}" stroke="#fff" stroke-width="3"/>'
            f'<text x="{cx:.1f}" y="{cy + 8:.1f}" font-size="22" font-weight="700" fill="#fff" '
            f'text-anchor="middle">{index + 1}</text>'
        )
    alt = "; ".join(f"{i + 1}. {label}" for i, (label, _s) in enumerate(series))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" class="bf-matrix-svg" '
        f'aria-label="{esc(alt)}">{join_list(parts)}</svg>'
    )
    legend = join_list(
        tag(
            "li",
            tag("span", str(i + 1), cls="bf-legend-dot", style=f"background:{PALETTE[i % len(PALETTE)]}")
            + esc(short(label, 90))
            + (tag("span", esc(f" · n={s.n}"), cls="bf-legend-n") if s else ""),
        )
        for i, (label, s) in enumerate(series)
    )
    return tag("div", svg + tag("ol", legend, cls="bf-matrix-legend"), cls="bf-matrix")


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
