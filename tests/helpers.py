"""Helpers shared by the tests: free ports, a held SQLite write lock, an event loop of its own, HTML parsing."""

from __future__ import annotations

import socket
import sqlite3
import time
from html.parser import HTMLParser
from typing import Any

# ----------------------------------------------------------------------------------------------
# Servers and processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


def hold_write_lock(path: str, seconds: float, locked: Any) -> None:
    """Hold SQLite's write lock on `path` for `seconds`, as a long writer or a backup tool would.

    Run it in another process (multiprocessing "spawn"); `locked` is an Event set once the lock is held.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    locked.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def in_own_thread(function: Any, *args: Any) -> Any:
    """Call `function(*args)` on a new thread and return its result.

    In a full run the session's Playwright (sync API) owns the main thread's event loop, so
    `asyncio.run` (and Jinja's render of an async template, which uses it) must run elsewhere.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(function, *args).result()


def in_loop(test: Any) -> Any:
    """Run a test inside an event loop of its own, on a thread of its own.

    Opening a room starts the page's RoomFeed task, which needs a running loop (in a full run the
    session's Playwright owns the main thread's loop). The test bodies never await, so the feed never
    polls: what a page shows comes from its own refresh after each click, deterministically.
    """
    import asyncio
    import functools

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        async def body() -> Any:
            return test(*args, **kwargs)

        return in_own_thread(asyncio.run, body())

    return run


def in_loop_async(test: Any) -> Any:
    """Like `in_loop`, for a test that is a coroutine: it may await what a page does in the background."""
    import asyncio
    import functools

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        return in_own_thread(asyncio.run, test(*args, **kwargs))

    return run


# ----------------------------------------------------------------------------------------------
# HTML


class HTMLCollector(HTMLParser):
    """Every start tag with its attributes, every text node, and the text of each <section id=…>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self._section = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self._section = attrs.get("id", "")

    def handle_data(self, data):
        self.text.append(data)
        self.sections.setdefault(self._section, []).append(data)


def parse_html(html: str) -> HTMLCollector:
    collector = HTMLCollector()
    collector.feed(html)
    return collector


def section_text(collector: HTMLCollector, ident: str) -> str:
    return " ".join(" ".join(collector.sections.get(ident, [])).split())


def soup(html: str) -> Any:
    """An HTML fragment as a BeautifulSoup tree (bs4 comes with nbconvert), to select by CSS class."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


# ----------------------------------------------------------------------------------------------
# Widgets


def widgets_with_class(root: Any, cls: str) -> list[Any]:
    """Every widget under `root` (itself included) that has the CSS class `cls`, in page order."""
    found = [root] if cls in getattr(root, "_dom_classes", ()) else []
    for child in getattr(root, "children", ()):
        found += widgets_with_class(child, cls)
    return found
