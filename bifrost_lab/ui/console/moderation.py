"""Moderation: hide a card from the projector (and show it again); the console keeps showing it, marked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database
from bifrost_lab.ui import projector_charts as charts
from bifrost_lab.ui.console._common import button, guarded


class ModerationPanel:
    """Every card of the step in a list (hidden ones marked ⊘) and one button that toggles the chosen card."""

    def __init__(
        self,
        engine: Database,
        board: rooms.Board,
        language: str,
        status: w.HTML,
        *,
        refresh: Callable[[], None],
        push_undo: Callable[[rooms.Undo], None],
    ) -> None:
        self.engine = engine
        self.board = board
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.refresh = refresh
        self.push_undo = push_undo
        self.moderate_pick = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-moderate-pick")
        self.box = w.VBox(
            [
                w.HTML(tag("h3", esc(_("Moderation")), cls="bf-h3")),
                self.moderate_pick,
                button(_("Hide from projector / show again"), "bf-hide-card", self._on_hide_toggle),
            ]
        ).add_class("bf-moderate-panel")

    def show(self, step: dict[str, Any]) -> None:
        cards = self.board.cards(step["id"], include_hidden=True)
        self.box.layout.display = None if cards else "none"
        options = [(("⊘ " if c.hidden else "") + charts.short(c.payload.get("text", ""), 80), c.id) for c in cards]
        if list(self.moderate_pick.options) != options:
            current = self.moderate_pick.value
            self.moderate_pick.options = options
            if current in {o[1] for o in options}:
                self.moderate_pick.value = current

    @guarded
    def _on_hide_toggle(self, _widget: Any) -> None:
        card = self.board.inputs.get(self.moderate_pick.value or "")
        if card is not None:
            self.push_undo(rooms.hide_input(self.engine, card.id, not card.hidden))
            self.refresh()
