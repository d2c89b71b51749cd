"""The one place where answers are aggregated: projector, phone, summary, synthesis and raw-data exports call it.

Pure functions over `Answer`s (no SQL, no widgets, no HTML), so participant kernels stay light.

The privacy rule (k = K_MIN = 3) covers every figure and every subtraction between figures:
- A figure is computed over whole blocks of k respondents, taken in the order they first answered:
  with 7 answers, the first 6 are shown and the 7th waits for two more. So two figures of the same
  input shown at different times differ by whole blocks of k people, never by one answer.
- An item that only some respondents answer (a rating item left out, a card not placed on the 2x2)
  has its own blocks: the respondents who answered that item, within the shown ones, in whole blocks.
- A role split is a partition of the shown respondents into whole blocks of k: the first k, 2k, ...
  respondents of each role with at least k of them shown, and the rest ("others"). The groups add up
  to the total exactly, and each is a multiple of k, so no group can be worked out by subtraction.
- A before/after pair (two rating steps, `shift`) is shown over whole blocks of the before step: its shown
  raters of an item in blocks of k, each block kept only when all of it answered after too; a role's
  blocks likewise, the others' group only as a whole. Every paired set is a union of sets the before step
  shows itself, so pairing adds no set to what the room can work out.
- The moderator (the facilitator role) never counts.
tests/test_aggregation.py proves with hypothesis that no set of fewer than k respondents can be
derived, by any linear combination, from everything shown for a step over the whole meeting.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bifrost_lab import rooms, store

K_MIN = 3
SCALE = (1, 2, 3, 4, 5)
OTHERS = "__others__"  # the group of smaller roles and of the latest answers of larger roles


@dataclass(frozen=True)
class Answer:
    """One respondent's answer to one input, as aggregation sees it."""

    respondent: str  # the participant, or "room:<row id>" for an answer the moderator entered for the room
    role: str | None
    payload: Mapping[str, Any]
    at: float  # when it was first given: fixes the order of the blocks of k


@dataclass(frozen=True)
class Score:
    """One target's result: `value` (dots, Borda points, count), respondents `n` who gave it something."""

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


@dataclass(frozen=True)
class BudgetResult:
    target: str
    total: float  # points given to the target
    mean: float  # points per shown respondent (those who gave it none count as 0)
    n: int  # respondents who gave it points


@dataclass(frozen=True)
class WordCount:
    stem: str  # the normalised word the count is about
    word: str  # its most common surface form, the one shown
    count: int  # respondents who used it


@dataclass(frozen=True)
class ShiftResult:
    """One rating item asked before and after, over the same people."""

    item: str
    before: RatingResult
    after: RatingResult

    @property
    def n(self) -> int:
        return self.before.n

    @property
    def change(self) -> float:
        return self.after.mean - self.before.mean


def respondent_key(row: store.Input) -> str:
    """Who answered: the participant, or the row itself when the moderator entered it for the room."""
    return row.participant_id or f"room:{row.id}"


def answers_of(rows: Iterable[store.Input], role_of: Callable[[store.Input], str | None]) -> list[Answer]:
    """The answers that count, from stored rows: the facilitator's own answers never do."""
    found = []
    for row in rows:
        role = role_of(row)
        if role == rooms.FACILITATOR_ROLE:
            continue
        found.append(Answer(respondent_key(row), role, row.payload, row.created_at))
    return found


def ordered(answers: Iterable[Answer]) -> list[Answer]:
    return sorted(answers, key=lambda a: (a.at, a.respondent))


def shown(answers: Iterable[Answer], k: int = K_MIN) -> list[Answer]:
    """The answers a figure may use: whole blocks of k, in the order people first answered."""
    first = ordered(answers)
    return first[: len(first) - len(first) % k]


def waiting(answers: Sequence[Answer], k: int = K_MIN) -> int:
    """How many answers are not in the figures yet (fewer than k)."""
    return len(answers) % k


