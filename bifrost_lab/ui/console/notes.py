"""The moderator's notes on a step: kept in the step's state, shown only in the console and in the summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database
from bifrost_lab.ui.console._common import button, guarded, ok_html, set_step_state

NOTE_MAX_CHARS = 4000


class NotesPanel:
    """A heading, the note of the current step, and its save button."""

    def __init__(
        self, engine: Database, room: store.Room, language: str, status: w.HTML, refresh: Callable[[], None]
    ) -> None:
        self.engine = engine
        self.room = room
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.refresh = refresh
        self.notes_input = w.Textarea(
            placeholder=_("Notes for the summary (not shown on the projector)"), rows=3, layout=w.Layout(width="100%")
        ).add_class("bf-notes")
        self.save_button = button(_("Save note"), "bf-notes-save", self._on_save_note)
        self.widgets: list[w.Widget] = [
            w.HTML(tag("h3", esc(_("Notes")), cls="bf-h3")),
            self.notes_input,
            self.save_button,
        ]

    def show(self, room: store.Room, step: dict[str, Any], *, new_step: bool) -> None:
        """On a new step, show its saved note (a note being typed is not overwritten by other changes)."""
        self.room = room
        if new_step:
            self.notes_input.value = rooms.step_state(room, step["id"]).get("note", "")

    @guarded
    def _on_save_note(self, _widget: Any) -> None:
        note = rooms.clean_text(self.notes_input.value, NOTE_MAX_CHARS, required=False)
        set_step_state(self.engine, self.room, note=note)
        self.refresh()
        self.status.value = ok_html(self._("Note saved."))
