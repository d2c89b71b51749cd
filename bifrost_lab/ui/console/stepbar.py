"""The step bar at the bottom of the console: steps, timer, lock, reveal, names in this step; the status line.

Only what the current step can use is shown: lock and reveal on steps that take input, the names
exception on steps that show cards. Each button has a keyboard shortcut (SHORTCUTS, Alt+letter),
handled by the browser bridge and named in the button's tooltip and `aria-keyshortcuts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.i18n import N_
from bifrost_lab.store import Database
from bifrost_lab.ui.console._common import button, guarded, set_step_state
from bifrost_lab.ui.console.projector import join_panel_shown, show_join_panel

# CSS class of a button -> (its key with Alt, what it does). The bridge clicks the visible, enabled button.
SHORTCUTS = {
    "bf-prev": ("P", N_("Previous step")),
    "bf-next": ("N", N_("Next step")),
    "bf-timer-toggle": ("T", N_("Start or pause the timer")),
    "bf-timer-plus": ("M", N_("One more minute")),
    "bf-lock": ("L", N_("Lock or unlock input")),
    "bf-reveal": ("R", N_("Reveal or hide results")),
}


def shortcut_tooltip(cls: str, gettext: Callable[[str], str]) -> str:
    """ "Next step (Alt+N)" in the page's language."""
    key, what = SHORTCUTS[cls]
    return f"{gettext(what)} (Alt+{key})"


def shows_names(board: rooms.Board, step: dict[str, Any]) -> bool:
    """Whether names can appear in a step: it takes cards, or it shows clusters of cards."""
    return rooms.card_spec(step) is not None or bool(board.step_clusters(step["id"]))


class StepBar:
    """The console's control bar; it also holds the status line. `refresh()` shows a change at once."""

    def __init__(
        self,
        engine: Database,
        room: store.Room,
        board: rooms.Board,
        language: str,
        status: w.HTML,
        *,
        refresh: Callable[[], None],
    ) -> None:
        self.engine = engine
        self.room = room
        self.board = board
        self.language = language
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.refresh = refresh

        def shortcut_button(text: str, cls: str, handler: Callable[[Any], Any], **kwargs: Any) -> w.Button:
            return button(text, cls, handler, tooltip=shortcut_tooltip(cls, _), **kwargs)

        self.previous_button = shortcut_button(_("◀ Previous"), "bf-prev", lambda _b: self._step_by(-1))
        self.next_button = shortcut_button(_("Next ▶"), "bf-next", lambda _b: self._step_by(+1), button_style="primary")
        self.timer_button = shortcut_button(_("Start timer"), "bf-timer-toggle", self._on_timer_toggle)
        self.plus_button = shortcut_button(_("+1 min"), "bf-timer-plus", self._on_timer_plus)
        self.lock_button = shortcut_button(_("Lock input"), "bf-lock", self._on_lock)
        self.reveal_button = shortcut_button(_("Reveal results"), "bf-reveal", self._on_reveal)
        self.anonymous_button = button(_("Hide names in this step"), "bf-anonymous", self._on_anonymous)
        # short: the step bar is one row at 1366×768; the tooltip says what it does
        self.join_button = button("QR", "bf-join-toggle", self._on_join_toggle, tooltip=_("Show the join code"))
        self.box = w.HBox(
            [
                self.previous_button,
                self.next_button,
                self.timer_button,
                self.plus_button,
                button(_("+5 min"), "bf-timer-plus5", self._on_timer_plus5),
                self.lock_button,
                self.reveal_button,
                self.anonymous_button,
                self.join_button,
                status,
            ]
        ).add_class("bf-controls")

    def show(self, room: store.Room, step: dict[str, Any]) -> None:
        """Name each toggle after what it will do in the room as it is now; hide what the step cannot use."""
        _ = self._
        self.room = room
        state = rooms.step_state(room, step["id"])
        takes_input = bool(rooms.step_inputs(step))
        self.timer_button.description = _("Pause timer") if room.timer_running else _("Start timer")
        self.lock_button.description = _("Unlock input") if state.get("locked") else _("Lock input")
        self.reveal_button.description = (
            _("Hide results") if rooms.results_revealed(room, step) else _("Reveal results")
        )
        self.lock_button.layout.display = None if takes_input else "none"
        self.reveal_button.layout.display = None if takes_input else "none"
        self.anonymous_button.description = (
            _("Hide names in this step") if rooms.names_shown(room, step) else _("Show names in this step")
        )
        self.anonymous_button.layout.display = None if shows_names(self.board, step) else "none"
        self.previous_button.disabled = room.step_index == 0
        self.next_button.disabled = room.step_index >= len(rooms.steps(room)) - 1
        # the join panel shrinks to a bar once people are in; a late arrival may need the QR code back
        shown = join_panel_shown(room, self.board)
        self.join_button.tooltip = _("Hide the join code") if shown else _("Show the join code")
        self.join_button.button_style = "info" if shown else ""
        self.join_button.layout.display = None if room.is_open else "none"

    @guarded
    def _on_join_toggle(self, _widget: Any) -> None:
        show_join_panel(self.engine, self.room, not join_panel_shown(self.room, self.board))
        self.refresh()

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
        if rooms.step_inputs(step):  # a shortcut must not lock a step that takes nothing
            self._step_state(locked=not rooms.step_state(self.room, step["id"]).get("locked", False))

    @guarded
    def _on_reveal(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        if rooms.step_inputs(step):
            self._step_state(revealed=not rooms.results_revealed(self.room, step))

    @guarded
    def _on_anonymous(self, _widget: Any) -> None:
        """An exception for this step; back to the room's setting when it matches it again."""
        step = rooms.current_step(self.room)
        hide = rooms.names_shown(self.room, step)
        self._step_state(anonymous=None if hide == bool(self.room.settings.get("hide_names")) else hide)
