"""The console's knowledge package: the organiser's preface and a button that downloads the zip (issue 20).

A small view over reports/package.py: the panel owns its widgets, the moderator console gives it the room,
the database and the page's bridge. The preface field also serves the console's "Download summary" button:
pass `panel.preface_text()` as `preface=` to `export_room_html`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any, Protocol

import ipywidgets as w

from bifrost_lab import i18n, store
from bifrost_lab.i18n import N_
from bifrost_lab.markup import esc, tag

MSG_TITLE = N_("Knowledge package")
MSG_PREFACE_PLACEHOLDER = N_("A few words from the organiser for the cover of the summary (optional)")
MSG_BUTTON = N_("Download knowledge package")
MSG_HINT = N_(
    "Summary as HTML and PDF, charts, raw data with a codebook and the notebook, in one zip. It can be made at any "
    "time: during the meeting it is marked as interim."
)
MSG_BUSY = N_("Preparing the knowledge package…")
MSG_DONE = N_("The knowledge package has been downloaded ({size} KiB).")
MSG_FAILED = N_("The knowledge package could not be made: {reason}")
MSG_NO_ROOM = N_("Open a room first: the knowledge package is made of a room's data.")
PREFACE_MAX_CHARS = 2000


class Downloader(Protocol):
    def download_bytes(self, filename: str, content: bytes, mime: str) -> None: ...


def preface_field(language: str, value: str = "") -> w.Textarea:
    """The console field for the organiser's preface, printed on the summary's cover."""
    _ = i18n.gettext_for(language)
    return w.Textarea(
        value=value, placeholder=_(MSG_PREFACE_PLACEHOLDER), rows=4, layout=w.Layout(width="100%")
    ).add_class("bf-preface-input")


def package_filename(room: store.Room, language: str) -> str:
    """videnspakke-<meeting>-<date>-<room>.zip (the word in the console's language)."""
    from bifrost_lab.reports.package import slug

    stem = slug(i18n.gettext_for(language)(MSG_TITLE), 40)
    stamp = time.strftime("%Y-%m-%d", time.localtime(room.created_at))
    return f"{stem}-{room.meeting_id}-{stamp}-{room.id}.zip"


class PackagePanel:
    """Preface field, download button and status line; `box` is what the console shows."""

    def __init__(self, bridge: Downloader, room: Callable[[], store.Room | None], db_url: str, language: str) -> None:
        self.bridge, self.room, self.db_url, self.language = bridge, room, db_url, language
        _ = i18n.gettext_for(language)
        self.preface = preface_field(language)
        self.button = w.Button(description=_(MSG_BUTTON), icon="download").add_class("bf-package-button")
        self.button.on_click(self._on_click)
        self.status = w.HTML().add_class("bf-package-status")
        self.box = w.VBox(
            [
                w.HTML(tag("h3", esc(_(MSG_TITLE)), cls="bf-h3") + tag("div", esc(_(MSG_HINT)), cls="bf-hint")),
                self.preface,
                self.button,
                self.status,
            ]
        ).add_class("bf-package-panel")

    def preface_text(self) -> str:
        return (self.preface.value or "").strip()[:PREFACE_MAX_CHARS]

    def make_package(self) -> tuple[str, bytes]:
        """The zip of the current room: (file name, bytes)."""
        from bifrost_lab.reports.package import build_room_package

        room = self.room()
        if room is None:
            raise store.RoomNotFound("")
        buffer = io.BytesIO()
        build_room_package(room.id, buffer, db_url=self.db_url, language=self.language, preface=self.preface_text())
        return package_filename(room, self.language), buffer.getvalue()

    def _on_click(self, _widget: Any) -> None:
        from bifrost_lab.reports.export import PdfUnavailable

        _ = i18n.gettext_for(self.language)
        if self.room() is None:
            self.status.value = tag("div", esc(_(MSG_NO_ROOM)), cls="bf-msg-error")
            return
        self.button.disabled = True
        self.status.value = tag("div", esc(_(MSG_BUSY)), cls="bf-msg-ok")
        try:
            name, content = self.make_package()
            self.bridge.download_bytes(name, content, "application/zip")
            self.status.value = tag("div", esc(_(MSG_DONE).format(size=len(content) // 1024)), cls="bf-msg-ok")
        except (PdfUnavailable, store.StoreError, OSError) as error:
            self.status.value = tag("div", esc(_(MSG_FAILED).format(reason=error)), cls="bf-msg-error")
        finally:
            self.button.disabled = False
