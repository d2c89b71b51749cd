"""The console's top strip: what concerns the whole room, apart from the step bar below.

Back to all rooms, the join code, the projector windows, names hidden in every step, the summary, and
closing the room: closing asks first, sits apart from the summary, and can be undone (reopened) for
`reopen_minutes` after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database
from bifrost_lab.ui.browser import BrowserBridge
from bifrost_lab.ui.console._common import button, guarded
from bifrost_lab.ui.console.summary import SummaryDownload


def room_line_html(room: store.Room, language: str) -> str:
    """Since when the room is closed (an open room's code is in the preview's join panel)."""
    _ = i18n.gettext_for(language)
    if room.is_open:
        return ""
    closed_at = time.strftime("%H:%M", time.localtime(room.closed_at or time.time()))
    return tag("span", esc(_("Closed at {time}").format(time=closed_at)), cls="bf-room-closed-tag")


def closed_html(room: store.Room, language: str, *, now: float | None = None) -> str:
    """What the console says about a closed room, and until when it can be reopened."""
    _ = i18n.gettext_for(language)
    said = _("Phones can no longer send or join.")
    if rooms.can_reopen(room, now):
        until = time.strftime("%H:%M", time.localtime((room.closed_at or 0) + rooms.reopen_minutes() * 60))
        said += " " + _("You can reopen it until {time}.").format(time=until)
    return tag("div", esc(said), cls="bf-closed-note", role="status")


class RoomActions:
    """The strip above the console's preview; `show(room)` keeps it in step with the room."""

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
        self.refresh = refresh
        self._quiet = False  # True while `show` sets the checkbox: that is not the moderator choosing
        self.back_button = button(_("All rooms"), "bf-back", lambda _b: on_back())
        self.room_line = w.HTML().add_class("bf-room-line")
        self.hide_names = w.Checkbox(
            description=_("Hide names in every step"), indent=False, layout=w.Layout(width="auto")
        ).add_class("bf-hide-names-room")
        self.hide_names.observe(self._on_hide_names, names="value")
        self.summary = SummaryDownload(room, language, bridge, db_url)
        self.close_button = button(_("Close room…"), "bf-close-room", self._on_close_ask)
        self.confirm_close = button(_("Yes, close the room"), "bf-close-confirm", self._on_close, button_style="danger")
        self.cancel_close = button(_("Cancel"), "bf-close-cancel", self._on_close_cancel)
        self.confirm_box = w.HBox(
            [
                w.HTML(
                    tag(
                        "span",
                        esc(
                            _(
                                "Close the room? Phones can no longer send or join; you can reopen it for {minutes} min."
                            ).format(minutes=rooms.reopen_minutes())
                        ),
                        role="alert",
                    )
                ),
                self.confirm_close,
                self.cancel_close,
            ]
        ).add_class("bf-close-confirm-box")
        self.confirm_box.layout.display = "none"
        self.reopen_button = button(_("Reopen room"), "bf-reopen-room", self._on_reopen, button_style="warning")
        self.closed_note = w.HTML().add_class("bf-closed-line")
        self.closing = w.HBox([self.close_button, self.confirm_box, self.closed_note, self.reopen_button]).add_class(
            "bf-closing"
        )
        self.box = w.HBox(
            [
                self.back_button,
                self.room_line,
                button(_("Open projector"), "bf-open-projector", self._on_open_projector),
                button(_("Projector, dark"), "bf-open-projector-dark", self._on_open_projector_dark),
                self.hide_names,
                self.summary.box,
                self.closing,
            ],
            layout=w.Layout(width="100%"),
        ).add_class("bf-console-top")

    def show(self, room: store.Room) -> None:
        self.room = room
        self.summary.room = room
        self.room_line.value = room_line_html(room, self.language)
        self._quiet = True
        try:
            self.hide_names.value = bool(room.settings.get("hide_names"))
        finally:
            self._quiet = False
        if not room.is_open:
            self.confirm_box.layout.display = "none"
        confirming = self.confirm_box.layout.display != "none"
        self.close_button.layout.display = None if room.is_open and not confirming else "none"
        self.closed_note.value = "" if room.is_open else closed_html(room, self.language)
        self.reopen_button.layout.display = None if rooms.can_reopen(room) else "none"

    def _on_hide_names(self, change: dict) -> None:
        if not self._quiet:
            self._set_hide_names(bool(change["new"]))

    @guarded
    def _set_hide_names(self, hide: bool) -> None:
        store.set_room_settings(self.engine, self.room.id, hide_names=hide)
        self.refresh()

    @guarded
    def _on_open_projector(self, _widget: Any) -> None:
        self.bridge.open_window(f"bifrost-projector-{self.room.id}", view="projector", room=self.room.id)

    @guarded
    def _on_open_projector_dark(self, _widget: Any) -> None:
        self.bridge.open_window(
            f"bifrost-projector-dark-{self.room.id}", view="projector", room=self.room.id, look="dark"
        )

    def _on_close_ask(self, _widget: Any) -> None:
        self.close_button.layout.display = "none"
        self.confirm_box.layout.display = None

    def _on_close_cancel(self, _widget: Any) -> None:
        self.confirm_box.layout.display = "none"
        self.close_button.layout.display = None

    @guarded
    def _on_close(self, _widget: Any) -> None:
        self.confirm_box.layout.display = "none"
        store.close_room(self.engine, self.room.id)
        self.refresh()

    @guarded
    def _on_reopen(self, _widget: Any) -> None:
        rooms.reopen_room(self.engine, self.room)
        self.close_button.layout.display = None
        self.refresh()
