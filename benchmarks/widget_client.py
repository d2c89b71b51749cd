"""A participant without a browser: loads a Voila page over HTTP and drives its kernel over the websocket.

It speaks what the Voila front end speaks: the Jupyter messaging protocol on
`/api/kernels/<id>/channels` and the ipywidgets 8 comm protocol on top (the `jupyter.widget.control`
comm's `request_states`, `update` messages for values, `custom` click events for buttons).
Like the browser, it answers the BrowserBridge anywidget with the page's query string and its
localStorage, and keeps what the kernel asks it to store. No JavaScript runs, so it costs a few
hundred KiB per participant on the client side while the server side (HTTP render, kernel,
websocket, widget traffic) is the real thing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

PROTOCOL_VERSION = "5.3"
_CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)


class WidgetTimeout(Exception):
    """A widget condition did not come true in time."""


@dataclass
class Page:
    """One loaded page: its kernel, its widget models, and timing of what happened."""

    url: str
    kernel_id: str = ""
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    stored: dict[str, Any] = field(default_factory=dict)  # the "localStorage" of this participant
    customs: list[dict[str, Any]] = field(default_factory=list)
    get_seconds: float = 0.0
    ws: Any = None
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task | None = None
    closed: bool = False

    # -- loading -------------------------------------------------------------------------------

    async def load(self, http: httpx.AsyncClient, timeout: float = 120) -> None:
        started = time.monotonic()
        response = await http.get(self.url, timeout=timeout)
        response.raise_for_status()
        self.get_seconds = time.monotonic() - started
        found = _CONFIG_RE.search(response.text)
        if not found:
            raise RuntimeError(f"no jupyter-config-data in {self.url}")
        self.kernel_id = json.loads(html.unescape(found.group(1)) if "&quot;" in found.group(1) else found.group(1))[
            "kernelId"
        ]
        ws_url = (
            re.sub(r"^http", "ws", self.url.split("?", 1)[0].rstrip("/"))
            + f"/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        )
        cookies = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        self.ws = await websockets.connect(
            ws_url, max_size=None, open_timeout=timeout, additional_headers={"Cookie": cookies} if cookies else None
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())
        control = str(uuid.uuid4())
        self._control = control
        await self._send(
            "comm_open",
            {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"},
        )
        await self._send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        await self.wait_for(lambda: self._states_received, timeout=timeout, what="widget states")

    _states_received: bool = False

    async def close(self) -> None:
        self.closed = True
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()

    # -- messages ------------------------------------------------------------------------------

    async def _send(
        self, msg_type: str, content: dict[str, Any], channel: str = "shell", metadata: dict[str, Any] | None = None
    ) -> None:
        message = {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "username": "bench",
                "session": self.session,
                "date": dt.datetime.now(dt.UTC).isoformat(),
                "msg_type": msg_type,
                "version": PROTOCOL_VERSION,
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        await self.ws.send(json.dumps(message))

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                message = _decode(frame)
                self._handle(message)
        except (websockets.ConnectionClosed, asyncio.CancelledError):
            pass
        finally:
            self.closed = True
            self._changed.set()

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("header", {}).get("msg_type") or message.get("msg_type")
        content = message.get("content", {})
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.models[content["comm_id"]] = dict(content.get("data", {}).get("state", {}))
        elif kind == "comm_msg":
            data = content.get("data", {})
            method = data.get("method")
            if content.get("comm_id") == getattr(self, "_control", None) and method == "update_states":
                for model_id, model in data.get("states", {}).items():
                    self.models.setdefault(model_id, {}).update(model.get("state", {}))
                self._states_received = True
            elif method in ("update", "echo_update"):
                self.models.setdefault(content["comm_id"], {}).update(data.get("state", {}))
            elif method == "custom":
                self._on_custom(content["comm_id"], data.get("content", {}))
        elif kind == "comm_close":
            self.models.pop(content.get("comm_id"), None)
        else:
            return
        self._changed.set()

    def _on_custom(self, model_id: str, content: dict[str, Any]) -> None:
        self.customs.append(content)
        if content.get("type") == "store":  # the BrowserBridge keeps tokens in localStorage
            if content.get("value") is None:
                self.stored.pop(content.get("key"), None)
            else:
                self.stored[content["key"]] = content["value"]

    # -- what the browser does -------------------------------------------------------------------

    async def update(self, model_id: str, **state: Any) -> None:
        self.models.setdefault(model_id, {}).update(state)
        await self._send(
            "comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        )

    async def click(self, model_id: str) -> None:
        await self._send("comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": {"event": "click"}}})

    async def bridge_ready(self) -> None:
        """What BrowserBridge's render() does: report the query string and localStorage."""
        bridge = self.find(lambda s: "query" in s and "stored" in s and "ready" in s)
        query = "?" + self.url.split("?", 1)[1] if "?" in self.url else ""
        await self.update(bridge, query=query, stored=dict(self.stored), ready=True)

    # -- looking at the widgets ------------------------------------------------------------------

    def with_class(self, css_class: str) -> list[str]:
        return [m for m, s in self.models.items() if css_class in (s.get("_dom_classes") or ())]

    def find(self, predicate: Callable[[dict[str, Any]], bool]) -> str:
        for model_id, state in self.models.items():
            if predicate(state):
                return model_id
        raise LookupError("no such widget")

    def html_text(self) -> str:
        """All HTML widget values (what the page shows as text, roughly)."""
        return "\n".join(
            s.get("value", "")
            for s in self.models.values()
            if s.get("_model_name") == "HTMLModel" and isinstance(s.get("value"), str)
        )

    async def wait_for(self, condition: Callable[[], Any], *, timeout: float = 30, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if self.closed:
                raise ConnectionError(f"websocket closed while waiting for {what}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise WidgetTimeout(f"timed out after {timeout:.0f} s waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))
            except TimeoutError:
                pass


