"""The moderator app: pick a meeting, open or resume a room, and project it. Widgets only.

The projected page shows the step, the question, a countdown, how to join (code, QR, short URL)
and a live board of the participants' cards. Every participant text goes through `markup.esc`.
"""
from __future__ import annotations

import functools
import time
from typing import Any, Callable

import ipywidgets as w
from IPython.display import display

from . import config, i18n, live, room as rooms, solution_ui, store
from .i18n import N_
from .browser import BrowserBridge, Countdown
from .markup import card_html, esc, join_list, qr_svg, tag, text_block

log = live.log
_apps: list["ModeratorApp"] = []

MSG_SOMETHING_WRONG = N_("Something went wrong. Nothing was lost; please try again.")


def run_moderator_app(db_url: str | None = None, language: str | None = None) -> None:
    """Build and display the moderator app (called by notebooks/moderator.ipynb)."""
    app = ModeratorApp(store.connect(db_url or config.db_url()), db_url or config.db_url(), language)
    _apps.append(app)
    display(app.root)


def participant_base_url() -> str:
    return config.setting("participant_url") or "http://127.0.0.1:8867/"


def join_url(code: str) -> str:
    base = participant_base_url()
    return f"{base}{'&' if '?' in base else '?'}code={code}"


def _guarded(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(self: "ModeratorApp", *args: Any) -> None:
        try:
            method(self, *args)
        except rooms.Rejected as rejected:
            self.status.value = tag("div", esc(rejected.message(self._)), cls="bf-msg-error", role="alert")
        except Exception:  # noqa: BLE001
            log.exception("moderator callback %s failed", method.__name__)
            self.status.value = tag("div", esc(self._(MSG_SOMETHING_WRONG)), cls="bf-msg-error", role="alert")
    return wrapper


class ModeratorApp:
    """The moderator's page in one kernel: a start screen and a projected room."""

    def __init__(self, engine: Any, db_url: str, language: str | None = None):
        self.engine = engine
        self.db_url = db_url
        self.language = i18n.normalise_language(language or config.setting("language"))
        self._ = i18n.gettext_for(self.language)
        self.room: store.Room | None = None
        self.board = rooms.Board.empty()
        self.feed: live.RoomFeed | None = None
        self.bridge = BrowserBridge()
        self.status = w.HTML().add_class("bf-status")
        self.body = w.VBox(layout=w.Layout(width="100%"))
        self.root = w.VBox([self.bridge, self.body], layout=w.Layout(width="100%")).add_class("bf-mod")
        self.bridge.observe(self._on_bridge_ready, names="ready")

    @_guarded
    def _on_bridge_ready(self, change: dict) -> None:
        if not change["new"]:
            return
        room_id = self.bridge.params().get("room", "")
        found = store.get_room(self.engine, room_id) if room_id else None
        if found is not None:
            self.show_room(found)
        else:
            self.show_start()

    # -- start screen ---------------------------------------------------------------------------------

    def show_start(self) -> None:
        from .programme import load_library  # the moderator kernel may load the YAML library

        _ = self._
        self._stop_feed()
        self.bridge.set_query(room=None)
        library = load_library()
        self.library = library
        programme_options = [(p.title.get(self.language), p.id) for p in library.programmes.values()]
        self.programme_input = w.Dropdown(options=programme_options, layout=w.Layout(width="100%"))
        self.programme_input.add_class("bf-programme-input")
        self.meeting_input = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-meeting-input")
        self.room_language = w.Dropdown(options=[(i18n.LANGUAGE_NAMES[c], c) for c in i18n.LANGUAGES],
                                        value=self.language, layout=w.Layout(width="12em"))
        self.room_language.add_class("bf-language-input")
        self.programme_input.observe(lambda _c: self._fill_meetings(), names="value")
        self._fill_meetings()
        open_button = w.Button(description=_("Open room"), button_style="primary").add_class("bf-open-room")
        open_button.on_click(self._on_open_room)
        resume = [self._resume_row(s) for s in store.list_rooms(self.engine, status="open")[:12]]
        self.body.children = [
            w.HTML(tag("h1", esc("BIFROST Lab"), cls="bf-h1")
                   + tag("p", esc(_("Choose a programme and a meeting, then open a room for the participants.")),
                         cls="bf-lead")),
            w.HTML(tag("label", esc(_("Programme")), cls="bf-label")), self.programme_input,
            w.HTML(tag("label", esc(_("Meeting")), cls="bf-label")), self.meeting_input,
            w.HTML(tag("label", esc(_("Language of the room")), cls="bf-label")), self.room_language,
            open_button, self.status,
            w.HTML(tag("h2", esc(_("Open rooms")), cls="bf-h2")) if resume else w.HTML(""),
            w.VBox(resume).add_class("bf-resume-list"),
        ]
        self.root.remove_class("bf-projecting")

    def _fill_meetings(self) -> None:
        programme = self.library.programme(self.programme_input.value)
        self.meeting_input.options = [
            (f"{m.title.get(self.language)} ({m.duration_min} min)", m.id) for m in programme.meetings]

    def _resume_row(self, summary: store.RoomSummary) -> w.Widget:
        _ = self._
        r = summary.room
        title = rooms.text(r.content["meeting"]["title"], self.language)
        when = time.strftime("%d.%m.%Y %H:%M", time.localtime(r.created_at))
        info = _("{title} · code {code} · {when} · {people} participants").format(
            title=title, code=r.join_code, when=when, people=summary.participant_count)
        button = w.Button(description=_("Resume")).add_class("bf-resume")
        button.on_click(functools.partial(self._on_resume, r.id))
        return w.HBox([w.HTML(tag("span", esc(info))), button]).add_class("bf-resume-row")

    @_guarded
    def _on_open_room(self, _widget: Any) -> None:
        opened = rooms.open_room(self.engine, self.library, self.programme_input.value, self.meeting_input.value,
                                 language=self.room_language.value)
        self.show_room(opened)

    @_guarded
    def _on_resume(self, room_id: str, _widget: Any) -> None:
        found = store.get_room(self.engine, room_id)
        if found is not None:
            self.show_room(found)

    # -- the projected room -------------------------------------------------------------------------

    def show_room(self, opened: store.Room) -> None:
        _ = i18n.gettext_for(opened.language)
        self._ = _
        self.language = opened.language
        self.room = opened
        self.board = rooms.Board.empty()
        self.bridge.set_query(room=opened.id)
        self.top = w.HTML().add_class("bf-proj-top")
        self.countdown = Countdown()
        self.stage = w.HTML(layout=w.Layout(flex="1 1 auto")).add_class("bf-proj-stage")
        url = join_url(opened.join_code)
        short = participant_base_url().split("://", 1)[-1].rstrip("/")
        self.join_panel = w.HTML(
            tag("div", esc(_("Join at")), cls="bf-join-label")
            + tag("div", esc(short), cls="bf-join-url")
            + tag("div", esc(_("Code")), cls="bf-join-label")
            + tag("div", esc(opened.join_code), cls="bf-join-code")
            + tag("div", qr_svg(url, scale=6), cls="bf-qr", role="img",
                  aria_label=_("QR code to join the meeting")),
            layout=w.Layout(flex="0 0 auto"),
        ).add_class("bf-join")
        self.board_view = w.HTML().add_class("bf-board")
        prev_button = w.Button(description=_("◀ Previous")).add_class("bf-prev")
        next_button = w.Button(description=_("Next ▶"), button_style="primary").add_class("bf-next")
        self.timer_button = w.Button(description=_("Start timer")).add_class("bf-timer-toggle")
        plus_button = w.Button(description=_("+1 min")).add_class("bf-timer-plus")
        export_button = w.Button(description=_("Download summary")).add_class("bf-export")
        close_button = w.Button(description=_("Close room")).add_class("bf-close-room")
        back_button = w.Button(description=_("All rooms")).add_class("bf-back")
        prev_button.on_click(lambda _b: self._step_by(-1))
        next_button.on_click(lambda _b: self._step_by(+1))
        self.timer_button.on_click(self._on_timer_toggle)
        plus_button.on_click(self._on_timer_plus)
        export_button.on_click(self._on_export)
        close_button.on_click(self._on_close_room)
        back_button.on_click(lambda _b: self.show_start())
        controls = w.HBox([back_button, prev_button, next_button, self.timer_button, plus_button,
                           export_button, close_button, self.status]).add_class("bf-controls")
        header = w.HBox([self.top, self.countdown], layout=w.Layout(width="100%")).add_class("bf-proj-header")
        main = w.HBox([self.stage, self.join_panel], layout=w.Layout(width="100%")).add_class("bf-proj-main")
        self.import_box = w.VBox().add_class("bf-import-box")  # catalogue import (issue 10)
        self._import_step: str | None = None
        self.body.children = [header, main, self.board_view, self.import_box, controls]
        self.root.add_class("bf-projecting")
        self._stop_feed()
        changes = store.changes_since(self.engine, opened.id, 0)
        self._apply(changes)
        self.feed = live.RoomFeed(self.engine, opened.id, self._apply, since_version=changes.room.version).start()

    def _stop_feed(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def _apply(self, changes: store.Changes) -> None:
        try:
            self.board.apply(changes)
            self.room = changes.room
            self._render()
        except Exception:  # noqa: BLE001
            log.exception("moderator page update failed")

    def _render(self) -> None:
        _ = self._
        r = self.room
        assert r is not None
        step = rooms.current_step(r)
        lang = self.language
        people = len(self.board.counted_participants())
        ngettext = i18n.ngettext_for(lang)
        self.top.value = (
            tag("div", esc(rooms.text(r.content["meeting"]["title"], lang)), cls="bf-proj-meeting")
            + tag("div", esc(_("Step {n} of {total}").format(n=r.step_index + 1, total=len(rooms.steps(r))))
                  + " · " + esc(ngettext("{n} participant", "{n} participants", people)
                                .format(n=people)), cls="bf-proj-meta")
        )
        self.stage.value = (tag("h1", esc(rooms.text(step.get("title"), lang)), cls="bf-proj-title")
                            + text_block(rooms.text(step.get("question"), lang), cls="bf-proj-question"))
        self.countdown.set_trait("server_now", time.time())
        self.countdown.anchor = r.timer_anchor or time.time()
        self.countdown.remaining = r.timer_remaining
        self.countdown.running = r.timer_running
        self.timer_button.description = _("Pause timer") if r.timer_running else _("Start timer")
        self.board_view.value = self._board_html(step)
        if self._import_step != step["id"]:  # bring good solutions in from the catalogue (issue 10)
            self._import_step = step["id"]
            wanted = rooms.input_type(step) in ("cards", "solution")
            self.import_box.children = solution_ui.import_panel(self.engine, r, step, lang, _) if wanted else []
        if not r.is_open:
            self.status.value = tag("div", esc(_("This room is closed.")), cls="bf-msg-ok")

    def _board_html(self, step: dict) -> str:
        lang = self.language
        r = self.room
        assert r is not None
        if rooms.input_type(step) == "solution":  # good-solution cards (issue 10)
            return self._evidence_html(step) + solution_ui.board_html(r, self.board.inputs, step, lang, self._,
                                                                      self.board.role_of)
        if rooms.input_type(step) != "cards":
            return self._evidence_html(step)
        cards = self.board.cards(step["id"])
        columns = rooms.input_spec(step).get("columns") or []

        def render(card: store.Input) -> str:
            role = self.board.role_of(card)
            person = self.board.participants.get(card.participant_id or "")
            name = person.display_name if person and person.name_consent else None
            label = rooms.role_label(r, role, lang) if role else self._("Entered by the moderator")
            return card_html(card.payload.get("text", ""), f"{label} · {name}" if name else label)

        if not cards:
            return tag("div", esc(self._("The cards appear here as they arrive.")), cls="bf-board-empty")
        if columns:
            lanes = []
            for index, column in enumerate(columns):
                in_lane = [c for c in cards if c.payload.get("column") == index]
                lanes.append(tag("section", tag("h3", esc(rooms.text(column, lang)), cls="bf-lane-title")
                                 + join_list(render(c) for c in in_lane), cls="bf-lane"))
            return tag("div", join_list(lanes), cls="bf-lanes", style=f"--bf-lanes:{len(columns)}")
        return tag("div", join_list(render(c) for c in cards), cls="bf-card-grid")

    def _evidence_html(self, step: dict) -> str:
        lang = self.language
        cards = self.room.content.get("cards", {}) if self.room else {}
        shown = [cards[c] for c in step.get("evidence_cards", []) if c in cards]
        if not shown:
            return ""
        items = []
        for card in shown:
            citation = card.get("citation") or {}
            cite = f"{citation.get('authors', '')} ({citation.get('year', '')})"
            if citation.get("via"):
                cite += f", via {citation['via']}"
            items.append(tag("article", tag("h3", esc(rooms.text(card.get("label"), lang)), cls="bf-ev-label")
                             + text_block(rooms.text(card.get("text"), lang), cls="bf-ev-text")
                             + tag("div", esc(cite), cls="bf-ev-cite"), cls="bf-ev-card"))
        return tag("div", join_list(items), cls="bf-ev-grid")

    # -- controls -------------------------------------------------------------------------------------

    @_guarded
    def _step_by(self, delta: int) -> None:
        assert self.room is not None
        self._apply_room(rooms.go_to_step(self.engine, self.room, self.room.step_index + delta))

    @_guarded
    def _on_timer_toggle(self, _widget: Any) -> None:
        assert self.room is not None
        self._apply_room(store.set_timer(self.engine, self.room.id, running=not self.room.timer_running))

    @_guarded
    def _on_timer_plus(self, _widget: Any) -> None:
        assert self.room is not None
        self._apply_room(store.set_timer(self.engine, self.room.id, add_seconds=60))

    @_guarded
    def _on_close_room(self, _widget: Any) -> None:
        assert self.room is not None
        self._apply_room(store.close_room(self.engine, self.room.id))

    @_guarded
    def _on_export(self, _widget: Any) -> None:
        from .export import export_room_html

        assert self.room is not None
        self.status.value = tag("div", esc(self._("Preparing the summary…")), cls="bf-msg-ok")
        html = export_room_html(self.room.id, db_url=self.db_url, language=self.language)
        stamp = time.strftime("%Y-%m-%d", time.localtime(self.room.created_at))
        self.bridge.download(f"vidensopsamling-{self.room.meeting_id}-{stamp}-{self.room.id}.html", html)
        self.status.value = tag("div", esc(self._("The summary has been downloaded.")), cls="bf-msg-ok")

    def _apply_room(self, updated: store.Room) -> None:
        """Show our own change at once; the feed catches up with everything else."""
        if self.feed is not None:
            changes = store.changes_since(self.engine, updated.id, self.feed.version)
            self.feed.version = changes.room.version
            self._apply(changes)
