"""Undo for the console's edits of the board (clusters, hidden cards): one button, the last 50 edits per step.

An edit belongs to the step it was made in: "Undo" on step 5 never reaches back into step 3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms
from bifrost_lab.store import Database
from bifrost_lab.ui.console._common import button, guarded

KEEP = 50


class UndoPanel:
    """The undo button and its stacks; other panels `push` what they did in the step shown."""

    def __init__(self, engine: Database, language: str, status: w.HTML, refresh: Callable[[], None]) -> None:
        self.engine = engine
        self._ = i18n.gettext_for(language)
        self.status = status
        self.refresh = refresh
        self.step_id = ""  # the step shown, whose edits the button undoes
        self.stacks: dict[str, list[rooms.Undo]] = {}
        self.button = button(self._("Undo"), "bf-undo", self._on_undo)

    @property
    def stack(self) -> list[rooms.Undo]:
        """The edits of the step shown, oldest first."""
        return self.stacks.get(self.step_id, [])

    def push(self, edit: rooms.Undo) -> None:
        stack = self.stacks.setdefault(self.step_id, [])
        stack.append(edit)
        del stack[:-KEEP]
        self.show()

    def show(self, step_id: str | None = None) -> None:
        """Say what the button would undo in this step, or disable it."""
        _ = self._
        if step_id is not None:
            self.step_id = step_id
        stack = self.stack
        self.button.disabled = not stack
        self.button.description = _("Undo: {what}").format(what=_(stack[-1].description)) if stack else _("Undo")

    @guarded
    def _on_undo(self, _widget: Any) -> None:
        if self.stack:
            rooms.undo(self.engine, self.stack.pop())
            self.refresh()
