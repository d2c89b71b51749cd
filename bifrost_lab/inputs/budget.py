"""Budget (`budget`): each participant spreads a fixed number of points (default 100) over the step's items.

The items are listed in the programme (`items:`) or come from an earlier step's cards or clusters
(`targets:`). A participant may keep points back (a partial budget is an answer), never spend more.

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
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section, _label_html, whole
from bifrost_lab.markup import esc, tag
from bifrost_lab.reports import blocks
from bifrost_lab.reports import charts as report_charts
from bifrost_lab.ui import projector_charts as view

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData

POINTS = 100
MSG_OVER_BUDGET = N_("That is {count} points; you have {limit}. Take some back from another item first.")
MSG_WHOLE_POINTS = N_("Give each item a whole number of points from 0 to {limit}.")


def budget_of(spec: dict[str, Any]) -> int:
    """The points each participant has in this step."""
    return int(spec.get("points") or POINTS)


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """Spread points: {target: points}; whole points, at most the step's budget in all. Zeros are left out."""
    limit = budget_of(spec)
    if not isinstance(value, dict):
        raise rooms.Rejected(MSG_WHOLE_POINTS, limit=limit)
    allowed = set(rooms.valid_targets(engine, room, spec))
    clean: dict[str, int] = {}
    for target, given in value.items():
        number = whole(given)
        if number is None or number < 0:
            raise rooms.Rejected(MSG_WHOLE_POINTS, limit=limit)
        if target not in allowed:
            raise rooms.Rejected(rooms.MSG_UNKNOWN_TARGET)
        if number:
            clean[target] = number
    total = sum(clean.values())
    if total > limit:
        raise rooms.Rejected(MSG_OVER_BUDGET, count=total, limit=limit)
    return {"points": clean}


