"""The step bar at the bottom of the console: steps, timer, lock, reveal, names, projector, summary, closing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.store import Database
from bifrost_lab.ui.browser import BrowserBridge
from bifrost_lab.ui.console._common import button, guarded, ok_html, set_step_state


class StepBar:
    """The console's control bar; it also holds the status line. `refresh()` shows a change at once."""

    def __init__(
        self,
        engine: Database,
        room: store.Room,
        language: str,
        status: w.HTML,
        *,
        bridge: BrowserBridge,
        db_url: str,
        refresh: Callable[[], None],
        on_back: Callable[[], None],
    ) -> None:
        self.engine = engine
        self.room = room
        self.language = language
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.bridge = bridge
        self.db_url = db_url
        self.refresh = refresh
        self.timer_button = button(_("Start timer"), "bf-timer-toggle", self._on_timer_toggle)
        self.lock_button = button(_("Lock input"), "bf-lock", self._on_lock)
        self.reveal_button = button(_("Reveal results"), "bf-reveal", self._on_reveal)
        self.anonymous_button = button(_("Hide names"), "bf-anonymous", self._on_anonymous)
        self.back_button = button(_("All rooms"), "bf-back", lambda _b: on_back())
        self.previous_button = button(_("◀ Previous"), "bf-prev", lambda _b: self._step_by(-1))
        self.next_button = button(_("Next ▶"), "bf-next", lambda _b: self._step_by(+1), button_style="primary")
        self.box = w.HBox(
            [
                self.back_button,
                self.previous_button,
                self.next_button,
                self.timer_button,
                button(_("+1 min"), "bf-timer-plus", self._on_timer_plus),
                button(_("+5 min"), "bf-timer-plus5", self._on_timer_plus5),
                self.lock_button,
                self.reveal_button,
                self.anonymous_button,
                button(_("Open projector"), "bf-open-projector", self._on_open_projector),
                button(
                    _("Open projector (dark, high contrast)"), "bf-open-projector-dark", self._on_open_projector_dark
                ),
                button(_("Download summary"), "bf-export", self._on_export),
                button(_("Close room"), "bf-close-room", self._on_close_room),
                status,
            ]
        ).add_class("bf-controls")

    def show(self, room: store.Room, step: dict[str, Any]) -> None:
        """Name each toggle after what it will do in the room as it is now."""
        _ = self._
        self.room = room
        state = rooms.step_state(room, step["id"])
        self.timer_button.description = _("Pause timer") if room.timer_running else _("Start timer")
        self.lock_button.description = _("Unlock input") if state.get("locked") else _("Lock input")
        self.reveal_button.description = (
            _("Hide results") if rooms.results_revealed(room, step) else _("Reveal results")
        )
        self.anonymous_button.description = _("Show names") if not rooms.names_shown(room, step) else _("Hide names")

    def _step_state(self, **state: Any) -> None:
        set_step_state(self.engine, self.room, **state)
        self.refresh()

    @guarded
    def _step_by(self, delta: int) -> None:
        rooms.go_to_step(self.engine, self.room, self.room.step_index + delta)
        self.refresh()

    @guarded
    def _on_timer_toggle(self, _widget: Any) -> None:
        store.set_timer(self.engine, self.room.id, running=not self.room.timer_running)
        self.refresh()

    @guarded
    def _on_timer_plus(self, _widget: Any) -> None:
        store.set_timer(self.engine, self.room.id, add_seconds=60)
        self.refresh()

    @guarded
    def _on_timer_plus5(self, _widget: Any) -> None:
        store.set_timer(self.engine, self.room.id, add_seconds=300)
        self.refresh()

    @guarded
    def _on_lock(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        self._step_state(locked=not rooms.step_state(self.room, step["id"]).get("locked", False))

    @guarded
    def _on_reveal(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        self._step_state(revealed=not rooms.results_revealed(self.room, step))

    @guarded
    def _on_anonymous(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        self._step_state(anonymous=rooms.names_shown(self.room, step))

    @guarded
    def _on_open_projector(self, _widget: Any) -> None:
        self.bridge.open_window(f"bifrost-projector-{self.room.id}", view="projector", room=self.room.id)

    def _on_open_projector_dark(self, _widget: Any) -> None:
        self.bridge.open_window(
            f"bifrost-projector-dark-{self.room.id}", view="projector", room=self.room.id, look="dark"
        )

    @guarded
    def _on_close_room(self, _widget: Any) -> None:
        store.close_room(self.engine, self.room.id)
        self.refresh()

    @guarded
    def _on_export(self, _widget: Any) -> None:
        from bifrost_lab.reports.export import export_room_html

        self.status.value = ok_html(self._("Preparing the summary…"))
        html = export_room_html(self.room.id, db_url=self.db_url, language=self.language)
        stamp = time.strftime("%Y-%m-%d", time.localtime(self.room.created_at))
        stem = "-".join(self._("Knowledge summary").lower().split())  # vidensopsamling, tietokooste, …
        self.bridge.download(f"{stem}-{self.room.meeting_id}-{stamp}-{self.room.id}.html", html)
        self.status.value = ok_html(self._("The summary has been downloaded."))
