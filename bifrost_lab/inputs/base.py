"""What every input type provides, and the phone widget they share (a section with a status line).

An input type is one module in bifrost_lab/inputs/ that builds an `InputType` and is listed in
`registry.INPUT_TYPES`; docs/input-types.md shows how to add one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from bifrost_lab import aggregation as agg
from bifrost_lab import rooms, store
from bifrost_lab.markup import esc, tag

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData

Save = Callable[[Any], bool]  # returns whether the room accepted the answer
SCALE = ("1", "2", "3", "4", "5")


def _no_answers(step_id: str, type_name: str) -> list[agg.Answer]:
    return []


@dataclass(frozen=True)
class InputContext:
    """What a phone widget and a projector view need to know about one input of a step."""

    spec: dict[str, Any]
    targets: Sequence[str]  # "item:<i>", "card:<id>" or "cluster:<id>", in listed order
    labels: dict[str, str]  # what each target is called
    language: str
    gettext: Callable[[str], str]
    # The counted answers to another step's input, by (step id, input type name): for a type that pairs with
    # an earlier step (`shift`). The page fills it from its board (ui/results.py).
    step_answers: Callable[[str, str], list[agg.Answer]] = _no_answers
    role_name: Callable[[str], str] = str  # a role id (or agg.OTHERS) as the page names it


@dataclass(frozen=True)
class InputType:
    """One input type, in one module: validation, phone widget, projector view, aggregation, summary, raw data."""

    name: str  # the `type:` in a programme file
    kind: str  # the stored row kind
    label: str  # for the summary's agenda (an N_ string)
    parse: Callable[[store.Database, store.Room, dict[str, Any], Any], dict[str, Any]]
    widget: Callable[..., Section]  # (ctx, current payload | None, save, *, autosave, locked) -> Section
    projector: Callable[[InputContext], Callable[[Sequence[agg.Answer]], str]]  # ctx -> answers -> chart HTML
    summary: Callable[[SummaryData, dict[str, Any], dict[str, Any], list[agg.Answer]], str]
    raw_answer: Callable[[dict[str, Any]], str]  # the answer in words, for the raw-data exports
    demo_answer: Callable[[Any, dict[str, Any], Sequence[str]], Any]  # (random, spec, targets) -> value | None
    split_on_projector: bool = True

    def save(
        self,
        engine: store.Database,
        room: store.Room,
        participant: store.Participant | None,
        step_id: str,
        value: Any,
        *,
        slot: str | None = None,
        input_id: str | None = None,
    ) -> store.Input:
        """Validate and store one answer (the participant's own, or the room's when participant is None)."""
        return rooms.save_answer(
            engine, room, participant, step_id, self.name, self.kind, self.parse, value, slot=slot, input_id=input_id
        )


def whole(value: Any) -> int | None:
    """An int from untrusted JSON (bools and floats with a fraction are not whole numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


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