def per_item(
    answers: Iterable[Answer], items_of: Callable[[Answer], Iterable[str]], k: int = K_MIN
) -> dict[str, list[Answer]]:
    """For items not every respondent answers: each item's shown answers, in whole blocks of its own."""
    by_item: dict[str, list[Answer]] = defaultdict(list)
    for answer in shown(answers, k):
        for item in items_of(answer):
            by_item[item].append(answer)
    return {item: shown(found, k) for item, found in by_item.items() if len(found) >= k}


def role_split(answers: Iterable[Answer], k: int = K_MIN) -> list[tuple[str, list[Answer]]]:
    """The shown answers split by role, or [] when a split would show a single group.

    Each role with at least k shown answers gets its first whole blocks of k; everything else (smaller
    roles, answers entered for the room, a larger role's latest answers) is OTHERS. Every group is a
    multiple of k and together they are exactly the shown answers, so the total minus any groups is
    again a whole number of blocks. Largest group first, OTHERS last.
    """
    base = shown(answers, k)
    by_role: dict[str, list[Answer]] = defaultdict(list)
    for answer in base:
        if answer.role:
            by_role[answer.role].append(answer)
    groups = [(role, members[: len(members) - len(members) % k]) for role, members in by_role.items()]
    groups = sorted(((r, m) for r, m in groups if m), key=lambda rm: (-len(rm[1]), rm[0]))
    taken = {a.respondent for _role, members in groups for a in members}
    others = [a for a in base if a.respondent not in taken]
    if others:
        groups.append((OTHERS, others))
    return groups if len(groups) >= 2 else []


# ----------------------------------------------------------------------------------------------
# Figures per kind of answer (payloads follow the input contract in docs/export.md)


def vote_totals(answers: Iterable[Answer], order: Sequence[str] = (), k: int = K_MIN) -> list[Score]:
    """Dots per target, most first (ties in listed order); n = people who put at least one dot on it."""
    dots: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for answer in shown(answers, k):
        for target, count in (answer.payload.get("dots") or {}).items():
            if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                dots[target] += count
                people[target] += 1
    return [Score(t, float(d), people[t]) for t, d in _by_value(dots, order)]


def borda(answers: Iterable[Answer], order: Sequence[str] = (), k: int = K_MIN) -> list[Score]:
    """Borda count: with m candidates, first place earns m-1 points, last 0; highest first, ties in listed order."""
    points: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for answer in shown(answers, k):
        ranked = [t for t in (answer.payload.get("order") or []) if isinstance(t, str)]
        m = max(len(order), len(ranked))
        for position, target in enumerate(ranked):
            points[target] += m - 1 - position
            people[target] += 1
    for target in order:
        points.setdefault(target, 0)
    return [Score(t, float(p), people[t]) for t, p in _by_value(points, order)]


def rating_results(answers: Iterable[Answer], k: int = K_MIN) -> list[RatingResult]:
    """Mean and 1–5 distribution per item, in item order; an item shows only whole blocks of its raters."""

    def rated(answer: Answer) -> list[str]:
        return [str(i) for i, v in (answer.payload.get("ratings") or {}).items() if _scale_value(v) is not None]

    results = []
    for item, found in sorted(per_item(answers, rated, k).items(), key=lambda kv: _item_order(kv[0])):
        values = [_scale_value(a.payload["ratings"][_key_of(a.payload["ratings"], item)]) for a in found]
        vals = [v for v in values if v is not None]
        results.append(RatingResult(item, len(vals), sum(vals) / len(vals), tuple(vals.count(v) for v in SCALE)))
    return results


def placement_results(answers: Iterable[Answer], k: int = K_MIN) -> list[PlacementResult]:
    """Mean position per target (x = effort, y = impact, both 0..1), most-placed first."""

    def placed(answer: Answer) -> list[str]:
        return [t for t, where in (answer.payload.get("placements") or {}).items() if _point(where) is not None]

    results = []
    for target, found in per_item(answers, placed, k).items():
        points = [p for p in (_point(a.payload["placements"][target]) for a in found) if p is not None]
        results.append(
            PlacementResult(
                target,
                len(points),
                sum(x for x, _ in points) / len(points),
                sum(y for _, y in points) / len(points),
                tuple(points),
            )
        )
    return sorted(results, key=lambda r: (-r.n, r.target))


