"""The start screen: pick a programme, a meeting and the room's language, open a room, or resume an open one."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database
from bifrost_lab.ui.console._common import button, guarded


class StartPanel:
    """The widgets of the start screen; `on_open(room)` shows the room that was opened or resumed."""

    def __init__(self, engine: Database, language: str, status: w.HTML, on_open: Callable[[store.Room], None]) -> None:
        from bifrost_lab.programme import load_library  # the moderator kernel may load the YAML library

        self.engine = engine
        self.language = language
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.on_open = on_open
        self.library = load_library()
        programme_options = [(p.title.get(language), p.id) for p in self.library.programmes.values()]
        self.programme_input = w.Dropdown(options=programme_options, layout=w.Layout(width="100%"))
        self.programme_input.add_class("bf-programme-input")
        self.meeting_input = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-meeting-input")
        self.room_language = w.Dropdown(
            options=[(i18n.LANGUAGE_NAMES[c], c) for c in i18n.LANGUAGES],
            value=language,
            layout=w.Layout(width="12em"),
        )
        self.room_language.add_class("bf-language-input")
        self.programme_input.observe(lambda _c: self._fill_meetings(), names="value")
        self._fill_meetings()
        self.open_button = button(_("Open room"), "bf-open-room", self._on_open_room, button_style="primary")
        resume = [self._resume_row(s) for s in store.list_rooms(engine, status="open")[:12]]
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
            w.HTML(tag("h2", esc(_("Open rooms")), cls="bf-h2")) if resume else w.HTML(""),
            w.VBox(resume).add_class("bf-resume-list"),
        ]

    def _fill_meetings(self) -> None:
        programme = self.library.programme(self.programme_input.value)
        self.meeting_input.options = [
            (f"{m.title.get(self.language)} ({m.duration_min} min)", m.id) for m in programme.meetings
        ]

    def _resume_row(self, summary: store.RoomSummary) -> w.Widget:
        _ = self._
        r = summary.room
        title = rooms.text(r.content["meeting"]["title"], self.language)
        when = time.strftime("%d.%m.%Y %H:%M", time.localtime(r.created_at))
        info = _("{title} · code {code} · {when} · {people} participants").format(
            title=title, code=r.join_code, when=when, people=summary.participant_count
        )
        resume = button(_("Resume"), "bf-resume", functools.partial(self._on_resume, r.id))
        return w.HBox([w.HTML(tag("span", esc(info))), resume]).add_class("bf-resume-row")

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
