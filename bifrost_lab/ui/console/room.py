"""The console of one room (`?room=ID`, the moderator's laptop): the panels and where they sit.

Top: what concerns the whole room (projector, names, summary, closing). Left: the projector's preview,
with what only the moderator sees marked. Right: the side panel with the facilitator prompt, undo,
evidence, clusters, moderation, input on behalf of the room and notes. Below: the step bar, first in
the page's order so a keyboard reaches it first. Each panel owns its widgets and handlers; this class
builds them and shows the room in them. A status line belongs to the step it was written in.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.store import Database
from bifrost_lab.ui.browser import BrowserBridge
from bifrost_lab.ui.console.behalf import BehalfPanel
from bifrost_lab.ui.console.clusters import ClusterPanel
from bifrost_lab.ui.console.evidence import EvidencePanel
from bifrost_lab.ui.console.moderation import ModerationPanel
from bifrost_lab.ui.console.notes import NotesPanel
from bifrost_lab.ui.console.projector import ProjectorPanel
from bifrost_lab.ui.console.prompt import PromptPanel
from bifrost_lab.ui.console.roomactions import RoomActions
from bifrost_lab.ui.console.stepbar import StepBar
from bifrost_lab.ui.console.undo import UndoPanel
from bifrost_lab.ui.package_panel import PackagePanel

SIDE_WIDTH = "clamp(20rem, 28vw, 30rem)"  # 24 rem at 1366 px (a projector laptop), 30 rem at 1920 px


class RoomConsole:
    """All panels of the console for `room`; `show(room)` brings them up to date after every change."""

    def __init__(
        self,
        engine: Database,
        room: store.Room,
        board: rooms.Board,
        status: w.HTML,
        *,
        bridge: BrowserBridge,
        db_url: str,
        refresh: Callable[[], None],
        on_back: Callable[[], None],
    ) -> None:
        language = rooms.room_language(room)
        self._ = i18n.gettext_for(language)
        self.status = status
        self.shown_step: str | None = None
        self.preview = ProjectorPanel(room, board, language, console=True)
        self.actions = RoomActions(
            engine, room, language, status, bridge=bridge, db_url=db_url, refresh=refresh, on_back=on_back
        )
        self.bar = StepBar(engine, room, board, language, status, refresh=refresh)
        self.prompt = PromptPanel(board, language)
        self.undo = UndoPanel(engine, language, status, refresh)
        self.evidence = EvidencePanel(engine, room, language, status, refresh)
        self.clusters = ClusterPanel(engine, room, board, language, status, refresh=refresh, push_undo=self.undo.push)
        self.moderation = ModerationPanel(engine, board, language, status, refresh=refresh, push_undo=self.undo.push)
        self.behalf = BehalfPanel(engine, room, board, language, status, refresh)
        self.notes = NotesPanel(engine, room, language, status, refresh)
        self.room = room
        self.package = PackagePanel(bridge, lambda: self.room, db_url, language)  # preface and knowledge package
        self.side = w.VBox(
            [
                *self.prompt.widgets,
                self.undo.button,
                self.evidence.box,
                self.clusters.box,
                self.moderation.box,
                self.behalf.behalf_box,
                *self.notes.widgets,
                self.package.box,
            ],
            layout=w.Layout(width=SIDE_WIDTH, flex=f"0 0 {SIDE_WIDTH}"),
        ).add_class("bf-console-side")
        preview = w.VBox(self.preview.widgets, layout=w.Layout(flex="1 1 auto", min_width="0")).add_class(
            "bf-console-preview"
        )
        self.children: list[w.Widget] = [
            self.bar.box,
            self.actions.box,
            w.HBox([preview, self.side], layout=w.Layout(width="100%")).add_class("bf-console"),
        ]

    def show(self, room: store.Room) -> None:
        self.room = room
        self.preview.show(room)
        step = rooms.current_step(room)
        new_step = step["id"] != self.shown_step
        if new_step and self.shown_step is not None:
            self.status.value = ""  # "Note saved." was about the step left behind
        self.shown_step = step["id"]
        self.actions.show(room)
        self.prompt.show(step)
        self.bar.show(room, step)
        self.undo.show(step["id"])
        self.evidence.show(room, step)
        self.notes.show(room, step, new_step=new_step)
        self.clusters.show(room, step)
        self.moderation.show(step)
        self.behalf.show(room, step, new_step=new_step)
