"""The change feed: one asyncio task per kernel polls the room's version and hands changes to the page.

DB calls run in a worker thread (`asyncio.to_thread`); widget updates happen on the kernel's loop.
A kernel whose browser has gone stops polling after a grace period, so Voila's culler can reap it
(comm traffic would otherwise keep an abandoned kernel "active" forever).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import urllib.request
from collections.abc import Callable

from bifrost_lab import config, store
from bifrost_lab.store import Database

log = logging.getLogger("bifrost_lab.live")
if not log.handlers:
    _handler = logging.StreamHandler(sys.__stderr__)  # ends up in the Voila server log
    _handler.setFormatter(logging.Formatter("[bifrost %(levelname)s] %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)


def browser_connections() -> int | None:
    """How many websockets this Voila kernel has (None when not in Voila or unknown)."""
    kernel_id = os.environ.get("VOILA_KERNEL_ID")
    port = os.environ.get("VOILA_APP_PORT") or os.environ.get("SERVER_PORT")
    if not kernel_id or not port:
        return None
    base = os.environ.get("VOILA_BASE_URL") or "/"
    headers = {}
    token = os.environ.get("BIFROST_VOILA_TOKEN")
    if token:
        headers["Authorization"] = f"token {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{base}api/kernels/{kernel_id}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return int(json.load(response).get("connections", 0))
    except Exception:  # noqa: BLE001 - the watchdog must never take the page down
        return None


class RoomFeed:
    """Polls one room; calls `on_change(changes)` on the kernel's loop whenever the room's version moves."""

    def __init__(
        self,
        engine: Database,
        room_id: str,
        on_change: Callable[[store.Changes], None],
        *,
        since_version: int = 0,
        interval: float | None = None,
        idle_grace: float | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.room_id = room_id
        self.on_change = on_change
        self.on_tick = on_tick
        self.version = since_version
        self.interval = interval if interval is not None else float(config.setting("poll_interval"))
        self.idle_grace = idle_grace if idle_grace is not None else float(config.setting("idle_grace"))
        self.task: asyncio.Task | None = None
        self.stopped = False
        self._reader: Callable[[], int | None] | None = None
        self._reader_tried = False

    def start(self) -> RoomFeed:
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    def stop(self) -> None:
        self.stopped = True
        if self.task is not None:
            self.task.cancel()
        self._close_reader()

    async def _read_version(self) -> int | None:
        """The room's version: on the loop through SQLite's fast reader, else in a worker thread."""
        if self._reader is None and not self._reader_tried:
            self._reader_tried = True
            try:
                self._reader = store.fast_version_reader(self.engine, self.room_id)
            except Exception:
                log.exception("no fast version reader for room %s", self.room_id)
        if self._reader is not None:
            try:
                return self._reader()
            except Exception:  # noqa: BLE001 - e.g. a busy WAL index: fall back for this poll
                pass
        return await asyncio.to_thread(store.room_version, self.engine, self.room_id)

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()  # type: ignore[attr-defined]
            self._reader = None

    async def poll_once(self) -> bool:
        """Fetch and deliver changes if the version moved. Returns whether something changed."""
        version = await self._read_version()
        if version is None or version == self.version:
            return False
        changes = None
        if self._reader is not None:
            # SQLite: a WAL read of a few new rows takes well under a millisecond, less than handing
            # it to a worker thread costs (py-spy, 250 phones: the thread hop was half a kernel's CPU)
            try:
                changes = store.changes_since(self.engine, self.room_id, self.version)
            except Exception:  # noqa: BLE001 - e.g. a checkpoint holding the WAL index: the thread path waits
                changes = None
        if changes is None:
            changes = await asyncio.to_thread(store.changes_since, self.engine, self.room_id, self.version)
        self.version = changes.room.version
        self.on_change(changes)
        return True

    async def _run(self) -> None:
        last_seen_browser = time.monotonic()
        next_watch = 0.0
        failures = 0
        while not self.stopped:
            try:
                await self.poll_once()
                if self.on_tick is not None:
                    self.on_tick()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures in (1, 10, 100):
                    log.exception("poll of room %s failed (%d in a row)", self.room_id, failures)
            now = time.monotonic()
            if now >= next_watch:
                next_watch = now + 5
                connections = await asyncio.to_thread(browser_connections)
                if connections is None or connections > 0:
                    last_seen_browser = now
                elif now - last_seen_browser > self.idle_grace:
                    log.info(
                        "no browser on kernel %s for %.0f s: stopping the feed of room %s",
                        os.environ.get("VOILA_KERNEL_ID"),
                        self.idle_grace,
                        self.room_id,
                    )
                    self.stopped = True
                    self._close_reader()
                    break
            await asyncio.sleep(self.interval if failures == 0 else min(5.0, self.interval * (1 + failures)))
