"""Download a room's knowledge summary without freezing the page: the export runs in a worker thread.

Building the summary executes a notebook (10–15 s for a full room). While it runs the button says so, a
progress line counts the seconds, and every other control keeps working; when it is done the file is
handed to the browser. The moderator chooses whether cards hidden from the projector go in (marked).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, live, store
from bifrost_lab.markup import esc, tag
from bifrost_lab.ui.browser import BrowserBridge
from bifrost_lab.ui.console._common import MSG_SOMETHING_WRONG, button, error_html, ok_html

log = live.log
TICK_SECONDS = 1.0


def export_html(room_id: str, *, db_url: str, language: str, hidden_cards: str) -> str:
    """The summary as HTML (reports/export.py, imported only when asked for: it loads nbconvert)."""
    from bifrost_lab.reports.export import export_room_html

    return export_room_html(room_id, db_url=db_url, language=language, hidden_cards=hidden_cards)


def summary_filename(room: store.Room, gettext: Callable[[str], str]) -> str:
    """vidensopsamling-<meeting>-<date>-<room>.html, in the page's language."""
    stamp = time.strftime("%Y-%m-%d", time.localtime(room.created_at))
    stem = "-".join(gettext("Knowledge summary").lower().split())  # vidensopsamling, tietokooste, …
    return f"{stem}-{room.meeting_id}-{stamp}-{room.id}.html"


def progress_html(seconds: float, gettext: Callable[[str], str]) -> str:
    """An indeterminate progress bar and the seconds so far, announced politely to screen readers."""
    text = gettext("Preparing the summary… {seconds} s. You can keep working.").format(seconds=int(seconds))
    return tag(
        "div",
        tag("progress", "", aria_label=gettext("Preparing the summary")) + " " + tag("span", esc(text)),
        cls="bf-export-busy",
        role="status",
    )


class SummaryDownload:
    """The "hidden cards too" choice, the download button and its progress line, for one room."""

    def __init__(self, room: store.Room, language: str, bridge: BrowserBridge, db_url: str) -> None:
        self.room = room
        self.language = language
        self._ = _ = i18n.gettext_for(language)
        self.bridge = bridge
        self.db_url = db_url
        self.export: Callable[..., str] = export_html  # a test may put a slower or failing one here
        self.task: asyncio.Task | None = None
        self.include_hidden = w.Checkbox(
            description=_("Include hidden cards"),
            tooltip=_("Cards hidden from the projector go into the summary, marked as hidden"),
            value=False,
            indent=False,
            layout=w.Layout(width="auto"),
        ).add_class("bf-export-hidden")
        self.button = button(_("Download summary"), "bf-export", self._on_click)
        self.progress = w.HTML().add_class("bf-export-progress")
        self.box = w.VBox([w.HBox([self.button, self.include_hidden]), self.progress]).add_class("bf-export-panel")

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def _on_click(self, _widget: Any) -> None:
        if self.busy:
            return
        hidden_cards = "mark" if self.include_hidden.value else "omit"
        self.task = asyncio.get_running_loop().create_task(self._run(hidden_cards))

    async def _run(self, hidden_cards: str) -> None:
        _ = self._
        started = time.monotonic()
        self.button.disabled = True
        self.button.description = _("Preparing…")
        self.progress.value = progress_html(0, _)
        ticker = asyncio.get_running_loop().create_task(self._tick(started))
        try:
            html = await asyncio.to_thread(
                functools.partial(
                    self.export, self.room.id, db_url=self.db_url, language=self.language, hidden_cards=hidden_cards
                )
            )
            self.bridge.download(summary_filename(self.room, _), html)
            self.progress.value = ok_html(
                _("The summary has been downloaded ({seconds} s).").format(seconds=round(time.monotonic() - started))
            )
        except Exception:
            log.exception("export of room %s failed", self.room.id)
            self.progress.value = error_html(_(MSG_SOMETHING_WRONG))
        finally:
            ticker.cancel()
            self.button.disabled = False
            self.button.description = _("Download summary")

    async def _tick(self, started: float) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self.progress.value = progress_html(time.monotonic() - started, self._)