def _decode(frame: str | bytes) -> dict[str, Any]:
    """A websocket frame of jupyter_server's legacy protocol: JSON text, or binary with buffers."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{count}I", frame[4 : 4 + 4 * count])
    end = offsets[1] if count > 1 else len(frame)
    return json.loads(frame[offsets[0] : end].decode("utf-8"))


# -- the participant's journey -------------------------------------------------------------------


def _dropdown_index(state: dict[str, Any], label_part: str) -> int:
    labels = state.get("_options_labels") or []
    for index, label in enumerate(labels):
        if label_part in label and index > 0:
            return index
    return 1 if len(labels) > 1 else 0


async def open_participant(
    http: httpx.AsyncClient, url: str, stored: dict[str, Any] | None = None, timeout: float = 120
) -> tuple[Page, float]:
    """Load a participant page and wait until it is usable (join form, or the room when rejoining).

    Returns the page and the time to interactive in seconds (GET start to usable form).
    """
    page = Page(url, stored=dict(stored or {}))
    started = time.monotonic()
    await page.load(http, timeout=timeout)
    await page.bridge_ready()

    def usable() -> bool:
        roles = page.with_class("bf-role-input")
        if roles and len(page.models[roles[0]].get("_options_labels") or ()) > 1:
            return True
        return "bf-step-count" in page.html_text()  # rejoined: the room's step is shown

    await page.wait_for(usable, timeout=timeout, what="the join form")
    return page, time.monotonic() - started


async def join(page: Page, role_label: str = "", timeout: float = 60) -> None:
    """Pick a role and press Join; wait until the room's step is shown."""
    role = page.with_class("bf-role-input")[0]
    await page.update(role, index=_dropdown_index(page.models[role], role_label))
    await page.click(page.with_class("bf-join-button")[0])
    await page.wait_for(
        lambda: "bf-step-count" in page.html_text() or "bf-question" in page.html_text(),
        timeout=timeout,
        what="the room after joining",
    )


async def submit_card(page: Page, text: str, timeout: float = 60) -> None:
    """Type a card and press Send; wait for the page's confirmation (or error)."""
    await page.wait_for(
        lambda: page.with_class("bf-card-input") and page.with_class("bf-submit"), timeout=timeout, what="the card form"
    )
    messages = page.with_class("bf-msg")
    for model_id in messages:  # the kernel clears the message, then shows the new one
        page.models[model_id]["value"] = ""
    await page.update(page.with_class("bf-card-input")[0], value=text)
    await page.click(page.with_class("bf-submit")[0])

    def answered() -> bool:
        now = [page.models.get(m, {}).get("value") or "" for m in messages]
        return any("bf-msg-ok" in v or "bf-msg-error" in v for v in now)

    await page.wait_for(answered, timeout=timeout, what="the answer to a card")


def last_message(page: Page) -> str:
    values = [s.get("value", "") for s in page.models.values() if "bf-msg" in (s.get("_dom_classes") or ())]
    return next((v for v in values if v), "")


async def open_projector(http: httpx.AsyncClient, moderator_url: str, room_id: str, timeout: float = 120) -> Page:
    """The moderator's projected room, driven like a participant page (`?room=<id>`)."""
    page = Page(f"{moderator_url.rstrip('/')}/?room={room_id}")
    await page.load(http, timeout=timeout)
    await page.bridge_ready()
    await page.wait_for(lambda: page.with_class("bf-board"), timeout=timeout, what="the projector board")
    return page


def board_html(page: Page) -> str:
    boards = page.with_class("bf-board")
    return page.models[boards[0]].get("value", "") if boards else ""
