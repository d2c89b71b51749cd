"""Charts for the exports as inline SVG: vector for print, no script, no font download, no import cost.

Every chart is a <figure> whose <svg> has role="img", an aria-label and a <title> (the alt text) that
say the numbers in words, so the document reads the same without the picture.
"""

from __future__ import annotations

from collections.abc import Sequence

from bifrost_lab.markup import esc, join_list, shorten, tag

INK = "#1d2330"
MUTED = "#5a6372"
LINE = "#d7dce3"
ACCENT = "#0b5c8a"
PALETTE = ("#0b5c8a", "#d2691e", "#2e8b57", "#8a4b9c", "#b8860b", "#c0392b", "#4a6d7c", "#7a7a7a")
SCALE = ("#c0392b", "#e67e22", "#bfbfbf", "#7fb3d5", "#0b5c8a")  # 1..5
LABEL_CHARS = 42


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return shorten(text, limit)


def _svg(width: int, height: int, alt: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{esc(alt)}" class="bf-chart" style="max-width:{width}px">'
        f"<title>{esc(alt)}</title>{body}</svg>"
    )


def _text(
    x: float, y: float, value: str, *, anchor: str = "start", size: int = 12, fill: str = INK, weight: str = "normal"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-weight="{weight}">{esc(value)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}"/>'


def figure(svg: str, caption: str) -> str:
    return tag("figure", svg + tag("figcaption", esc(caption)), cls="bf-figure")


def bar_chart(rows: Sequence[tuple[str, float]], *, alt: str, caption: str, unit: str = "", decimals: int = 0) -> str:
    """Horizontal bars, one per (label, value), in the given order."""
    width, label_w, row_h = 720, 300, 26
    height = row_h * len(rows) + 12
    top = max((v for _, v in rows), default=0) or 1
    parts = []
    for index, (label, value) in enumerate(rows):
        y = 6 + index * row_h
        bar = (width - label_w - 70) * value / top
        parts.append(_text(label_w - 8, y + 17, short(label), anchor="end"))
        parts.append(_rect(label_w, y + 4, bar, row_h - 8, ACCENT))
        parts.append(_text(label_w + bar + 6, y + 17, f"{value:.{decimals}f}{unit}", fill=MUTED))
    return figure(_svg(width, height, alt, join_list(parts)), caption)


def distribution_chart(
    rows: Sequence[tuple[str, Sequence[int], str]],
    *,
    alt: str,
    caption: str,
    scale_labels: Sequence[str] = ("1", "2", "3", "4", "5"),
) -> str:
    """One stacked bar per rating item: the share of answers 1..5, with the mean (as text) at the end."""
    width, label_w, row_h = 720, 260, 30
    bar_w = width - label_w - 70
    height = row_h * len(rows) + 34
    parts = []
    for index, (label, counts, mean) in enumerate(rows):
        y = 4 + index * row_h
        total = sum(counts) or 1
        x = float(label_w)
        parts.append(_text(label_w - 8, y + 19, short(label, 36), anchor="end"))
        for value, count in enumerate(counts):
            w = bar_w * count / total
            parts.append(_rect(x, y + 5, w, row_h - 10, SCALE[value]))
            if count and w > 16:
                parts.append(
                    _text(
                        x + w / 2, y + 19, str(count), anchor="middle", size=11, fill="#fff" if value in (0, 4) else INK
                    )
                )
            x += w
        parts.append(_text(label_w + bar_w + 8, y + 19, mean, weight="bold"))
    legend_y = height - 10
    for value, label in enumerate(scale_labels):
        lx = label_w + value * (bar_w / 5)
        parts.append(_rect(lx, legend_y - 9, 10, 10, SCALE[value]))
        parts.append(_text(lx + 14, legend_y, short(label, 12), size=10, fill=MUTED))
    return figure(_svg(width, height, alt, join_list(parts)), caption)


def matrix_chart(
    points: Sequence[tuple[str, float, float]],
    *,
    alt: str,
    caption: str,
    x_label: str,
    y_label: str,
    quadrants: tuple[str, str, str, str],
) -> str:
    """The impact × effort square: each target's mean as a numbered dot.

    `quadrants` = (high impact/low effort, high/high, low/low, low impact/high effort).
    """
    size, pad = 420, 40
    inner = size - 2 * pad
    parts = [
        f'<rect x="{pad}" y="{pad - 20}" width="{inner}" height="{inner}" fill="#f8fafc" stroke="{LINE}"/>',
        f'<line x1="{pad + inner / 2}" y1="{pad - 20}" x2="{pad + inner / 2}" y2="{pad - 20 + inner}" '
        f'stroke="{LINE}"/>',
        f'<line x1="{pad}" y1="{pad - 20 + inner / 2}" x2="{pad + inner}" y2="{pad - 20 + inner / 2}" '
        f'stroke="{LINE}"/>',
    ]
    q_hl, q_hh, q_ll, q_lh = quadrants
    parts.append(_text(pad + 6, pad - 4, q_hl, size=11, fill=MUTED))
    parts.append(_text(pad + inner - 6, pad - 4, q_hh, size=11, fill=MUTED, anchor="end"))
    parts.append(_text(pad + 6, pad - 26 + inner, q_ll, size=11, fill=MUTED))
    parts.append(_text(pad + inner - 6, pad - 26 + inner, q_lh, size=11, fill=MUTED, anchor="end"))
    parts.append(_text(pad + inner / 2, size - 8, x_label + " →", anchor="middle", size=12, fill=MUTED))
    parts.append(
        f'<text x="14" y="{pad - 20 + inner / 2:.1f}" font-size="12" fill="{MUTED}" text-anchor="middle" '
        f'transform="rotate(-90 14 {pad - 20 + inner / 2:.1f})">{esc(y_label)} →</text>'
    )
    for index, (label, x, y) in enumerate(points):
        cx, cy = pad + x * inner, pad - 20 + (1 - y) * inner
        color = PALETTE[index % len(PALETTE)]
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="11" fill="{color}" opacity="0.9"/>')
        parts.append(_text(cx, cy + 4, label, anchor="middle", size=11, fill="#fff", weight="bold"))
    return figure(_svg(size, size, alt, join_list(parts)), caption)


def stacked_chart(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], *, alt: str, caption: str) -> str:
    """One horizontal stacked bar per row (e.g. participants by role per meeting), with a legend."""
    width, label_w, row_h = 720, 180, 28
    legend_rows = (len(series) + 2) // 3
    height = row_h * len(rows) + 18 * legend_rows + 16
    top = max((sum(v) for _, v in rows), default=0) or 1
    bar_w = width - label_w - 50
    parts = []
    for index, (label, values) in enumerate(rows):
        y = 4 + index * row_h
        x = float(label_w)
        parts.append(_text(label_w - 8, y + 18, short(label, 26), anchor="end"))
        for s, value in enumerate(values):
            w = bar_w * value / top
            parts.append(_rect(x, y + 5, w, row_h - 10, PALETTE[s % len(PALETTE)]))
            x += w
        parts.append(_text(x + 6, y + 18, str(sum(values)), fill=MUTED))
    base = row_h * len(rows) + 16
    for s, name in enumerate(series):
        lx = label_w + (s % 3) * (bar_w / 3)
        ly = base + (s // 3) * 18
        parts.append(_rect(lx, ly - 9, 10, 10, PALETTE[s % len(PALETTE)]))
        parts.append(_text(lx + 14, ly, short(name, 28), size=10, fill=MUTED))
    return figure(_svg(width, height, alt, join_list(parts)), caption)


# ----------------------------------------------------------------------------------------------
# Word cloud (issue 17): rows packed from the middle out, so words never overlap and the layout is the
# same every time for the same counts. Text widths are estimated (no font metrics in a kernel), generously.

CLOUD_COLOURS = ("#0072b2", "#d55e00", "#007a5a", "#a0487f", "#8a5a00", "#1d2330")  # Okabe–Ito, darkened for white
# Letter widths in em of a bold sans-serif (measured on DejaVu Sans Bold, the widest of the page's fonts).
_EM = {**dict.fromkeys("ijlI.,;:'!|", 0.36), **dict.fromkeys("frt()[]-/", 0.52), **dict.fromkeys("mwæœ", 1.06)}
_EM.update(dict.fromkeys("MWÆŒ", 1.12))


def text_width(text: str, size: float, *, bold: bool = True) -> float:
    """A generous estimate of a text's width in the page's sans-serif font, by kind of letter."""
    em = sum(_EM.get(ch, 0.8 if ch.isupper() else 0.35 if ch == " " else 0.72) for ch in text)
    return em * size * (1.06 if bold else 0.98)


def cloud_layout(
    words: Sequence[tuple[str, int]],
    width: float,
    height: float,
    *,
    min_size: float,
    max_size: float,
    keep: int | None = None,
) -> list[tuple[str, int, float, float, float]]:
    """(word, count, x centre, y baseline, font size) for words given most frequent first; none overlap.

    Sizes grow with the square root of the count. Words fill rows left to right in order of count; the
    rows are stacked from the middle out (the first row in the middle, then above, below, ...) and each
    row is centred. When the rows do not fit, the largest size comes down first (to 1.6 × the smallest),
    then words after the first `keep` are left out, and only then do all sizes shrink.
    """
    gap = 0.35

    def box(word: str, size: float) -> float:
        return text_width(word, size) + gap * size

    words = list(words)
    lo, hi = min_size, max(min_size, max_size)
    while words:
        counts = [count for _word, count in words]
        low, high = min(counts), max(counts)
        sizes = [lo + (hi - lo) * (((c - low) / (high - low)) ** 0.5 if high > low else 1) for c in counts]
        rows: list[list[int]] = []
        used = width
        for index, (word, _count) in enumerate(words):
            if rows and used + box(word, sizes[index]) <= width:
                rows[-1].append(index)
                used += box(word, sizes[index])
            else:
                rows.append([index])
                used = box(word, sizes[index])
        heights = [max(sizes[i] for i in row) * 1.22 for row in rows]
        widest = max(sum(box(words[i][0], sizes[i]) for i in row) for row in rows)
        if (sum(heights) <= height and widest <= width) or hi < 1:
            break
        if hi > 1.6 * lo:
            hi = max(1.6 * lo, hi * 0.9)
        elif keep is not None and len(words) > keep:
            words = words[: max(keep, len(words) - 5)]
        else:
            lo, hi = lo * 0.9, hi * 0.9
    if not words:
        return []
    order = sorted(range(len(rows)), key=lambda r: (r + 1) // 2 * (1 if r % 2 else -1))  # middle out: 0, -1, +1, ...
    placed = []
    y = (height - sum(heights)) / 2
    for r in order:
        row = rows[r]
        boxes = [box(words[i][0], sizes[i]) for i in row]
        # the row's first (largest) word in the middle, the next to its right, then left, ...
        sequence: list[int] = []
        for position in range(len(row)):
            if position % 2:
                sequence.append(position)
            else:
                sequence.insert(0, position)
        x = (width - sum(boxes)) / 2
        for position in sequence:
            index = row[position]
            placed.append(
                (words[index][0], words[index][1], x + boxes[position] / 2, y + heights[r] * 0.78, sizes[index])
            )
            x += boxes[position]
        y += heights[r]
    return placed


def cloud_svg(
    words: Sequence[tuple[str, int]],
    *,
    alt: str,
    width: int = 720,
    height: int = 360,
    min_size: float = 12,
    max_size: float = 48,
    keep: int | None = None,
    cls: str = "bf-chart",
) -> str:
    """A word cloud as an <svg> (role img, the alt text as its label and title); words in CLOUD_COLOURS.

    The picture is cut to the rows the words take, so a small cloud leaves no empty band above and below.
    """
    placed = cloud_layout(words, width, height, min_size=min_size, max_size=max_size, keep=keep)
    parts = []
    for index, (word, count, x, y, size) in enumerate(placed):
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" font-weight="700" text-anchor="middle" '
            f'fill="{CLOUD_COLOURS[index % len(CLOUD_COLOURS)]}"><title>{esc(f"{word}: {count}")}</title>'
            f"{esc(word)}</text>"
        )
    margin = min_size / 2
    top = max(0.0, min((y - size for _w, _c, _x, y, size in placed), default=0.0) - margin)
    bottom = min(float(height), max((y + 0.3 * size for _w, _c, _x, y, size in placed), default=height) + margin)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 {top:.0f} {width} {bottom - top:.0f}" width="100%" role="img" '
        f'aria-label="{esc(alt)}" class="{cls}" style="max-width:{width}px"><title>{esc(alt)}</title>'
        f"{join_list(parts)}</svg>"
    )