def choice_counts(answers: Iterable[Answer], option_count: int | None = None, k: int = K_MIN) -> list[Score]:
    """How many people chose each option, in option order (every option listed when option_count is given)."""
    counts: Counter[str] = Counter()
    for answer in shown(answers, k):
        for option in set(answer.payload.get("selected") or []):
            if isinstance(option, int) and not isinstance(option, bool) and option >= 0:
                counts[f"item:{option}"] += 1
    if option_count is not None:
        counts = Counter({f"item:{i}": counts.get(f"item:{i}", 0) for i in range(option_count)})
    return [Score(t, float(c), int(c)) for t, c in sorted(counts.items(), key=lambda kv: _item_order(kv[0]))]


def budget_results(answers: Iterable[Answer], order: Sequence[str] = (), k: int = K_MIN) -> list[BudgetResult]:
    """Points per target, most first (ties in listed order): the total, and the mean over every shown respondent.

    A partial budget is a valid answer: its unspent points go nowhere, and a target someone left out counts
    as 0 in that respondent's share of the mean.
    """
    base = shown(answers, k)
    totals: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for answer in base:
        given = answer.payload.get("points")
        for target, count in given.items() if isinstance(given, Mapping) else ():
            if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                totals[str(target)] += count
                people[str(target)] += 1
    for target in order:
        totals.setdefault(target, 0)
    size = len(base) or 1
    return [BudgetResult(t, float(v), v / size, people[t]) for t, v in _by_value(totals, order)]


def word_counts(
    answers: Iterable[Answer], tokens: Callable[[str, str], Iterable[tuple[str, str]]], k: int = K_MIN
) -> list[WordCount]:
    """How many respondents used each word, most first; `tokens(text, language)` gives (stem, surface form) pairs.

    A respondent counts once per word however often they wrote it. Each word is shown in its most common
    surface form (ties: the shorter, then the alphabetically first).
    """
    people: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for answer in shown(answers, k):
        language = answer.payload.get("language")
        language = language if isinstance(language, str) else "da"
        texts = answer.payload.get("words")
        mine: dict[str, list[str]] = {}
        for text in texts if isinstance(texts, list) else ():
            if isinstance(text, str):
                for stem, surface in tokens(text, language):
                    mine.setdefault(stem, []).append(surface)
        for stem, surfaces in mine.items():
            people[stem] += 1
            forms[stem].update(surfaces)
    found = [
        WordCount(stem, min(forms[stem].items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0], count)
        for stem, count in people.items()
    ]
    return sorted(found, key=lambda w: (-w.count, w.word, w.stem))


def paired(before: Iterable[Answer], after: Iterable[Answer], k: int = K_MIN) -> dict[str, list[Answer]]:
    """Per rating item, the before answers of the people a before/after comparison may use.

    The paired set of an item is made of the before step's own blocks: its shown raters of the item, cut into
    whole blocks of k in the order they first answered, and a block counts only when all k rated the item
    after as well. Every paired set is thus a union of sets the before step shows itself, and nothing shown
    about the pairs narrows a figure down to fewer than k people (tests/test_privacy_rule.py).
    """
    return _pairs(list(before), after, k, chunked=True)


def paired_by_role(
    before: Iterable[Answer], after: Iterable[Answer], k: int = K_MIN
) -> list[tuple[str, dict[str, list[Answer]]]]:
    """`paired` per role group of the before step's split ([] when it has no split).

    A role's blocks pair like the total's; the OTHERS group pairs only as a whole (all of it answered both),
    because its members change as the larger roles fill their blocks.
    """
    later = list(after)
    return [(role, _pairs(group, later, k, chunked=role != OTHERS)) for role, group in role_split(before, k)]


