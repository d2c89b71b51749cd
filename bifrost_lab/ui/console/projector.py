"""The projector (`?view=projector&room=ID`): meeting and progress, the step's question, how to join, the board.

The console shows the same panel as its preview, with what only the moderator may see. The HTML comes
from pure functions; the panel only owns the widgets, the countdown and the fit.

The projector page always fits the screen and never scrolls (a room cannot scroll it): the page is one
grid as high as the window, and `ProjectorFit` (ui/projector_fit.js) sizes the question and the board's text to
what there is to show, drops extras and summarises long lists with "+ N more" (issue 22). The join panel
(QR code, address, code) is whole until people have joined, then a small bar in the header; it comes
back on demand with the J key on the projector window or the console's `show_join_panel`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from bifrost_lab import config, i18n, rooms, store
from bifrost_lab.markup import demo_banner_html, esc, join_list, qr_svg, tag, text_block
from bifrost_lab.store import Database
from bifrost_lab.ui.browser import Countdown
from bifrost_lab.ui.console.board import render_board


def participant_base_url() -> str:
    return config.setting("participant_url") or "http://127.0.0.1:8867/"


def join_url(code: str) -> str:
    base = participant_base_url()
    return f"{base}{'&' if '?' in base else '?'}code={code}"


def top_html(room: store.Room, board: rooms.Board, step: dict[str, Any], language: str) -> str:
    """The meeting's title, the step count, how many are in and how many have answered."""
    _ = i18n.gettext_for(language)
    people = len(board.counted_participants())
    ngettext = i18n.ngettext_for(language)
    meta = [
        _("Step {n} of {total}").format(n=room.step_index + 1, total=len(rooms.steps(room))),
        ngettext("{n} participant", "{n} participants", people).format(n=people),
    ]
    if rooms.step_inputs(step):
        meta.append(_("{n} of {m} have answered").format(n=board.answered(step), m=people))
    banner = demo_banner_html(language) if room.demo else ""  # a demo room says so on its first screen
    return (
        banner
        + tag("div", esc(rooms.text(room.content["meeting"]["title"], language)), cls="bf-proj-meeting")
        + tag("div", join_list(tag("span", esc(m), cls="bf-meta-item") for m in meta), cls="bf-proj-meta")
    )


def stage_html(step: dict[str, Any], language: str) -> str:
    """The step's title and its question, large."""
    return tag("h1", esc(rooms.text(step.get("title"), language)), cls="bf-proj-title") + text_block(
        rooms.text(step.get("question"), language), cls="bf-proj-question"
    )


def join_html(room: store.Room, language: str) -> str:
    """Where and with which code to join, and a QR code of the join link (the bar shows the first two only)."""
    _ = i18n.gettext_for(language)
    url = join_url(room.join_code)
    short = participant_base_url().split("://", 1)[-1].rstrip("/")
    return (
        tag(
            "div",
            tag("div", esc(_("Join at")), cls="bf-join-label") + tag("div", esc(short), cls="bf-join-url"),
            cls="bf-join-where",
        )
        + tag(
            "div",
            tag("div", esc(_("Code")), cls="bf-join-label") + tag("div", esc(room.join_code), cls="bf-join-code"),
            cls="bf-join-what",
        )
        + tag("div", qr_svg(url, scale=6), cls="bf-qr", role="img", aria_label=_("QR code to join the meeting"))
    )


def closed_html(language: str) -> str:
    """In place of the code and QR once the room is closed: a late arrival is not sent to a dead code."""
    _ = i18n.gettext_for(language)
    return tag("div", esc(_(rooms.MSG_ROOM_CLOSED)), cls="bf-join-closed", role="status")


def join_panel_shown(room: store.Room, board: rooms.Board) -> bool:
    """Whether the projector shows the whole join panel (QR code, large code) rather than the small join bar.

    Whole until someone has joined; then the bar, unless the moderator asked for the panel in this step.
    """
    asked = rooms.step_state(room, rooms.current_step(room)["id"]).get("join")
    if asked is not None:
        return bool(asked)
    return not board.counted_participants()