def word_cloud(words: Sequence[tuple[str, int]], *, alt: str, caption: str) -> str:
    """The summary's word cloud: a figure whose alt text lists every word with its count."""
    return figure(cloud_svg(words, alt=alt), caption)


def shift_chart(
    rows: Sequence[tuple[str, float, float, str]], *, alt: str, caption: str, before_label: str, after_label: str
) -> str:
    """Before/after on the 1–5 scale, one line per (label, mean before, mean after, text): a hollow dot before,
    a filled one after (shape and colour both tell them apart), joined by a line."""
    width, label_w, row_h = 720, 250, 30
    left, right = label_w + 14, width - 110
    height = row_h * len(rows) + 54

    def px(value: float) -> float:
        return left + (min(5.0, max(1.0, value)) - 1) / 4 * (right - left)

    parts = []
    bottom = 8 + row_h * len(rows)
    for value in range(1, 6):
        parts.append(f'<line x1="{px(value):.1f}" y1="6" x2="{px(value):.1f}" y2="{bottom}" stroke="{LINE}"/>')
        parts.append(_text(px(value), bottom + 14, str(value), anchor="middle", size=11, fill=MUTED))
    for index, (label, before, after, shown) in enumerate(rows):
        y = 8 + index * row_h + row_h / 2
        parts.append(_text(label_w - 8, y + 4, short(label, 34), anchor="end"))
        parts.append(
            f'<line x1="{px(before):.1f}" y1="{y:.1f}" x2="{px(after):.1f}" y2="{y:.1f}" stroke="{MUTED}" stroke-width="3"/>'
        )
        parts.append(
            f'<circle cx="{px(before):.1f}" cy="{y:.1f}" r="7" fill="#fff" stroke="{ACCENT}" stroke-width="3"/>'
        )
        parts.append(f'<circle cx="{px(after):.1f}" cy="{y:.1f}" r="7" fill="{CLOUD_COLOURS[1]}"/>')
        parts.append(_text(right + 14, y + 4, shown, weight="bold"))
    legend_y = height - 10
    parts.append(f'<circle cx="{left + 6}" cy="{legend_y - 4}" r="6" fill="#fff" stroke="{ACCENT}" stroke-width="3"/>')
    parts.append(_text(left + 18, legend_y, short(before_label, 30), size=11, fill=MUTED))
    parts.append(f'<circle cx="{left + 186}" cy="{legend_y - 4}" r="6" fill="{CLOUD_COLOURS[1]}"/>')
    parts.append(_text(left + 198, legend_y, short(after_label, 30), size=11, fill=MUTED))
    return figure(_svg(width, height, alt, join_list(parts)), caption)
