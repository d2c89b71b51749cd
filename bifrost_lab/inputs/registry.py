"""The one table of input types: a type is registered here and nowhere else."""

from __future__ import annotations

from bifrost_lab.inputs import budget, choice, dot_vote, matrix_2x2, ranking, rating, shift, words
from bifrost_lab.inputs.base import InputType

INPUT_TYPES: dict[str, InputType] = {
    t.name: t
    for t in (
        dot_vote.INPUT,
        ranking.INPUT,
        rating.INPUT,
        matrix_2x2.INPUT,
        choice.INPUT,
        budget.INPUT,
        words.INPUT,
        shift.INPUT,
    )
}
BY_KIND: dict[str, InputType] = {t.kind: t for t in INPUT_TYPES.values()}


def input_type(name: str | None) -> InputType | None:
    """The input type a programme's `type:` names, or None for cards, solutions and steps without input."""
    return INPUT_TYPES.get(name or "")
