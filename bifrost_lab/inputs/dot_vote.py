"""Dot vote (`dot_vote`): each participant places a few dots on the options or on the room's cards or clusters.

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


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """Place (or move) one's dots: {target: count}; at most `dots` in all and `max_per_target` on one."""
    if not isinstance(value, dict):
        raise rooms.Rejected(rooms.MSG_UNKNOWN_TARGET)
    allowed = set(rooms.valid_targets(engine, room, spec))
    limit, per_target = int(spec.get("dots") or 3), int(spec.get("max_per_target") or 1)
    clean: dict[str, int] = {}
    for target, count in value.items():
        number = whole(count)
        if number is None or number < 0:
            raise rooms.Rejected(rooms.MSG_DOTS_PER_TARGET, limit=per_target)
        if number == 0:
            continue
        if target not in allowed:
            raise rooms.Rejected(rooms.MSG_UNKNOWN_TARGET)
        if number > per_target:
            raise rooms.Rejected(rooms.MSG_DOTS_PER_TARGET, limit=per_target)
        clean[target] = number
    if sum(clean.values()) > limit:
        raise rooms.Rejected(rooms.MSG_TOO_MANY_DOTS, limit=limit)
    return {"dots": clean}


class VoteSection(Section):
    css = "bf-vote"

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
        self.limit = int(spec.get("dots") or 3)
        self.per_target = int(spec.get("max_per_target") or 1)
        self.targets = list(targets)
        self.dots = {t: int(n) for t, n in ((current or {}).get("dots") or {}).items() if t in self.targets}
        self.left = w.HTML().add_class("bf-dots-left")
        self.counts: dict[str, w.HTML] = {}
        rows = []
        for target in self.targets:
            minus = w.Button(description="−", tooltip=_("Take a dot back"), disabled=self.locked).add_class(
                "bf-dot-minus"
            )
            plus = w.Button(description="+", tooltip=_("Give a dot"), disabled=self.locked).add_class("bf-dot-plus")
            minus.on_click(functools.partial(self._change, target, -1))
            plus.on_click(functools.partial(self._change, target, +1))
            self.counts[target] = w.HTML().add_class("bf-dot-count")
            rows.append(
                w.HBox(
                    [
                        _label_html(labels.get(target, "?")),
                        w.HBox([minus, self.counts[target], plus]).add_class("bf-dot-buttons"),
                    ]
                ).add_class("bf-vote-row")
            )
        if not rows:
            rows = [
                w.HTML(
                    tag("div", esc(_("Nothing to vote on yet. The facilitator adds the options.")), cls="bf-calm-text")
                )
            ]
        self._show()
        self.finish([self.left, *rows], _("Add these dots for the room"))

    def _show(self) -> None:
        used = sum(self.dots.values())
        pips = "●" * used + "○" * max(0, self.limit - used)
        self.left.value = tag(
            "div",
            tag("span", pips, cls="bf-pips", aria_hidden="true")
            + esc(self._("{left} of {total} dots left").format(left=self.limit - used, total=self.limit)),
        )
        for target, label in self.counts.items():
            n = self.dots.get(target, 0)
            label.value = tag("span", "●" * n if n else "0", cls="bf-dot-n" + (" bf-dot-some" if n else ""))

    def _change(self, target: str, delta: int, _button: Any) -> None:
        n = self.dots.get(target, 0) + delta
        if n < 0 or n > self.per_target or (delta > 0 and sum(self.dots.values()) >= self.limit):
            self.status.value = tag(
                "div",
                esc(
                    self._("At most {limit} dots on one option.").format(limit=self.per_target)
                    if n > self.per_target
                    else self._("You have {limit} dots; take one back before you place another.").format(
                        limit=self.limit
                    )
                ),
                cls="bf-hint",
            )
            return
        previous = dict(self.dots)
        self.dots[target] = n
        if not n:
            self.dots.pop(target)
        self._show()
        if not self.changed():
            self.dots = previous
            self._show()
            return
        if self.autosave:
            self.saved(self._("Your dots are saved. You can move them until the step closes."))

    def value(self) -> dict[str, int]:
        return dict(self.dots)


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return VoteSection(ctx.spec, ctx.targets, ctx.labels, current, ctx.gettext, save, **options)


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    def chart(answers: Sequence[agg.Answer]) -> str:
        totals = {s.target: int(s.value) for s in agg.vote_totals(answers, ctx.targets)}
        rows = sorted(((ctx.labels.get(t, "?"), totals.get(t, 0)) for t in ctx.targets), key=lambda r: -r[1])
        return view.bar_chart([(label, value, str(value)) for label, value in rows], cls="bf-dots")

    return chart


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    order = [f"item:{i}" for i in range(len(spec.get("options") or []))]
    scores = [s for s in agg.vote_totals(answers, order) if not blocks._hidden_target(data, s.target)]
    labels = [(s.target, blocks.target_label(data, step, spec, s.target)) for s in scores]
    chart = report_charts.bar_chart(
        [(label, s.value) for (_t, label), s in zip(labels, scores)],
        alt=_("Dots per item: ") + "; ".join(f"{text}: {s.value:.0f}" for (_t, text), s in zip(labels, scores)),
        caption=_("Dot vote, {n} participants voted.").format(n=agg.respondents(answers)),
    )
    table = blocks._table(
        (_("Item"), _("Dots"), _("Voters")),
        [[esc(text), esc(f"{s.value:.0f}"), esc(str(s.n))] for (_t, text), s in zip(labels, scores)],
    )
    split = blocks._split_table(
        data, answers, _("Dots"), lambda g: {s.target: s.value for s in agg.vote_totals(g, order)}, labels, 0
    )
    return chart + table + split


def raw_answer(payload: dict[str, Any]) -> str:
    dots = payload.get("dots") or {}
    return "; ".join(f"{target} × {count}" for target, count in dots.items()) if isinstance(dots, dict) else ""


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    if not targets:
        return None
    dots: dict[str, int] = {}
    for _dot in range(int(spec.get("dots") or 3)):
        choice = rng.choice(targets)
        if dots.get(choice, 0) < int(spec.get("max_per_target") or 1):
            dots[choice] = dots.get(choice, 0) + 1
    return dots


INPUT = InputType(
    name="dot_vote",
    kind="vote",
    label=N_("dot vote"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=True,
)

save = INPUT.save  # dot_vote.save(engine, room, participant, step_id, value): the short name callers use
