"""Widgets for each input type (participant phone first; also used by the console for the room's own input).

A section shows one input of a step and calls `save(value)` with the answer in the shape the room
functions take (dots dict, ratings dict, order list, placements dict, selected list). With
`autosave` every tap saves (Mentimeter-style); without it a button saves and the section resets.
Nothing here is trusted: the room functions check every limit again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from bifrost_lab import rooms
from bifrost_lab.markup import esc, tag

Save = Callable[[Any], bool]  # returns whether the room accepted the answer
SCALE = ("1", "2", "3", "4", "5")


def _label_html(text: str, cls: str = "bf-item-label") -> w.HTML:
    return w.HTML(tag("div", esc(text).replace("\n", "<br>"), cls=cls), layout=w.Layout(width="100%"))


def _scale_buttons(value: int | None, cls: str, description: str) -> w.ToggleButtons:
    buttons = w.ToggleButtons(
        options=SCALE,
        value=str(value) if value else None,
        style={"button_width": "auto"},
        layout=w.Layout(width="100%"),
        tooltips=list(SCALE),
    )
    buttons.add_class("bf-scale").add_class(cls)
    buttons.description = ""
    buttons.tooltips = [f"{description} {v}" for v in SCALE]
    return buttons


class Section:
    """Base: a VBox with a status line and (without autosave) a save button."""

    css = "bf-section"

    def __init__(self, _: Callable[[str], str], save: Save, *, autosave: bool = True, locked: bool = False) -> None:
        self._ = _
        self.save = save
        self.autosave = autosave
        self.locked = locked
        self.status = w.HTML().add_class("bf-section-status")
        self.box = w.VBox(layout=w.Layout(width="100%")).add_class(self.css).add_class("bf-section")

    def finish(self, children: list[w.Widget], button_text: str | None = None) -> w.VBox:
        if not self.autosave and not self.locked:
            button = w.Button(description=button_text or self._("Add for the room"), button_style="primary")
            button.add_class("bf-primary").add_class("bf-section-save")
            button.on_click(lambda _b: self.commit())
            children = [*children, button]
        self.box.children = [*children, self.status]
        return self.box

    def commit(self) -> bool:
        return self.save(self.value())

    def changed(self) -> bool:
        if self.autosave and not self.locked:
            return self.save(self.value())
        return True

    def value(self) -> Any:  # pragma: no cover - every section overrides it
        raise NotImplementedError

    def saved(self, text: str) -> None:
        self.status.value = tag("div", "✓ " + esc(text), cls="bf-saved", role="status")


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
