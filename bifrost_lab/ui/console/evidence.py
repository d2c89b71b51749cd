"""Evidence cards on the projector: off, a grid, or one at a time; and whether cards still to verify are shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database
from bifrost_lab.ui.console._common import button, guarded, set_step_state


class EvidencePanel:
    """The evidence controls of the current step (hidden when the step has no evidence cards)."""

    def __init__(
        self, engine: Database, room: store.Room, language: str, status: w.HTML, refresh: Callable[[], None]
    ) -> None:
        self.engine = engine
        self.room = room
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.refresh = refresh
        self._quiet = False  # True while `show` sets the widgets: that is not the moderator choosing
        self.evidence_mode = w.ToggleButtons(
            options=[(_("Off"), "off"), (_("Grid"), "grid"), (_("One at a time"), "one")],
            style={"button_width": "auto"},
        ).add_class("bf-evidence-mode")
        self.evidence_mode.observe(self._on_evidence_mode, names="value")
        self.unverified_input = w.Checkbox(
            description=_("Show cards still to be verified to the room"), indent=False, layout=w.Layout(width="auto")
        )
        self.unverified_input.add_class("bf-show-unverified")
        self.unverified_input.observe(self._on_show_unverified, names="value")
        evidence_nav = w.HBox(
            [
                button("◀", "bf-ev-prev", lambda _b: self._evidence_step(-1)),
                button("▶", "bf-ev-next", lambda _b: self._evidence_step(+1)),
            ]
        )
        self.box = w.VBox(
            [
                w.HTML(tag("h3", esc(_("Evidence cards on the projector")), cls="bf-h3")),
                self.evidence_mode,
                evidence_nav,
                self.unverified_input,
            ]
        ).add_class("bf-evidence-controls")

    def show(self, room: store.Room, step: dict[str, Any]) -> None:
        self.room = room
        state = rooms.step_state(room, step["id"])
        self.box.layout.display = None if step.get("evidence_cards") else "none"
        mode = state.get("evidence") or ("grid" if not rooms.step_inputs(step) else "off")
        self._quiet = True
        try:
            if self.evidence_mode.value != mode:
                self.evidence_mode.value = mode
            self.unverified_input.value = bool(state.get("show_unverified"))
        finally:
            self._quiet = False

    def _on_evidence_mode(self, change: dict) -> None:
        if not self._quiet and change["new"]:
            self._set_state({"evidence": change["new"]})

    def _on_show_unverified(self, change: dict) -> None:
        if not self._quiet:
            self._set_state({"show_unverified": bool(change["new"])})

    @guarded
    def _set_state(self, state: dict[str, Any]) -> None:
        set_step_state(self.engine, self.room, **state)
        self.refresh()

    @guarded
    def _evidence_step(self, delta: int) -> None:
        step = rooms.current_step(self.room)
        state = rooms.step_state(self.room, step["id"])
        set_step_state(
            self.engine, self.room, evidence="one", evidence_index=int(state.get("evidence_index") or 0) + delta
        )
        self.refresh()
