"""Choice (`choice`): each participant picks one option, or several when the step allows it.

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
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section, whole
from bifrost_lab.markup import esc, tag
from bifrost_lab.reports import blocks
from bifrost_lab.reports import charts as report_charts
from bifrost_lab.ui import projector_charts as view

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """Choose one option (or several when the step allows it): a list of option indexes."""
    count = len(spec.get("options") or [])
    multiple = bool(spec.get("multiple"))
    if not isinstance(value, list):
        raise rooms.Rejected(rooms.MSG_CHOOSE_SOME if multiple else rooms.MSG_CHOOSE_ONE)
    indexes = [whole(i) for i in value]
    if any(i is None or not 0 <= i < count for i in indexes):
        raise rooms.Rejected(rooms.MSG_UNKNOWN_TARGET)
    if len(set(indexes)) != len(indexes) or not indexes or (not multiple and len(indexes) != 1):
        raise rooms.Rejected(rooms.MSG_CHOOSE_SOME if multiple else rooms.MSG_CHOOSE_ONE)
    return {"selected": sorted(indexes)}


class ChoiceSection(Section):
    css = "bf-choice"

    def __init__(
        self, spec: dict, language: str, current: dict | None, _: Callable[[str], str], save: Save, **kwargs: Any
    ) -> None:
        super().__init__(_, save, **kwargs)
        self.multiple = bool(spec.get("multiple"))
        chosen = set((current or {}).get("selected") or [])
        self.toggles = []
        for index, option in enumerate(spec.get("options") or []):
            toggle = w.ToggleButton(
                value=index in chosen,
                description=rooms.text(option, language),
                disabled=self.locked,
                layout=w.Layout(width="100%"),
            )
            toggle.add_class("bf-choice-option")
            toggle.observe(functools.partial(self._on_toggle, index), names="value")
            self.toggles.append(toggle)
        hint = _("Choose one or more.") if self.multiple else _("Choose one.")
        self._quiet = False
        self.finish([w.HTML(tag("div", esc(hint), cls="bf-hint")), *self.toggles], _("Add this answer for the room"))

    def _on_toggle(self, index: int, change: dict) -> None:
        if self._quiet:
            return
        if change["new"] and not self.multiple:
            self._quiet = True
            for other, toggle in enumerate(self.toggles):
                if other != index:
                    toggle.value = False
            self._quiet = False
        if self.value() and self.changed() and self.autosave:
            self.saved(self._("Your answer is saved."))

    def value(self) -> list[int]:
        return [i for i, t in enumerate(self.toggles) if t.value]


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return ChoiceSection(ctx.spec, ctx.language, current, ctx.gettext, save, **options)


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    options = ctx.spec.get("options") or []

    def chart(answers: Sequence[agg.Answer]) -> str:
        counts = [int(s.value) for s in agg.choice_counts(answers, len(options))]
        total = agg.respondents(answers) or 1
        return view.bar_chart(
            [(rooms.text(o, ctx.language), c, f"{c} · {round(100 * c / total)}%") for o, c in zip(options, counts)],
            cls="bf-choices",
        )

    return chart


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    counts = agg.choice_counts(answers, len(spec.get("options") or []))
    labels = [(s.target, blocks.target_label(data, step, spec, s.target)) for s in counts]
    chart = report_charts.bar_chart(
        [(text, s.value) for (_t, text), s in zip(labels, counts)],
        alt=_("Choices: ") + "; ".join(f"{text}: {s.value:.0f}" for (_t, text), s in zip(labels, counts)),
        caption=_("Choice, {n} answers.").format(n=agg.respondents(answers)),
    )
    table = blocks._table(
        (_("Option"), _("Chosen by")),
        [[esc(text), esc(f"{s.value:.0f}")] for (_t, text), s in zip(labels, counts)],
    )
    split = blocks._split_table(
        data,
        answers,
        _("Chosen by"),
        lambda g: {s.target: s.value for s in agg.choice_counts(g, len(spec.get("options") or []))},
        labels,
        0,
    )
    return chart + table + split


def raw_answer(payload: dict[str, Any]) -> str:
    selected = payload.get("selected") or []
    return "; ".join(f"item:{i}" for i in selected) if isinstance(selected, list) else ""


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    options = list(range(len(spec.get("options") or [])))
    if not options:
        return None
    return rng.sample(options, min(len(options), rng.randint(1, 2))) if spec.get("multiple") else [rng.choice(options)]


INPUT = InputType(
    name="choice",
    kind="choice",
    label=N_("choice"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=True,
)

save = INPUT.save  # choice.save(engine, room, participant, step_id, value): the short name callers use
