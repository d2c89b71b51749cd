"""Input on behalf of the room: cards from paper or from people without a device, and answers of every type.

What the moderator enters is stored without a participant and marked as such ("Entered by the moderator").
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, live, rooms, store
from bifrost_lab.inputs.registry import input_type
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database
from bifrost_lab.ui import buttons, results
from bifrost_lab.ui import solution_widgets as solution_ui
from bifrost_lab.ui.console._common import MSG_SOMETHING_WRONG, button, guarded

log = live.log


def _values(*fields: w.ValueWidget) -> tuple:
    """What a form holds now (for a double tap's check: the same form is not sent twice)."""
    return tuple(field.value for field in fields)


class BehalfPanel:
    """A form for each input of the current step, built again on every new step (and after each entry)."""

    _button = staticmethod(button)

    def __init__(
        self,
        engine: Database,
        room: store.Room,
        board: rooms.Board,
        language: str,
        status: w.HTML,
        refresh: Callable[[], None],
    ) -> None:
        self.engine = engine
        self.room = room
        self.board = board
        self.language = language
        self._ = i18n.gettext_for(language)
        self.status = status
        self._refresh = refresh
        self.behalf_text: w.Textarea | None = None  # the card form, when the step takes cards
        self.behalf_column: w.Dropdown | None = None
        self.behalf_box = w.VBox().add_class("bf-behalf-panel")

    def show(self, room: store.Room, step: dict[str, Any], *, new_step: bool) -> None:
        self.room = room
        if new_step:
            self._build_behalf(step)

    def _build_behalf(self, step: dict) -> None:
        _ = self._
        children: list[w.Widget] = []
        for slot, spec in rooms.step_inputs(step):
            if spec.get("type") in ("cards", "solution"):  # bring good solutions in from the catalogue (issue 10)
                children += solution_ui.import_panel(self.engine, self.room, step, self.language, _)
            if spec.get("type") == "solution":
                children.append(solution_ui.SolutionForm(self.engine, self.room, None, step, self.language, _).box)
                continue
            if spec.get("type") == "cards":
                self.behalf_text = w.Textarea(
                    placeholder=_("A card from paper or from someone without a device"),
                    rows=2,
                    layout=w.Layout(width="100%"),
                ).add_class("bf-behalf-text")
                columns = spec.get("columns") or []
                self.behalf_column = w.Dropdown(
                    options=[(rooms.text(c, self.language), i) for i, c in enumerate(columns)],
                    layout=w.Layout(width="100%"),
                ).add_class("bf-behalf-column")
                if columns:
                    self.behalf_column.value = 0
                else:
                    self.behalf_column.layout.display = "none"
                text_box, column_box = self.behalf_text, self.behalf_column
                add = w.Button(description=_("Add card for the room")).add_class("bf-behalf-add")
                # a double tap stores one card and shows no false "write something" (issue 21)
                buttons.on_click_once(
                    add,
                    self._on_behalf_card,
                    busy_label=_("Sending…"),
                    form_state=functools.partial(_values, text_box, column_box),
                )
                children += [self.behalf_column, self.behalf_text, add]
            else:
                kind = input_type(spec.get("type"))
                assert kind is not None
                save = functools.partial(self._save_for_room, step["id"], slot, spec["type"])
                context = results.input_context(self.room, self.board, spec, self.language, _)
                section = kind.widget(context, None, save, autosave=False)
                children.append(section.box)
        if children:
            head = w.HTML(
                tag("h3", esc(_("Input on behalf of the room")), cls="bf-h3")
                + tag("div", esc(_("For people without a device or paper notes; marked as such.")), cls="bf-hint")
            )
            self.behalf_box.children = [head, *children]
            self.behalf_box.layout.display = None
        else:
            self.behalf_box.children = []
            self.behalf_box.layout.display = "none"

    def _save_for_room(self, step_id: str, slot: str, input_type_name: str, value: Any) -> bool:
        assert self.room is not None
        try:
            kind = input_type(input_type_name)
            assert kind is not None
            kind.save(self.engine, self.room, None, step_id, value, slot=slot, input_id=str(uuid.uuid4()))
        except rooms.Rejected as rejected:
            self.status.value = tag("div", esc(rejected.message(self._)), cls="bf-msg-error", role="alert")
            return False
        except Exception:
            log.exception("saving for the room failed")
            self.status.value = tag("div", esc(self._(MSG_SOMETHING_WRONG)), cls="bf-msg-error", role="alert")
            return False
        self.status.value = tag("div", esc(self._("Added for the room.")), cls="bf-msg-ok")
        self._refresh()
        self._build_behalf(rooms.current_step(self.room))  # a clean form for the next paper note
        return True

    @guarded
    def _on_behalf_card(self, _widget: Any) -> None:
        assert self.behalf_text is not None and self.behalf_column is not None  # the button comes with the form
        step = rooms.current_step(self.room)
        columns = (rooms.card_spec(step) or {}).get("columns")
        rooms.submit_card(
            self.engine,
            self.room,
            None,
            step["id"],
            self.behalf_text.value,
            column=self.behalf_column.value if columns else None,
            input_id=str(uuid.uuid4()),
        )
        self.behalf_text.value = ""
        self.status.value = tag("div", esc(self._("Added for the room.")), cls="bf-msg-ok")
        self._refresh()
