"""Undo for the console's edits of the board (clusters, hidden cards): one button, the last 50 edits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms
from bifrost_lab.store import Database
from bifrost_lab.ui.console._common import button, guarded

KEEP = 50


class UndoPanel:
    """The undo button and its stack; other panels `push` what they did."""

    def __init__(self, engine: Database, language: str, status: w.HTML, refresh: Callable[[], None]) -> None:
        self.engine = engine
        self._ = i18n.gettext_for(language)
        self.status = status
        self.refresh = refresh
        self.stack: list[rooms.Undo] = []
        self.button = button(self._("Undo"), "bf-undo", self._on_undo)

    def push(self, edit: rooms.Undo) -> None:
        self.stack.append(edit)
        del self.stack[:-KEEP]

    def show(self) -> None:
        """Say what the button would undo, or disable it."""
        _ = self._
        self.button.disabled = not self.stack
        self.button.description = (
            _("Undo: {what}").format(what=_(self.stack[-1].description)) if self.stack else _("Undo")
        )

    @guarded
    def _on_undo(self, _widget: Any) -> None:
        if self.stack:
            rooms.undo(self.engine, self.stack.pop())
            self.refresh()
