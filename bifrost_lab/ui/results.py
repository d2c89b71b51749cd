"""A step's results on the projector and the phone: one input's chart, split by role where the rule allows.

Which chart an input gets is its input type's business (bifrost_lab/inputs/); which answers a figure
may use is the aggregation rule's (bifrost_lab/aggregation.py). This module only puts them together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from bifrost_lab import aggregation as agg
from bifrost_lab import rooms, store
from bifrost_lab.inputs.base import InputContext
from bifrost_lab.inputs.registry import input_type
from bifrost_lab.markup import esc, join_list, tag
from bifrost_lab.ui.projector_charts import board_targets, target_labels


def input_context(
    room: store.Room, board: rooms.Board, spec: dict[str, Any], language: str, _: Callable[[str], str]
) -> InputContext:
    """Everything a widget or a chart of this input needs from the page's board."""
    targets = board_targets(room, board, spec)
    return InputContext(
        spec,
        targets,
        target_labels(room, board, spec, language, targets),
        language,
        _,
        functools.partial(step_answers, room, board),
        lambda role: _("Others") if role == agg.OTHERS else rooms.role_label(room, role, language),
    )


def step_answers(room: store.Room, board: rooms.Board, step_id: str, type_name: str) -> list[agg.Answer]:
    """The counted answers to the (first) input of type `type_name` in step `step_id`, from the board."""
    step = rooms.step_by_id(room, step_id)
    kind = input_type(type_name)
    slot = next((s for s, spec in rooms.step_inputs(step) if spec.get("type") == type_name), None) if step else None
    if step is None or kind is None or slot is None:
        return []
    return agg.answers_of(board.answers(step_id, kind.kind, rooms._row_slot(step, slot)), board.role_of)


def spec_results_html(
    room: store.Room,
    board: rooms.Board,
    step: dict,
    slot: str,
    spec: dict,
    language: str,
    _: Callable[[str], str],
    *,
    split_roles: bool = True,
) -> str:
    """The chart(s) for one input of a step, split by role where the k >= 3 rule allows."""
    kind = input_type(spec.get("type"))
    if kind is None:
        return ""
    rows = board.answers(step["id"], kind.kind, rooms._row_slot(step, slot))
    answers = agg.answers_of(rows, board.role_of)
    if not answers:
        return tag("div", esc(_("No answers yet.")), cls="bf-results-empty")
    chart = kind.projector(input_context(room, board, spec, language, _))
    html = chart(answers)
    pending = agg.waiting(answers)
    if pending:
        html += tag(
            "div",
            esc(
                _(
                    "{shown} of {n} answers shown: results change in steps of {k}, so no one's answer stands out."
                ).format(shown=agg.respondents(answers), n=len(answers), k=agg.K_MIN)
            ),
            cls="bf-results-pending",
        )
    groups = agg.role_split(answers) if split_roles and kind.split_on_projector else []
    if groups:
        panels = []
        for role, members in groups:
            name = _("Others") if role == agg.OTHERS else rooms.role_label(room, role, language)
            panels.append(
                tag(
                    "section",
                    tag("h4", esc(f"{name} (n={len(members)})"), cls="bf-split-title") + chart(members),
                    cls="bf-split-panel",
                )
            )
        html += tag(
            "details",
            tag("summary", esc(_("By role (groups of 3 or more)"))) + tag("div", join_list(panels), cls="bf-split"),
            cls="bf-split-wrap",
            open="open",
            data_fit_drop="1",  # the projector drops the split first when the whole chart does not fit
        )
    return html
