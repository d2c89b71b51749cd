"""The start screen: pick a programme, a meeting and the room's language, open a room; or go back to a room.

The meeting list always has a meeting chosen, and the language list offers only the languages the
programme is written in. Below: the open rooms to resume, and the recent closed ones with their summaries
(and "Reopen" while a closing is recent).
"""

from __future__ import annotations

import functools
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

RECENT_ROOMS = 12


class StartPanel:
    """The widgets of the start screen; `on_open(room)` shows the room that was opened, resumed or reopened."""

    def __init__(
        self,
        engine: Database,
        language: str,
        status: w.HTML,
        on_open: Callable[[store.Room], None],
        *,
        bridge: BrowserBridge,
        db_url: str,
    ) -> None:
        from bifrost_lab.programme import load_library  # the moderator kernel may load the YAML library

        self.engine = engine
        self.language = language
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.on_open = on_open
        self.bridge = bridge
        self.db_url = db_url
        self.library = load_library()
        programme_options = [(p.title.get(language), p.id) for p in self.library.programmes.values()]
        self.programme_input = w.Dropdown(options=programme_options, layout=w.Layout(width="100%"))
        self.programme_input.add_class("bf-programme-input")
        self.meeting_input = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-meeting-input")
        self.room_language = w.Dropdown(layout=w.Layout(width="12em")).add_class("bf-language-input")
        self.programme_input.observe(lambda _c: self._fill_programme(), names="value")
        self._fill_programme()
        self.open_button = button(_("Open room"), "bf-open-room", self._on_open_room, button_style="primary")
        self.summaries: list[SummaryDownload] = []  # one per closed room listed
        open_rows = [self._open_row(s) for s in store.list_rooms(engine, status="open", limit=RECENT_ROOMS)]
        closed_rows = [self._closed_row(s) for s in store.list_rooms(engine, status="closed", limit=RECENT_ROOMS)]
        self.children: list[w.Widget] = [
            w.HTML(
                tag("h1", esc("BIFROST Lab"), cls="bf-h1")
                + tag(
                    "p",
                    esc(_("Choose a programme and a meeting, then open a room for the participants.")),
                    cls="bf-lead",
                )
            ),
            w.HTML(tag("label", esc(_("Programme")), cls="bf-label")),
            self.programme_input,
            w.HTML(tag("label", esc(_("Meeting")), cls="bf-label")),
            self.meeting_input,
            w.HTML(tag("label", esc(_("Language of the room")), cls="bf-label")),
            self.room_language,
            self.open_button,
            status,
            w.HTML(tag("h2", esc(_("Open rooms")), cls="bf-h2")) if open_rows else w.HTML(""),
            w.VBox(open_rows).add_class("bf-resume-list"),
            w.HTML(tag("h2", esc(_("Recently closed rooms")), cls="bf-h2")) if closed_rows else w.HTML(""),
            w.VBox(closed_rows).add_class("bf-closed-list"),
        ]

    def _fill_programme(self) -> None:
        """The meetings and languages of the chosen programme, with the first meeting (and the page's language) chosen."""
        programme = self.library.programme(self.programme_input.value)
        meetings = [(f"{m.title.get(self.language)} ({m.duration_min} min)", m.id) for m in programme.meetings]
        keep = self.meeting_input.value
        self.meeting_input.options = meetings
        self.meeting_input.value = keep if keep in {m for _label, m in meetings} else meetings[0][1]
        languages = [code for code in i18n.LANGUAGES if code in programme.languages]
        wanted = self.room_language.value or self.language
        self.room_language.options = [(i18n.LANGUAGE_NAMES[code], code) for code in languages]
        self.room_language.value = i18n.best_language(wanted, languages)

    def _room_info(self, summary: store.RoomSummary) -> str:
        _ = self._
        r = summary.room
        title = rooms.text(r.content["meeting"]["title"], self.language)
        when = time.strftime("%d.%m.%Y %H:%M", time.localtime(r.created_at))
        info = _("{title} · code {code} · {when} · {people} participants").format(
            title=title, code=r.join_code, when=when, people=summary.participant_count
        )
        return (tag("span", esc("DEMO"), cls="bf-badge") + " " if r.demo else "") + tag("span", esc(info))

    def _open_row(self, summary: store.RoomSummary) -> w.Widget:
        resume = button(self._("Resume"), "bf-resume", functools.partial(self._on_resume, summary.room.id))
        return w.HBox([w.HTML(self._room_info(summary)), resume]).add_class("bf-resume-row")

    def _closed_row(self, summary: store.RoomSummary) -> w.Widget:
        _ = self._
        room = summary.room
        closed = time.strftime("%d.%m.%Y %H:%M", time.localtime(room.closed_at or room.created_at))
        info = self._room_info(summary) + tag("span", esc(" · " + _("closed {when}").format(when=closed)))
        download = SummaryDownload(room, rooms.room_language(room), self.bridge, self.db_url)
        self.summaries.append(download)
        show = button(_("Open console"), "bf-show-room", functools.partial(self._on_resume, room.id))
        actions: list[w.Widget] = [show, download.box]
        if rooms.can_reopen(room):
            actions.append(button(_("Reopen room"), "bf-reopen-room", functools.partial(self._on_reopen, room.id)))
        return w.VBox([w.HTML(info), w.HBox(actions)]).add_class("bf-closed-row")

    @guarded
    def _on_open_room(self, _widget: Any) -> None:
        opened = rooms.open_room(
            self.engine,
            self.library,
            self.programme_input.value,
            self.meeting_input.value,
            language=self.room_language.value,
        )
        self.on_open(opened)

    @guarded
    def _on_resume(self, room_id: str, _widget: Any) -> None:
        found = store.get_room(self.engine, room_id)
        if found is not None:
            self.on_open(found)

    @guarded
    def _on_reopen(self, room_id: str, _widget: Any) -> None:
        found = store.get_room(self.engine, room_id)
        if found is not None:
            self.on_open(rooms.reopen_room(self.engine, found))