def shift_results(before: Iterable[Answer], after: Iterable[Answer], k: int = K_MIN) -> list[ShiftResult]:
    """Per rating item, the before and after distributions of the same people (`paired`), in item order."""
    later = list(after)
    return _shifts(paired(before, later, k), later)


def shift_split(
    before: Iterable[Answer], after: Iterable[Answer], k: int = K_MIN
) -> list[tuple[str, list[ShiftResult]]]:
    """`shift_results` per role group of the before step's split (`paired_by_role`)."""
    later = list(after)
    return [(role, _shifts(pairs, later)) for role, pairs in paired_by_role(before, later, k)]


def quadrant(x: float, y: float) -> str:
    """content_spec §0.3: quick wins (high impact, low effort), big bets, small things, time wasters."""
    if y >= 0.5:
        return "quick_win" if x < 0.5 else "big_bet"
    return "small_thing" if x < 0.5 else "time_waster"


def respondents(answers: Iterable[Answer], k: int = K_MIN) -> int:
    """How many people the figures are about."""
    return len(shown(answers, k))


# ----------------------------------------------------------------------------------------------


def _by_value(values: Mapping[str, float], order: Sequence[str]) -> list[tuple[str, float]]:
    """Highest first; ties in the listed order, then unlisted targets in their natural order."""
    rank = {t: i for i, t in enumerate(order)}
    return sorted(values.items(), key=lambda kv: (-kv[1], rank.get(kv[0], len(rank)), _item_order(kv[0])))


def _item_order(key: str) -> tuple[int, str]:
    tail = key.rsplit(":", 1)[-1]
    return (int(tail), key) if tail.isdigit() else (10**6, key)


def _scale_value(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value) if int(value) in SCALE else None


def _ratings_of(answer: Answer) -> dict[str, int]:
    """An answer's valid ratings by item index as a string."""
    ratings = answer.payload.get("ratings")
    if not isinstance(ratings, Mapping):
        return {}
    valid = {str(item): _scale_value(value) for item, value in ratings.items()}
    return {item: value for item, value in valid.items() if value is not None}


def _rating_of(item: str, values: Sequence[int]) -> RatingResult:
    return RatingResult(item, len(values), sum(values) / len(values), tuple(values.count(v) for v in SCALE))


def _pairs(base: Sequence[Answer], after: Iterable[Answer], k: int, *, chunked: bool) -> dict[str, list[Answer]]:
    """Per item, the blocks of `base`'s raters (or all of them, not chunked) whose members all rated it after."""
    later = {answer.respondent: _ratings_of(answer) for answer in after}
    found = {}
    for item, raters in per_item(base, lambda a: list(_ratings_of(a)), k).items():
        blocks = [raters[i : i + k] for i in range(0, len(raters), k)] if chunked else [raters]
        kept = [a for block in blocks if all(item in later.get(m.respondent, {}) for m in block) for a in block]
        if kept:
            found[item] = kept
    return found


def _shifts(pairs: Mapping[str, Sequence[Answer]], after: Iterable[Answer]) -> list[ShiftResult]:
    later = {answer.respondent: _ratings_of(answer) for answer in after}
    return [
        ShiftResult(
            item,
            _rating_of(item, [_ratings_of(a)[item] for a in kept]),
            _rating_of(item, [later[a.respondent][item] for a in kept]),
        )
        for item, kept in sorted(pairs.items(), key=lambda kv: _item_order(kv[0]))
    ]


def _key_of(ratings: Mapping[Any, Any], item: str) -> Any:
    return item if item in ratings else next(key for key in ratings if str(key) == item)


def _point(where: Any) -> tuple[float, float] | None:
    try:
        x, y = float(where["x"]), float(where["y"])
    except (KeyError, TypeError, ValueError):
        return None
    return (x, y) if 0 <= x <= 1 and 0 <= y <= 1 else None
