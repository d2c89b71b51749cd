"""The projector (`?view=projector&room=ID`): meeting and progress, the step's question, how to join, the board.

The console shows the same panel as its preview, with what only the moderator may see. The HTML comes
from pure functions; the panel only owns the widgets and the countdown.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as w

from bifrost_lab import config, i18n, rooms, store
from bifrost_lab.markup import demo_banner_html, esc, join_list, qr_svg, tag, text_block
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
    """Where and with which code to join, and a QR code of the join link."""
    _ = i18n.gettext_for(language)
    url = join_url(room.join_code)
    short = participant_base_url().split("://", 1)[-1].rstrip("/")
    return (
        tag("div", esc(_("Join at")), cls="bf-join-label")
        + tag("div", esc(short), cls="bf-join-url")
        + tag("div", esc(_("Code")), cls="bf-join-label")
        + tag("div", esc(room.join_code), cls="bf-join-code")
        + tag("div", qr_svg(url, scale=6), cls="bf-qr", role="img", aria_label=_("QR code to join the meeting"))
    )


def closed_html(language: str) -> str:
    """In place of the code and QR once the room is closed: a late arrival is not sent to a dead code."""
    _ = i18n.gettext_for(language)
    return tag("div", esc(_(rooms.MSG_ROOM_CLOSED)), cls="bf-join-closed", role="status")


class ProjectorPanel:
    """What the room sees of one room: a header with the timer, the question beside the join panel, the board."""

    def __init__(self, room: store.Room, board: rooms.Board, language: str, *, console: bool = False) -> None:
        self.board = board
        self.language = language
        self.console = console
        self.top = w.HTML().add_class("bf-proj-top")
        self.countdown = Countdown()
        self.stage = w.HTML(layout=w.Layout(flex="1 1 auto")).add_class("bf-proj-stage")
        joining = join_html(room, language) if room.is_open else closed_html(language)
        self.join_panel = w.HTML(joining, layout=w.Layout(flex="0 0 auto")).add_class("bf-join")
        self.shown_join = (room.join_code, room.is_open)
        self.board_view = w.HTML().add_class("bf-board")
        self.header = w.HBox([self.top, self.countdown], layout=w.Layout(width="100%")).add_class("bf-proj-header")
        self.main = w.HBox([self.stage, self.join_panel], layout=w.Layout(width="100%")).add_class("bf-proj-main")
        self.widgets: list[w.Widget] = [self.header, self.main, self.board_view]

    def show(self, room: store.Room) -> None:
        """Show the room as it is now (its current step, timer and board)."""
        step = rooms.current_step(room)
        self.top.value = top_html(room, self.board, step, self.language)
        if (room.join_code, room.is_open) != self.shown_join:  # closed (or reopened, maybe with a new code)
            self.shown_join = (room.join_code, room.is_open)
            self.join_panel.value = join_html(room, self.language) if room.is_open else closed_html(self.language)
        self.countdown.emphasis = "break" if step.get("type") == "break" else ""  # big: when to be back
        self.stage.value = stage_html(step, self.language)
        self.countdown.set_trait("server_now", time.time())
        self.countdown.anchor = room.timer_anchor or time.time()
        self.countdown.remaining = room.timer_remaining
        self.countdown.running = room.timer_running
        self.board_view.value = render_board(room, self.board, step, self.language, console=self.console)
