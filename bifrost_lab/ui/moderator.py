"""The moderator app: pick a meeting, open or resume a room, run it from a console, project it. Widgets only.

Two views of the same room, each in its own kernel and both following the store:
- the console (`?room=ID`, the laptop): the projected content plus controls, the facilitator prompt,
  notes, every input including hidden ones, clustering, moderation and input on behalf of the room;
- the projector (`?view=projector&room=ID`): clean and large, only what the room may see.
The panels live in `ui/console/`; this app picks the page, follows the room and shows each change.
"""

from __future__ import annotations

import ipywidgets as w
from IPython.display import display

from bifrost_lab import config, i18n, live, rooms, store
from bifrost_lab.store import Database
from bifrost_lab.ui.browser import BrowserBridge
from bifrost_lab.ui.console._common import guarded
from bifrost_lab.ui.console.projector import ProjectorPanel
from bifrost_lab.ui.console.room import RoomConsole
from bifrost_lab.ui.console.start import StartPanel
from bifrost_lab.ui.console.stepbar import SHORTCUTS

log = live.log
_apps: list[ModeratorApp] = []


def run_moderator_app(db_url: str | None = None, language: str | None = None) -> None:
    """Build and display the moderator app (called by notebooks/moderator.ipynb)."""
    app = ModeratorApp(store.connect(db_url or config.db_url()), db_url or config.db_url(), language)
    _apps.append(app)
    display(app.root)


class ModeratorApp:
    """The moderator's page in one kernel: the start screen, or one room as console or projector."""

    def __init__(self, engine: Database, db_url: str, language: str | None = None) -> None:
        self.engine = engine
        self.db_url = db_url
        self.language = i18n.normalise_language(language or config.setting("language"))
        self._ = i18n.gettext_for(self.language)
        self.room: store.Room | None = None
        self.board = rooms.Board.empty()
        self.feed: live.RoomFeed | None = None
        self.view = "console"
        self.start: StartPanel | None = None  # the page shown: the start screen, a console or a projector
        self.console: RoomConsole | None = None
        self.projector: ProjectorPanel | None = None
        self.bridge = BrowserBridge(language=self.language)
        self.status = w.HTML().add_class("bf-status")
        self.body = w.VBox(layout=w.Layout(width="100%"))
        self.root = w.VBox([self.bridge, self.body], layout=w.Layout(width="100%")).add_class("bf-mod")
        self.bridge.observe(self._on_bridge_ready, names="ready")

    @guarded
    def _on_bridge_ready(self, change: dict) -> None:
        if not change["new"]:
            return
        params = self.bridge.params()
        room_id = params.get("room", "")
        found = store.get_room(self.engine, room_id) if room_id else None
        self.view = "projector" if params.get("view") == "projector" else "console"
        if found is not None:
            self.show_room(found)
        else:
            self.show_start()

    def show_start(self) -> None:
        self._stop_feed()
        self.bridge.set_query(room=None, view=None)
        self.view = "console"
        self.console = self.projector = None
        self.status.value = ""  # a message about a room stays with that room
        self.bridge.shortcuts = {}
        self.start = StartPanel(
            self.engine, self.language, self.status, self.show_room, bridge=self.bridge, db_url=self.db_url
        )
        self.body.children = self.start.children
        self.root.remove_class("bf-projecting")

    def show_room(self, opened: store.Room) -> None:
        self.language = rooms.room_language(opened)  # one language at a time: the interface and the content
        self._ = i18n.gettext_for(self.language)
        self.bridge.language = self.language
        self.room = opened
        self.board = rooms.Board.empty()
        self.start = None
        self.status.value = ""  # an error of the start screen is not the new room's
        projector = self.view == "projector"
        self.bridge.set_query(room=opened.id, view="projector" if projector else None)
        if projector:
            self.console = None
            self.projector = ProjectorPanel(opened, self.board, self.language)
            self.body.children = self.projector.widgets
            self.root.add_class("bf-projector-view")
            if self.bridge.params().get("look") == "dark":
                self.root.add_class("bf-theme-dark")  # high contrast for bright halls and weak projectors
        else:
            self.projector = None
            self.console = RoomConsole(
                self.engine,
                opened,
                self.board,
                self.status,
                bridge=self.bridge,
                db_url=self.db_url,
                refresh=self.refresh,
                on_back=self.show_start,
            )
            self.body.children = self.console.children
            self.root.add_class("bf-console-view")
            self.bridge.shortcuts = {cls: key for cls, (key, _what) in SHORTCUTS.items()}
        self.root.add_class("bf-projecting")
        self._stop_feed()
        changes = store.changes_since(self.engine, opened.id, 0)
        self._apply(changes)
        self.feed = live.RoomFeed(self.engine, opened.id, self._apply, since_version=changes.room.version).start()

    def refresh(self) -> None:
        """Show what changed at once (our own writes) instead of waiting for the next poll."""
        if self.feed is not None and self.room is not None:
            changes = store.changes_since(self.engine, self.room.id, self.feed.version)
            self.feed.version = changes.room.version
            self._apply(changes)

    def _stop_feed(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def _apply(self, changes: store.Changes) -> None:
        try:
            self.board.apply(changes)
            self.room = changes.room
            if self.console is not None:
                self.console.show(changes.room)
            elif self.projector is not None:
                self.projector.show(changes.room)
        except Exception:
            log.exception("moderator page update failed")
