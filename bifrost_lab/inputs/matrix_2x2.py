"""Impact × effort (`matrix_2x2`): each participant places items on a 2×2 of effort and impact.

One module holds everything of this input type: validation (`parse`), the phone widget, the projector
view, the figures (through bifrost_lab.aggregation), the summary section, the raw-data answer and the
demo answer; `INPUT` registers it in bifrost_lab/inputs/registry.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from bifrost_lab import aggregation as agg
from bifrost_lab import i18n, rooms, store
from bifrost_lab.i18n import N_
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section, _label_html, _scale_buttons
from bifrost_lab.markup import esc, tag
from bifrost_lab.reports import blocks
from bifrost_lab.reports import charts as report_charts
from bifrost_lab.ui import projector_charts as view

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """Place items on the effort (x) × impact (y) grid: {target: {"x": 0..1, "y": 0..1}}."""
    if not isinstance(value, dict) or not value:
        raise rooms.Rejected(rooms.MSG_PLACE_SOME)
    allowed = set(rooms.valid_targets(engine, room, spec))
    clean: dict[str, dict[str, float]] = {}
    for target, point in value.items():
        if target not in allowed:
            raise rooms.Rejected(rooms.MSG_UNKNOWN_TARGET)
        if not isinstance(point, dict):
            raise rooms.Rejected(rooms.MSG_PLACE_SOME)
        coords = {}
        for axis in ("x", "y"):
            value = point.get(axis)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise rooms.Rejected(rooms.MSG_PLACE_SOME)
            coords[axis] = round(float(value), 4)
        clean[target] = coords
    return {"placements": clean}


class MatrixSection(Section):
    css = "bf-matrix-input"

    def __init__(
        self,
        targets: Sequence[str],
        labels: dict[str, str],
        current: dict | None,
        _: Callable[[str], str],
        save: Save,
        **kwargs: Any,
    ) -> None:
        super().__init__(_, save, **kwargs)
        placed = (current or {}).get("placements") or {}
        self.targets = list(targets)
        self.axes: dict[str, tuple[w.ToggleButtons, w.ToggleButtons]] = {}
        rows: list[w.Widget] = [
            w.HTML(
                tag(
                    "div",
                    esc(
                        _(
                            "For each item: how much effect would it have, and how much "
                            "effort would it take? 1 = low, 5 = high."
                        )
                    ),
                    cls="bf-hint",
                )
            )
        ]
        for number, target in enumerate(self.targets, start=1):
            point = placed.get(target) or {}
            label = labels.get(target, "?")
            impact = _scale_buttons(round(point["y"] * 4) + 1 if "y" in point else None, "bf-impact", _("Impact"))
            effort = _scale_buttons(round(point["x"] * 4) + 1 if "x" in point else None, "bf-effort", _("Effort"))
            for buttons in (impact, effort):
                buttons.disabled = self.locked
                buttons.observe(lambda _c: self._on_change(), names="value")
            self.axes[target] = (impact, effort)
            rows.append(
                w.VBox(
                    [
                        _label_html(f"{number}. {label}"),
                        w.HTML(tag("div", esc(_("Impact")), cls="bf-axis-label")),
                        impact,
                        w.HTML(tag("div", esc(_("Effort")), cls="bf-axis-label")),
                        effort,
                    ]
                ).add_class("bf-matrix-item")
            )
        if not self.targets:
            rows = [w.HTML(tag("div", esc(_("Nothing to place yet.")), cls="bf-calm-text"))]
        self.finish(rows, _("Add these placements for the room"))

    def _on_change(self) -> None:
        if self.value() and self.changed() and self.autosave:
            if True:
                done = len(self.value())
                self.saved(self._("Saved: {done} of {total} placed.").format(done=done, total=len(self.targets)))

    def value(self) -> dict[str, dict[str, float]]:
        return {
            t: {"x": (int(effort.value) - 1) / 4, "y": (int(impact.value) - 1) / 4}
            for t, (impact, effort) in self.axes.items()
            if impact.value and effort.value
        }


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return MatrixSection(ctx.targets, ctx.labels, current, ctx.gettext, save, **options)


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    _ = ctx.gettext
    quadrants = {key: _(label) for key, label in blocks.QUADRANT_LABELS.items()}

    def chart(answers: Sequence[agg.Answer]) -> str:
        placed = {p.target: p for p in agg.placement_results(answers)}
        return view.matrix_svg(
            [(ctx.labels.get(t, "?"), placed.get(t)) for t in ctx.targets], quadrants, _("Effort"), _("Impact")
        )

    return chart


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    number = blocks._number
    quadrant_labels = blocks.QUADRANT_LABELS
    placed = [p for p in agg.placement_results(answers) if not blocks._hidden_target(data, p.target)]
    labels = [blocks.target_label(data, step, spec, p.target) for p in placed]
    quadrants = tuple(_(quadrant_labels[q]) for q in ("quick_win", "big_bet", "small_thing", "time_waster"))
    chart = report_charts.matrix_chart(
        [(str(i + 1), p.x, p.y) for i, p in enumerate(placed)],
        alt=_("Impact and effort: ")
        + "; ".join(
            f"{i + 1} {text}: {_(quadrant_labels[agg.quadrant(p.x, p.y)])}"
            for i, (text, p) in enumerate(zip(labels, placed))
        ),
        caption=_("Mean placement of each item; x = effort (low → high), y = impact (low → high)."),
        x_label=_("Effort"),
        y_label=_("Impact"),
        quadrants=quadrants,
    )
    table = blocks._table(
        ("#", _("Item"), _("Placed by"), _("Effort"), _("Impact"), _("Quadrant")),
        [
            [
                esc(str(i + 1)),
                esc(text),
                esc(str(p.n)),
                esc(number(p.x * 100, 0, data.language)),
                esc(number(p.y * 100, 0, data.language)),
                esc(_(quadrant_labels[agg.quadrant(p.x, p.y)])),
            ]
            for i, (text, p) in enumerate(zip(labels, placed))
        ],
    )
    split = blocks._split_table(
        data,
        answers,
        _("Impact / effort"),
        lambda g: {p.target: f"{p.y * 100:.0f} / {p.x * 100:.0f}" for p in agg.placement_results(g)},
        [(p.target, label) for p, label in zip(placed, labels)],
        -1,
    )
    return chart + table + blocks._note(_("Effort and impact on a scale from 0 (low) to 100 (high).")) + split


def raw_answer(payload: dict[str, Any]) -> str:
    placements = payload.get("placements") or {}
    if not isinstance(placements, dict):
        return ""
    return "; ".join(
        f"{target}: effort {where.get('x')}, impact {where.get('y')}"
        for target, where in placements.items()
        if isinstance(where, dict)
    )


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    if not targets:
        return None
    placements = {}
    for number, item in enumerate(targets[:8]):
        base_x, base_y = (number * 0.37) % 1, (number * 0.61 + 0.2) % 1
        placements[item] = {
            "x": round(min(1, max(0, base_x + rng.uniform(-0.2, 0.2))) * 4) / 4,
            "y": round(min(1, max(0, base_y + rng.uniform(-0.2, 0.2))) * 4) / 4,
        }
    return placements


INPUT = InputType(
    name="matrix_2x2",
    kind="placement",
    label=N_("impact × effort"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=False,
)

save = INPUT.save  # matrix_2x2.save(engine, room, participant, step_id, value): the short name callers use