class BudgetSection(Section):
    css = "bf-budget"

    def __init__(
        self,
        spec: dict,
        targets: Sequence[str],
        labels: dict[str, str],
        current: dict | None,
        _: Callable[[str], str],
        save: Save,
        **kwargs: Any,
    ) -> None:
        super().__init__(_, save, **kwargs)
        self.limit = budget_of(spec)
        self.step = max(1, self.limit // 20)
        self.targets = list(targets)
        given = (current or {}).get("points") or {}
        self.points = {t: int(n) for t, n in given.items() if t in self.targets and whole(n)}
        self.left = w.HTML().add_class("bf-budget-left")
        self.fields: dict[str, w.BoundedIntText] = {}
        self._quiet = False
        rows = []
        for target in self.targets:
            label = labels.get(target, "?")
            minus = w.Button(description="−", tooltip=_("Fewer points"), disabled=self.locked).add_class(
                "bf-budget-minus"
            )
            plus = w.Button(description="+", tooltip=_("More points"), disabled=self.locked).add_class("bf-budget-plus")
            field = w.BoundedIntText(
                value=self.points.get(target, 0),
                min=0,
                max=self.limit,
                continuous_update=False,
                disabled=self.locked,
                description=_("Points for {item}").format(item=view.short(label, 60)),
                style={"description_width": "0px"},
                layout=w.Layout(width="6rem"),
            ).add_class("bf-budget-field")  # the description is the field's label for screen readers (CSS hides it)
            minus.on_click(functools.partial(self._step_by, target, -self.step))
            plus.on_click(functools.partial(self._step_by, target, +self.step))
            field.observe(functools.partial(self._on_field, target), names="value")
            self.fields[target] = field
            rows.append(
                w.VBox([_label_html(label), w.HBox([minus, field, plus]).add_class("bf-budget-buttons")]).add_class(
                    "bf-budget-row"
                )
            )
        if not rows:
            rows = [
                w.HTML(
                    tag(
                        "div",
                        esc(_("Nothing to spread points on yet. The facilitator adds the options.")),
                        cls="bf-calm-text",
                    )
                )
            ]
        hint = w.HTML(
            tag(
                "div",
                esc(
                    _("Spread up to {points} points over the items: more points, more important.").format(
                        points=self.limit
                    )
                ),
                cls="bf-hint",
            )
        )
        self._show()
        self.finish([hint, self.left, *rows], _("Add this budget for the room"))

    def _show(self) -> None:
        used = sum(self.points.values())
        share = 100 * min(used, self.limit) / self.limit
        self.left.value = tag(
            "div",
            tag(
                "div",
                tag("div", "", cls="bf-budget-used", style=f"width:{share:.0f}%"),
                cls="bf-budget-track",
                aria_hidden="true",
            )
            + tag(
                "span",
                esc(self._("{left} of {total} points left").format(left=self.limit - used, total=self.limit)),
                cls="bf-budget-count",
            ),
            role="status",
        )

    def _step_by(self, target: str, delta: int, _button: Any) -> None:
        current = self.points.get(target, 0)
        wanted = max(0, current + delta)
        if delta > 0:  # a step up takes what is left when less than a whole step is
            wanted = min(wanted, current + self.limit - sum(self.points.values()))
            if wanted == current:
                self._refuse(current + delta)
                return
        self.fields[target].value = wanted  # the field's observer checks and saves

    def _on_field(self, target: str, change: dict) -> None:
        if self._quiet:
            return
        new = int(change["new"] or 0)
        others = sum(n for t, n in self.points.items() if t != target)
        if others + new > self.limit:
            self._set(target, int(change["old"] or 0))
            self._refuse(others + new)
            return
        previous = dict(self.points)
        self.points[target] = new
        if not new:
            self.points.pop(target)
        self._show()
        if not self.changed():
            self.points = previous
            self._set(target, previous.get(target, 0))
            self._show()
            return
        if self.autosave:
            self.saved(self._("Your points are saved. You can move them until the step closes."))

    def _set(self, target: str, value: int) -> None:
        self._quiet = True
        self.fields[target].value = value
        self._quiet = False

    def _refuse(self, wanted: int) -> None:
        self.status.value = tag(
            "div",
            esc(self._(MSG_OVER_BUDGET).format(count=wanted, limit=self.limit)),
            cls="bf-hint",
            role="alert",
        )

    def value(self) -> dict[str, int]:
        return dict(self.points)


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return BudgetSection(ctx.spec, ctx.targets, ctx.labels, current, ctx.gettext, save, **options)


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    _ = ctx.gettext

    def chart(answers: Sequence[agg.Answer]) -> str:
        results = {r.target: r for r in agg.budget_results(answers, ctx.targets)}
        rows = [(ctx.labels.get(t, "?"), results[t]) for t in ctx.targets if t in results]
        rows.sort(key=lambda row: -row[1].total)
        return view.bar_chart(
            [
                (
                    label,
                    r.total,
                    _("{total} pts · mean {mean}").format(total=int(r.total), mean=view.decimal(r.mean, ctx.language)),
                )
                for label, r in rows
            ],
            cls="bf-budget-bars",
        )

    return chart


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    number = blocks._number
    order = [f"item:{i}" for i in range(len(spec.get("items") or []))]
    results = [r for r in agg.budget_results(answers, order) if not blocks._hidden_target(data, r.target)]
    labels = [(r.target, blocks.target_label(data, step, spec, r.target)) for r in results]
    chart = report_charts.bar_chart(
        [(text, r.total) for (_t, text), r in zip(labels, results)],
        alt=_("Points per item: ")
        + "; ".join(
            _("{item}: {total} points, mean {mean}").format(
                item=text, total=f"{r.total:.0f}", mean=number(r.mean, 1, data.language)
            )
            for (_t, text), r in zip(labels, results)
        ),
        caption=_("Budget of {points} points each, {n} participants.").format(
            points=budget_of(spec), n=agg.respondents(answers)
        ),
    )
    table = blocks._table(
        (_("Item"), _("Points"), _("Mean per participant"), _("Gave points")),
        [
            [esc(text), esc(f"{r.total:.0f}"), esc(number(r.mean, 1, data.language)), esc(str(r.n))]
            for (_t, text), r in zip(labels, results)
        ],
    )
    split = blocks._split_table(
        data,
        answers,
        _("Mean per participant"),
        lambda g: {r.target: r.mean for r in agg.budget_results(g, order)},
        labels,
        1,
    )
    return chart + table + split


def raw_answer(payload: dict[str, Any]) -> str:
    points = payload.get("points") or {}
    return "; ".join(f"{target} = {count}" for target, count in points.items()) if isinstance(points, dict) else ""


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    if not targets:
        return None
    limit = budget_of(spec)
    chosen = rng.sample(list(targets), min(len(targets), rng.randint(2, 4)))
    weights = [rng.random() + (0.6 if t == targets[0] else 0) for t in chosen]
    grain = max(1, limit // 20)
    given = {t: int(limit * wt / sum(weights)) // grain * grain for t, wt in zip(chosen, weights)}
    return {t: n for t, n in given.items() if n}


INPUT = InputType(
    name="budget",
    kind="budget",
    label=N_("points budget"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=True,
)

save = INPUT.save  # budget.save(engine, room, participant, step_id, value): the short name callers use
