"""Small front-end widgets (anywidget): the browser bridge and the countdown.

The bridge reads the page's query string and the rejoin tokens kept in localStorage, and stores new
tokens there. Reading the query string in the browser works with preheated kernels (which start
before the request) and keeps voila.utils (+44 MiB per kernel) out of the participant kernel.
Each widget's JavaScript is a module of its own next to this file (browser.js, countdown.js).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anywidget
import traitlets


class BrowserBridge(anywidget.AnyWidget):
    """Invisible widget: query string and localStorage of the page that shows it."""

    _esm = Path(__file__).with_name("browser.js")
    query = traitlets.Unicode("").tag(sync=True)
    stored = traitlets.Dict().tag(sync=True)
    ready = traitlets.Bool(False).tag(sync=True)
    language = traitlets.Unicode("").tag(sync=True)  # the page's language, written to <html lang>
    # Keyboard shortcuts: CSS class of a button -> its letter with Alt (the console's step bar). The page
    # clicks the visible, enabled button with that class and names the shortcut in aria-keyshortcuts.
    shortcuts = traitlets.Dict().tag(sync=True)

    def params(self) -> dict[str, str]:
        """The query string as a dict of first values (untrusted input)."""
        return {k: v[0] for k, v in parse_qs(self.query.lstrip("?")).items() if v}

    def stored_value(self, key: str) -> Any:
        return self.stored.get(key) if isinstance(self.stored, dict) else None

    def store(self, key: str, value: Any) -> None:
        self.stored = {**self.stored, key: value}
        self.send({"type": "store", "key": key, "value": value})

    def set_query(self, **params: str | None) -> None:
        self.send({"type": "set_query", "params": params})

    def open_window(self, name: str, **params: str) -> None:
        """Open this page with other query parameters in a named window (e.g. the projector view)."""
        self.send({"type": "open_window", "params": params, "name": name})

    def scroll_top(self) -> None:
        self.send({"type": "scroll_top"})

    def download(self, filename: str, content: str, mime: str = "text/html") -> None:
        self.send({"type": "download", "filename": filename, "content": content, "mime": mime})

    def download_bytes(self, filename: str, content: bytes, mime: str = "application/zip") -> None:
        """Let the browser save a binary file (sent as the message's buffer, not as text)."""
        self.send({"type": "download", "filename": filename, "mime": mime}, buffers=[content])


class Countdown(anywidget.AnyWidget):
    """A step timer that counts down in the browser (no traffic per second) and chimes softly at zero."""

    _esm = Path(__file__).with_name("countdown.js")
    running = traitlets.Bool(False).tag(sync=True)
    anchor = traitlets.Float(0.0).tag(sync=True)  # server epoch seconds when `remaining` was measured
    remaining = traitlets.Float(0.0).tag(sync=True)
    server_now = traitlets.Float(0.0).tag(sync=True)
    # "break": the time left is what the room looks at (big, in the middle: the class bf-countdown-break).
    # A class of the widget's own would not do: anywidget does not put _dom_classes on the element it renders.
    emphasis = traitlets.Unicode("").tag(sync=True)
