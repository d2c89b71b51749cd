"""Before/after (`shift`): a rating asked again after an earlier rating step (`before: <step id>`).

Participants rate the same items as in the before step. The projector and the summary show, per item, how
the 1–5 distribution and the mean moved for the same people only: those who answered both, in whole
blocks of the before step (aggregation.shift_results), split by role where the rule allows.

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
from bifrost_lab.inputs import rating
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section
from bifrost_lab.markup import esc, join_list, tag
from bifrost_lab.reports import blocks
from bifrost_lab.reports import charts as report_charts
from bifrost_lab.ui import projector_charts as view

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData

BEFORE_TYPE = rating.INPUT.name  # a shift pairs with the first rating of its before step


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """Rate the items again, 1–5: the same answer as a rating ({"<item index>": value})."""
    return rating.parse(engine, room, spec, value)


class ShiftSection(rating.RatingSection):
    css = "bf-shift-input"

    def __init__(
        self, spec: dict, language: str, current: dict | None, _: Callable[[str], str], save: Save, **kwargs: Any
    ) -> None:
        super().__init__(spec, language, current, _, save, **kwargs)
        hint = w.HTML(
            tag("div", esc(_("You rated these earlier in the meeting. How do you rate them now?")), cls="bf-hint")
        )
        self.box.children = [hint, *self.box.children]


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return ShiftSection(ctx.spec, ctx.language, current, ctx.gettext, save, **options)


def _change(result: agg.ShiftResult, language: str) -> str:
    sign = "+" if result.change > 0.05 else ("−" if result.change < -0.05 else "±")
    return (
        f"{view.decimal(result.before.mean, language)} → {view.decimal(result.after.mean, language)} "
        f"({sign}{view.decimal(abs(result.change), language)})"
    )


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    _ = ctx.gettext
    items = ctx.spec.get("items") or []
    anchors = ctx.spec.get("anchors") or {}

    def chart(answers: Sequence[agg.Answer]) -> str:
        before = ctx.step_answers(str(ctx.spec.get("before") or ""), BEFORE_TYPE)
        found = {r.item: r for r in agg.shift_results(before, answers)}
        if not found:
            return tag(
                "div",
                esc(
                    _("Not enough people have answered both yet: before and after are shown in groups of {k}.").format(
                        k=agg.K_MIN
                    )
                ),
                cls="bf-results-empty",
            )
        rows = []
        for index, item in enumerate(items):
            result = found.get(str(index))
            label = rooms.text(item, ctx.language)
            if result is None:
                rows.append(
                    tag("div", tag("div", esc(view.short(label)), cls="bf-shift-label") + "–", cls="bf-shift-item")
                )
                continue
            mean = _("mean {mean}")
            rows.append(
                tag(
                    "div",
                    tag("div", esc(view.short(label)), cls="bf-shift-label")
                    + view.rating_bar(
                        _("Before"), result.before, mean.format(mean=view.decimal(result.before.mean, ctx.language))
                    )
                    + view.rating_bar(
                        _("After"), result.after, mean.format(mean=view.decimal(result.after.mean, ctx.language))
                    )
                    + tag("div", esc(_change(result, ctx.language) + f" · n={result.n}"), cls="bf-shift-change"),
                    cls="bf-shift-item",
                )
            )
        legend = view.scale_legend(
            rooms.text(anchors.get("low"), ctx.language), rooms.text(anchors.get("high"), ctx.language)
        )
        note = tag(
            "div",
            esc(_("The same people before and after: those who answered both, in groups of {k}.").format(k=agg.K_MIN)),
            cls="bf-shift-note",
            data_fit_drop="2",  # the projector leaves the explanation out before it cuts the chart
        )
        html = tag("div", join_list(rows) + legend + note, cls="bf-shift")
        split = agg.shift_split(before, answers)
        if split:
            panels = []
            for role, role_results in split:
                by_item = {r.item: r for r in role_results}
                lines = join_list(
                    tag(
                        "div",
                        tag("span", esc(view.short(rooms.text(item, ctx.language), 40)), cls="bf-shift-role-item")
                        + tag(
                            "span",
                            esc(
                                f"{_change(by_item[str(i)], ctx.language)} · n={by_item[str(i)].n}"
                                if str(i) in by_item
                                else "–"
                            ),
                            cls="bf-shift-role-value",
                        ),
                        cls="bf-shift-role-row",
                    )
                    for i, item in enumerate(items)
                )
                panels.append(
                    tag(
                        "section",
                        tag("h4", esc(ctx.role_name(role)), cls="bf-split-title") + lines,
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

    return chart


def _before_answers(data: SummaryData, before_id: str) -> list[agg.Answer]:
    """The before step's rating answers, as the summary counts them."""
    step = next((s for s in rooms.steps(data.room) if s["id"] == before_id), None)
    slot = next((s for s, spec in rooms.step_inputs(step) if spec.get("type") == BEFORE_TYPE), None) if step else None
    if step is None or slot is None:
        return []
    row_slot = rooms._row_slot(step, slot)
    rows = [r for r in data.of_kind(rating.INPUT.kind, before_id) if str(r.payload.get("slot") or "input") == row_slot]
    return data.answers(rows)


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    number = blocks._number
    before_id = str(spec.get("before") or "")
    before = _before_answers(data, before_id)
    found = agg.shift_results(before, answers)
    before_step = next((s for s in rooms.steps(data.room) if s["id"] == before_id), {})
    intro = blocks._note(
        _(
            "Compared with «{step}»: the same people before and after, those who answered both, in groups of {k}."
        ).format(step=data.t(before_step.get("title")) or before_id, k=agg.K_MIN)
    )
    if not found:
        return intro + blocks._note(
            _("Too few people answered both to compare (at least {k} are needed).").format(k=agg.K_MIN)
        )
    labels = {r.item: blocks.target_label(data, step, spec, f"item:{r.item}") for r in found}

    def moved(r: agg.ShiftResult) -> str:
        return f"{number(r.before.mean, 1, data.language)} → {number(r.after.mean, 1, data.language)}"

    chart = report_charts.shift_chart(
        [(labels[r.item], r.before.mean, r.after.mean, moved(r)) for r in found],
        alt=_("Mean before and after, the same people: ")
        + "; ".join(
            _("{item}: {before} before, {after} after, {n} people").format(
                item=labels[r.item],
                before=number(r.before.mean, 1, data.language),
                after=number(r.after.mean, 1, data.language),
                n=r.n,
            )
            for r in found
        ),
        caption=_("Ratings 1–5 before (hollow dot) and after (filled dot), the same people only."),
        before_label=_("Before"),
        after_label=_("After"),
    )
    table = blocks._table(
        (
            _("Item"),
            _("Answered both"),
            _("Mean before"),
            _("Mean after"),
            _("Change"),
            _("Before 1–5"),
            _("After 1–5"),
        ),
        [
            [
                esc(labels[r.item]),
                esc(str(r.n)),
                esc(number(r.before.mean, 1, data.language)),
                esc(number(r.after.mean, 1, data.language)),
                esc(("+" if r.change > 0 else "") + number(r.change, 1, data.language)),
                esc(" · ".join(str(c) for c in r.before.distribution)),
                esc(" · ".join(str(c) for c in r.after.distribution)),
            ]
            for r in found
        ],
    )
    return intro + chart + table + _split(data, before, answers, labels, moved)