def show_join_panel(engine: Database, room: store.Room, shown: bool) -> store.Room:
    """The console's "show the join code" toggle: the whole join panel (or the bar) for the rest of this step."""
    return store.set_step_state(engine, room.id, rooms.current_step(room)["id"], join=bool(shown))


class ProjectorFit(anywidget.AnyWidget):
    """Invisible: fits the projector page to the window (ui/projector_fit.js) and counts presses of the J key."""

    _esm = Path(__file__).parent.parent / "projector_fit.js"  # beside the other widgets' modules (package data)
    join_key = traitlets.Int(0).tag(sync=True)


class ProjectorPanel:
    """What the room sees of one room: a header with the timer, the question, the join panel or bar, the board."""

    def __init__(self, room: store.Room, board: rooms.Board, language: str, *, console: bool = False) -> None:
        self.board = board
        self.language = language
        self.console = console
        self.room = room
        self.top = w.HTML().add_class("bf-proj-top")
        self.countdown = Countdown()
        self.show_timer(room)  # the first render shows the room's timer, not a red, paused 0:00
        self.stage = w.HTML(layout=w.Layout(flex="1 1 auto")).add_class("bf-proj-stage")
        joining = join_html(room, language) if room.is_open else closed_html(language)
        self.join_panel = w.HTML(joining, layout=w.Layout(flex="0 0 auto")).add_class("bf-join")
        self.shown_join = (room.join_code, room.is_open)
        self.board_view = w.HTML().add_class("bf-board")
        self.header = w.HBox([self.top, self.countdown], layout=w.Layout(width="100%")).add_class("bf-proj-header")
        self.main = w.HBox([self.stage, self.join_panel], layout=w.Layout(width="100%")).add_class("bf-proj-main")
        parts: list[w.Widget] = [self.header, self.main, self.board_view]
        self.fit: ProjectorFit | None = None
        if not console:  # the console's preview scrolls with the console; only the projector must fit
            self.fit = ProjectorFit()
            self.fit.observe(self._on_join_key, names="join_key")
            parts.append(self.fit)
        self.frame = w.VBox(parts, layout=w.Layout(width="100%")).add_class("bf-proj-frame")
        self.widgets: list[w.Widget] = [self.frame]
        self.join_flipped = False  # the J key's choice, until the step or the moderator's choice changes
        self._join_asked: tuple[str, Any] | None = None

    def show(self, room: store.Room) -> None:
        """Show the room as it is now (its current step, timer and board)."""
        self.room = room
        step = rooms.current_step(room)
        self.top.value = top_html(room, self.board, step, self.language)
        if (room.join_code, room.is_open) != self.shown_join:  # closed (or reopened, maybe with a new code)
            self.shown_join = (room.join_code, room.is_open)
            self.join_panel.value = join_html(room, self.language) if room.is_open else closed_html(self.language)
        self.countdown.emphasis = "break" if step.get("type") == "break" else ""  # big: when to be back
        self.stage.value = stage_html(step, self.language)
        self.show_timer(room)
        self.board_view.value = render_board(room, self.board, step, self.language, console=self.console)
        self.show_join(room)

    def show_timer(self, room: store.Room) -> None:
        self.countdown.set_trait("server_now", time.time())
        self.countdown.anchor = room.timer_anchor or time.time()
        self.countdown.remaining = room.timer_remaining
        self.countdown.running = room.timer_running

    def show_join(self, room: store.Room) -> None:
        """The whole join panel or the bar, as the room and the J key have it."""
        step_id = rooms.current_step(room)["id"]
        asked = (step_id, rooms.step_state(room, step_id).get("join"))
        if asked != self._join_asked:
            self._join_asked, self.join_flipped = asked, False
        full = join_panel_shown(room, self.board) != self.join_flipped
        self.frame.add_class("bf-join-full" if full else "bf-join-bar")
        self.frame.remove_class("bf-join-bar" if full else "bf-join-full")

    def _on_join_key(self, _change: dict) -> None:
        self.join_flipped = not self.join_flipped
        self.show_join(self.room)
