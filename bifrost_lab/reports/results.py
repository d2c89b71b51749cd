"""Numbers behind the summary's priorities: pure functions over stored inputs (no HTML, no SQL).

Payloads follow the input contract (docs/export.md): vote {"dots": {TARGET: n}}, rating {"ratings":
{"<item>": 1..5}}, rank {"order": [TARGET, ...]}, placement {"placements": {TARGET: {"x", "y"}}},
choice {"selected": [index, ...]}. TARGET is "item:<i>", "card:<input id>" or "cluster:<id>".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bifrost_lab.store import Input

MIN_GROUP = 3  # a role is shown on its own only with at least this many respondents (k-anonymity)
REST_GROUP = "__rest__"  # the respondents of all smaller roles together (and rows entered for the room)
KIND_INPUT_TYPE = {
    "vote": "dot_vote",
    "rating": "rating",
    "rank": "ranking",
    "placement": "matrix_2x2",
    "choice": "choice",
}


@dataclass(frozen=True)
class Score:
    """One target's result: `value` (dots, Borda points, mean, count), respondents `n`."""

    target: str
    value: float
    n: int


@dataclass(frozen=True)
class RatingResult:
    item: str  # the item index as a string, as in the payload
    n: int
    mean: float
    distribution: tuple[int, ...]  # counts of 1..5


@dataclass(frozen=True)
class PlacementResult:
    target: str
    n: int
    x: float
    y: float
    points: tuple[tuple[float, float], ...]


def respondent_key(item: Input) -> str:
    """Who answered: the participant, or the row itself when the moderator entered it for the room."""
    return item.participant_id or f"room:{item.id}"


def role_groups(inputs: Iterable[Input], roles: Mapping[str, str]) -> dict[str, set[str]] | None:
    """Respondents grouped by role for a split, or None when a split would single people out.

    Roles with at least MIN_GROUP respondents are shown on their own; the others form REST_GROUP.
    The rest must itself be empty or at least MIN_GROUP, because the total is always shown and a
    small rest could otherwise be worked out by subtraction. A split needs two groups or more.
    """
    by_role: dict[str, set[str]] = defaultdict(set)
    for item in inputs:
        key = respondent_key(item)
        by_role[roles.get(item.participant_id or "", REST_GROUP)].add(key)
    groups = {role: keys for role, keys in by_role.items() if role != REST_GROUP and len(keys) >= MIN_GROUP}
    rest = set().union(*(keys for role, keys in by_role.items() if role not in groups)) if by_role else set()
    if rest and len(rest) < MIN_GROUP:
        return None
    if rest:
        groups[REST_GROUP] = rest
    return groups if len(groups) >= 2 else None


def of_group(inputs: Iterable[Input], members: set[str]) -> list[Input]:
    return [i for i in inputs if respondent_key(i) in members]


def vote_totals(votes: Iterable[Input]) -> list[Score]:
    """Dots per target, most first; n = how many people put at least one dot on it."""
    dots: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for vote in votes:
        for target, count in (vote.payload.get("dots") or {}).items():
            if isinstance(count, (int, float)) and count > 0:
                dots[target] += int(count)
                people[target] += 1
    return [Score(t, float(d), people[t]) for t, d in sorted(dots.items(), key=lambda kv: (-kv[1], kv[0]))]


def rating_results(ratings: Iterable[Input]) -> list[RatingResult]:
    """Mean and 1–5 distribution per item, in item order."""
    values: dict[str, list[int]] = defaultdict(list)
    for row in ratings:
        for item, value in (row.payload.get("ratings") or {}).items():
            if isinstance(value, (int, float)) and 1 <= value <= 5:
                values[str(item)].append(int(value))
    results = []
    for item in sorted(values, key=_item_order):
        vals = values[item]
        results.append(RatingResult(item, len(vals), sum(vals) / len(vals), tuple(vals.count(v) for v in range(1, 6))))
    return results


def borda(ranks: Iterable[Input], candidates: int | None = None) -> list[Score]:
    """Borda count: with m candidates, first place gets m-1 points, last 0. Highest first."""
    points: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for row in ranks:
        order = [t for t in (row.payload.get("order") or []) if isinstance(t, str)]
        m = max(candidates or 0, len(order))
        for position, target in enumerate(order):
            points[target] += m - 1 - position
            people[target] += 1
    return [Score(t, float(p), people[t]) for t, p in sorted(points.items(), key=lambda kv: (-kv[1], kv[0]))]


def placement_results(placements: Iterable[Input]) -> list[PlacementResult]:
    """Mean position per target (x = effort, y = impact, both 0..1), most-placed first."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in placements:
        for target, where in (row.payload.get("placements") or {}).items():
            try:
                x, y = float(where["x"]), float(where["y"])
            except (KeyError, TypeError, ValueError):
                continue
            if 0 <= x <= 1 and 0 <= y <= 1:
                points[target].append((x, y))
    results = [
        PlacementResult(t, len(p), sum(x for x, _ in p) / len(p), sum(y for _, y in p) / len(p), tuple(p))
        for t, p in points.items()
    ]
    return sorted(results, key=lambda r: (-r.n, r.target))


def quadrant(x: float, y: float) -> str:
    """content_spec §0.3: quick wins (high impact, low effort), big bets, small things, time wasters."""
    if y >= 0.5:
        return "quick_win" if x < 0.5 else "big_bet"
    return "small_thing" if x < 0.5 else "time_waster"


def choice_counts(choices: Iterable[Input]) -> list[Score]:
    """How many people chose each option, in option order."""
    counts: Counter[str] = Counter()
    for row in choices:
        for option in set(row.payload.get("selected") or []):
            counts[f"item:{option}"] += 1
    return [Score(t, float(c), int(c)) for t, c in sorted(counts.items(), key=lambda kv: _item_order(kv[0]))]


def _item_order(key: str) -> tuple[int, str]:
    tail = key.rsplit(":", 1)[-1]
    return (int(tail), key) if tail.isdigit() else (10**6, key)


def spec_for_kind(step: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The step's input spec (primary or secondary) that collects this kind of input."""
    wanted = KIND_INPUT_TYPE.get(kind, kind)
    for spec in (step.get("input"), step.get("secondary_input")):
        if isinstance(spec, Mapping) and spec.get("type") == wanted:
            return dict(spec)
    return {}
