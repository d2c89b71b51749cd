"""Running event-loop code in tests that share the process with Playwright."""

from __future__ import annotations

from typing import Any


def in_own_thread(function: Any, *args: Any) -> Any:
    """Call `function(*args)` on a new thread and return its result.

    In a full run the session's Playwright (sync API) owns the main thread's event loop, so
    `asyncio.run` (and Jinja's render of an async template, which uses it) must run elsewhere.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(function, *args).result()
