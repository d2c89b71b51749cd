"""Rating (`rating`): each participant rates one or more statements from 1 to 5.

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
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section, _label_html, _scale_buttons, whole
from bifrost_lab.markup import esc, join_list, tag
from bifrost_lab.reports import blocks
from bifrost_lab.reports import charts as report_charts
from bifrost_lab.ui import projector_charts as view

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """Rate one or more items 1–5: {"<item index>": value}. Items left out are unanswered."""
    if not isinstance(value, dict) or not value:
        raise rooms.Rejected(rooms.MSG_RATING_RANGE)
    count = len(spec.get("items") or [])
    clean: dict[str, int] = {}
    for key, given in value.items():
        index = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() else whole(key)
        if index is None or not 0 <= index < count:
            raise rooms.Rejected(rooms.MSG_UNKNOWN_TARGET)
        number = whole(given)
        if number is None or not rooms.RATING_MIN <= number <= rooms.RATING_MAX:
            raise rooms.Rejected(rooms.MSG_RATING_RANGE)
        clean[str(index)] = number
    return {"ratings": clean}


class RatingSection(Section):
    css = "bf-rating-input"

    def __init__(
        self, spec: dict, language: str, current: dict | None, _: Callable[[str], str], save: Save, **kwargs: Any
    ) -> None:
        super().__init__(_, save, **kwargs)
        anchors = spec.get("anchors") or {}
        low, high = rooms.text(anchors.get("low"), language), rooms.text(anchors.get("high"), language)
        ratings = (current or {}).get("ratings") or {}
        self.buttons: list[w.ToggleButtons] = []
        rows: list[w.Widget] = []
        items = spec.get("items") or []
        for index, item in enumerate(items):
            label = rooms.text(item, language)
            buttons = _scale_buttons(ratings.get(str(index)), "bf-rate-buttons", label)
            buttons.disabled = self.locked
            buttons.observe(lambda _c: self._on_change(), names="value")
            self.buttons.append(buttons)
            anchor_row = w.HTML(
                tag("div", tag("span", esc(f"1 · {low}")) + tag("span", esc(f"{high} · 5")), cls="bf-anchors")
            )
            rows.append(
                w.VBox([_label_html(label) if len(items) > 1 or label else w.HTML(), buttons, anchor_row]).add_class(
                    "bf-rate-item"
                )
            )
        self.finish(rows, _("Add this rating for the room"))

    def _on_change(self) -> None:
        if self.value() and self.changed() and self.autosave:
            self.saved(self._("Your rating is saved."))

    def value(self) -> dict[str, int]:
        return {str(i): int(b.value) for i, b in enumerate(self.buttons) if b.value}


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return RatingSection(ctx.spec, ctx.language, current, ctx.gettext, save, **options)


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    _ = ctx.gettext
    items = ctx.spec.get("items") or []
    anchors = ctx.spec.get("anchors") or {}

    def chart(answers: Sequence[agg.Answer]) -> str:
        results = {r.item: r for r in agg.rating_results(answers)}
        rows = join_list(
            view.rating_bar(
                rooms.text(item, ctx.language),
                results.get(str(index)),
                _("mean {mean}").format(mean=view.decimal(results[str(index)].mean, ctx.language))
                if str(index) in results
                else "–",
            )
            for index, item in enumerate(items)
        )
        legend = view.scale_legend(
            rooms.text(anchors.get("low"), ctx.language), rooms.text(anchors.get("high"), ctx.language)
        )
        return tag("div", rows + legend, cls="bf-ratings")

    return chart


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    rated = agg.rating_results(answers)
    labels = [(r.item, blocks.target_label(data, step, spec, f"item:{r.item}")) for r in rated]
    anchors = spec.get("anchors") or {}
    low, high = data.t(anchors.get("low")) or "1", data.t(anchors.get("high")) or "5"
    number = blocks._number
    chart = report_charts.distribution_chart(
        [(text, r.distribution, number(r.mean, 1, data.language)) for (_i, text), r in zip(labels, rated)],
        alt=_("Ratings from 1 to 5: ")
        + "; ".join(
            _("{item}: mean {mean}, {n} answers").format(item=text, mean=number(r.mean, 1, data.language), n=r.n)
            for (_i, text), r in zip(labels, rated)
        ),
        caption=_("Rating 1 = {low}, 5 = {high}. Bars show how many gave each value; the number is the mean.").format(
            low=low, high=high
        ),
    )
    table = blocks._table(
        (_("Item"), _("Answers"), _("Mean"), "1", "2", "3", "4", "5"),
        [
            [esc(text), esc(str(r.n)), esc(number(r.mean, 1, data.language))] + [esc(str(c)) for c in r.distribution]
            for (_i, text), r in zip(labels, rated)
        ],
    )
    split = blocks._split_table(
        data, answers, _("Mean"), lambda g: {r.item: r.mean for r in agg.rating_results(g)}, labels, 1
    )
    return chart + table + split


def raw_answer(payload: dict[str, Any]) -> str:
    ratings = payload.get("ratings") or {}
    return "; ".join(f"item:{item} = {value}" for item, value in ratings.items()) if isinstance(ratings, dict) else ""


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    lean = rng.choice((2, 3, 4))
    return {str(i): max(1, min(5, lean + rng.choice((-1, 0, 0, 1, 1)))) for i in range(len(spec.get("items") or []))}


INPUT = InputType(
    name="rating",
    kind="rating",
    label=N_("rating 1–5"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=True,
)

save = INPUT.save  # rating.save(engine, room, participant, step_id, value): the short name callers use
