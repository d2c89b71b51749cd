"""Pure aggregation of the room's answers (payloads of the input contract): no database, no widgets.

Role splits follow the k >= 3 rule: a role is shown on its own only when at least three people of
that role answered; smaller roles are pooled, and a pool below three is not shown at all.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

K_MIN = 3
SCALE = (1, 2, 3, 4, 5)
POOLED = "__pooled__"  # the group of roles that are too small to show on their own


@dataclass(frozen=True)
class RatingStats:
    item: int
    counts: tuple[int, ...]  # how many chose 1..5
    n: int
    mean: float | None


@dataclass(frozen=True)
class PlacementStats:
    target: str
    points: tuple[tuple[float, float], ...]
    mean_x: float
    mean_y: float

    @property
    def n(self) -> int:
        return len(self.points)


def dot_totals(payloads: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Dots per target over every vote."""
    totals: Counter[str] = Counter()
    for payload in payloads:
        for target, count in (payload.get("dots") or {}).items():
            if isinstance(count, int) and count > 0:
                totals[target] += count
    return dict(totals)


def rating_stats(payloads: Iterable[Mapping[str, Any]], item_count: int) -> list[RatingStats]:
    """Distribution over 1..5 and mean per item (items nobody rated have mean None)."""
    counts = [[0] * len(SCALE) for _ in range(item_count)]
    for payload in payloads:
        for key, value in (payload.get("ratings") or {}).items():
            index = int(key) if str(key).isdigit() else -1
            if 0 <= index < item_count and value in SCALE:
                counts[index][value - 1] += 1
    result = []
    for index, row in enumerate(counts):
        n = sum(row)
        mean = sum(v * c for v, c in zip(SCALE, row)) / n if n else None
        result.append(RatingStats(index, tuple(row), n, mean))
    return result


def borda(orders: Iterable[Sequence[str]], candidates: Sequence[str]) -> list[tuple[str, int]]:
    """Borda count: with m candidates, first place earns m-1 points, last 0; unranked earn nothing.

    Sorted by points, ties in the candidates' listed order.
    """
    m = len(candidates)
    points = {c: 0 for c in candidates}
    for order in orders:
        for position, target in enumerate(order):
            if target in points:
                points[target] += m - 1 - position
    rank = {c: i for i, c in enumerate(candidates)}
    return sorted(points.items(), key=lambda kv: (-kv[1], rank[kv[0]]))


def placement_stats(payloads: Iterable[Mapping[str, Any]]) -> dict[str, PlacementStats]:
    """Every placement per target with its mean (x = effort, y = impact, both 0..1)."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for payload in payloads:
        for target, point in (payload.get("placements") or {}).items():
            try:
                points[target].append((float(point["x"]), float(point["y"])))
            except (KeyError, TypeError, ValueError):
                continue
    return {
        t: PlacementStats(t, tuple(p), sum(x for x, _ in p) / len(p), sum(y for _, y in p) / len(p))
        for t, p in points.items()
        if p
    }


def quadrant(x: float, y: float) -> str:
    """content_spec: quick wins (high impact, low effort), big bets, small things, time wasters."""
    if y >= 0.5:
        return "quick_win" if x < 0.5 else "big_bet"
    return "small_thing" if x < 0.5 else "time_waster"


def choice_counts(payloads: Iterable[Mapping[str, Any]], option_count: int) -> list[int]:
    """How many answers selected each option."""
    counts = [0] * option_count
    for payload in payloads:
        for index in payload.get("selected") or []:
            if isinstance(index, int) and 0 <= index < option_count:
                counts[index] += 1
    return counts


def role_groups(rows: Iterable[tuple[str | None, Any]], k: int = K_MIN) -> list[tuple[str, list[Any]]]:
    """Split answers by the respondent's role where that is safe.

    `rows` are (role, answer) with one answer per respondent. Roles with >= k answers get their own
    group (largest first); the rest are pooled as POOLED if the pool has >= k answers, else left out.
    Answers without a role (entered for the room) are in no group. Returns [] when fewer than two
    groups would be shown: a split of one group says nothing the total does not.
    """
    by_role: dict[str, list[Any]] = defaultdict(list)
    for role, answer in rows:
        if role:
            by_role[role].append(answer)
    shown = sorted(((r, a) for r, a in by_role.items() if len(a) >= k), key=lambda ra: (-len(ra[1]), ra[0]))
    pooled = [answer for role, answers in by_role.items() if len(answers) < k for answer in answers]
    groups = list(shown) + ([(POOLED, pooled)] if len(pooled) >= k else [])
    return groups if len(groups) >= 2 else []


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
