"""Ranking (`ranking`): each participant puts every option in order; the room's order is a Borda count.

One module holds everything of this input type: validation (`parse`), the phone widget, the projector
view, the figures (through bifrost_lab.aggregation), the summary section, the raw-data answer and the
demo answer; `INPUT` registers it in bifrost_lab/inputs/registry.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from bifrost_lab import aggregation as agg
from bifrost_lab import i18n, rooms, store
from bifrost_lab.i18n import N_
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section, _label_html
from bifrost_lab.markup import esc, tag
from bifrost_lab.reports import blocks
from bifrost_lab.reports import charts as report_charts
from bifrost_lab.ui import projector_charts as view

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """Order the step's items (every one of them, each once): best first."""
    allowed = rooms.valid_targets(engine, room, spec)
    if not isinstance(value, list) or any(not isinstance(t, str) for t in value):
        raise rooms.Rejected(rooms.MSG_RANK_ALL)
    if any(t not in allowed for t in value):
        raise rooms.Rejected(rooms.MSG_UNKNOWN_TARGET)
    if len(set(value)) != len(value) or set(value) != set(allowed):
        raise rooms.Rejected(rooms.MSG_RANK_ALL)
    return {"order": list(value)}


class RankingSection(Section):
    css = "bf-rank"

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
        kwargs_autosave = self.autosave
        self.autosave = False  # a ranking is saved explicitly: the first order shown is nobody's opinion
        self.on_behalf = not kwargs_autosave
        saved = [t for t in ((current or {}).get("order") or []) if t in targets]
        self.order = saved + [t for t in targets if t not in saved]
        self.labels = labels
        self.was_saved = bool(saved)
        self.rows = w.VBox(layout=w.Layout(width="100%")).add_class("bf-rank-list")
        self._draw()
        hint = w.HTML(tag("div", esc(_("Move the most important to the top, then save.")), cls="bf-hint"))
        self.finish([hint, self.rows], _("Add this order for the room") if self.on_behalf else _("Save my order"))
        if self.was_saved:
            self.saved(_("Your order is saved."))

    def _draw(self) -> None:
        rows = []
        for position, target in enumerate(self.order):
            up = w.Button(description="▲", tooltip=self._("Move up"), disabled=self.locked or position == 0)
            down = w.Button(
                description="▼", tooltip=self._("Move down"), disabled=self.locked or position == len(self.order) - 1
            )
            up.add_class("bf-up")
            down.add_class("bf-down")
            up.on_click(functools.partial(self._move, position, -1))
            down.on_click(functools.partial(self._move, position, +1))
            number = w.HTML(tag("span", str(position + 1), cls="bf-rank-n"))
            rows.append(
                w.HBox(
                    [number, _label_html(self.labels.get(target, "?")), w.HBox([up, down]).add_class("bf-rank-buttons")]
                ).add_class("bf-rank-row")
            )
        self.rows.children = rows

    def _move(self, position: int, delta: int, _button: Any) -> None:
        other = position + delta
        if 0 <= other < len(self.order):
            self.order[position], self.order[other] = self.order[other], self.order[position]
            self._draw()
            self.status.value = tag("div", esc(self._("Not saved yet.")), cls="bf-hint")

    def commit(self) -> bool:
        ok = self.save(self.value())
        if ok and not self.on_behalf:
            self.saved(self._("Your order is saved."))
        return ok

    def value(self) -> list[str]:
        return list(self.order)


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return RankingSection(ctx.targets, ctx.labels, current, ctx.gettext, save, **options)


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    _ = ctx.gettext
    top = int(ctx.spec.get("top") or 3)

    def chart(answers: Sequence[agg.Answer]) -> str:
        scores = agg.borda(answers, ctx.targets)
        return view.bar_chart(
            [(ctx.labels.get(s.target, "?"), s.value, _("{n} pts").format(n=int(s.value))) for s in scores],
            highlight=top,
            cls="bf-borda",
        )

    return chart


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    order = [f"item:{i}" for i in range(len(spec.get("items") or []))]
    scores = [s for s in agg.borda(answers, order) if not blocks._hidden_target(data, s.target)]
    labels = [(s.target, blocks.target_label(data, step, spec, s.target)) for s in scores]
    top = int(spec.get("top") or 3)
    chart = report_charts.bar_chart(
        [(text, s.value) for (_t, text), s in zip(labels, scores)],
        alt=_("Borda points per item: ") + "; ".join(f"{text}: {s.value:.0f}" for (_t, text), s in zip(labels, scores)),
        caption=_("Ranking by Borda count (first place gets most points), {n} rankings.").format(
            n=agg.respondents(answers)
        ),
    )
    table = blocks._table(
        (_("Place"), _("Item"), _("Points")),
        [
            [esc(str(i + 1)), (tag("strong", esc(text)) if i < top else esc(text)), esc(f"{s.value:.0f}")]
            for i, ((_t, text), s) in enumerate(zip(labels, scores))
        ],
    )
    split = blocks._split_table(
        data, answers, _("Points"), lambda g: {s.target: s.value for s in agg.borda(g, order)}, labels, 0
    )
    return chart + table + split


def raw_answer(payload: dict[str, Any]) -> str:
    order = payload.get("order") or []
    return " > ".join(str(t) for t in order) if isinstance(order, list) else ""


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    if not targets:
        return None
    return sorted(targets, key=lambda t: rng.random() + list(targets).index(t) * 0.15)


INPUT = InputType(
    name="ranking",
    kind="rank",
    label=N_("ranking"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=False,
)

save = INPUT.save  # ranking.save(engine, room, participant, step_id, value): the short name callers use