def _split(
    data: SummaryData,
    before: list[agg.Answer],
    after: list[agg.Answer],
    labels: dict[str, str],
    moved: Callable[[agg.ShiftResult], str],
) -> str:
    """Mean before → after per role group of the before step, or a note why there is no split."""
    _ = i18n.gettext_for(data.language)
    split = agg.shift_split(before, after)
    if not split:
        return blocks._note(
            _("Not split by role: a role needs at least {k} respondents to be shown on its own.").format(k=agg.K_MIN)
        )
    groups = [(role, {r.item: r for r in found}) for role, found in split]
    return tag("h4", esc(_("By role: {measure}").format(measure=_("mean before → after")))) + blocks._table(
        [_("Item")] + [blocks._role_name(data, role) for role, _found in groups],
        [
            [esc(label)]
            + [esc(f"{moved(found[item])} (n={found[item].n})" if item in found else "–") for _role, found in groups]
            for item, label in labels.items()
        ],
        cls="bf-table bf-split",
    )


def raw_answer(payload: dict[str, Any]) -> str:
    return rating.raw_answer(payload)


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    lean = rng.choice((3, 3, 4, 4, 5))  # after the evidence, a little higher on the whole
    return {str(i): max(1, min(5, lean + rng.choice((-1, 0, 0, 1)))) for i in range(len(spec.get("items") or []))}


INPUT = InputType(
    name="shift",
    kind="shift",
    label=N_("before/after rating"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=False,  # the split is the before step's, drawn by the chart itself
)

save = INPUT.save  # shift.save(engine, room, participant, step_id, value): the short name callers use
