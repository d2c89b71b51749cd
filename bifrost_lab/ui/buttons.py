"""Buttons that act once per tap, and look busy while they do.

A double tap on a phone sends two clicks before the page has heard that the button is disabled. The
kernel handles them one after the other, so the second one meets the form the first one already
cleared ("Write something before you send" right after "Thank you!"). `on_click_once` makes the
button busy (disabled, a busy label and the `bf-busy` class) while its handler runs, and drops a
click that arrives within `REPEAT_SECONDS` of the previous one's end while the form is as that one
left it (`form_state`): such a click was sent before the browser could see the busy button. A click
after the person changed the form, or after a pause, acts as usual.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

REPEAT_SECONDS = 1.0  # a new card or answer takes longer than this to type; a double tap does not
BUSY_CLASS = "bf-busy"


class OneClick:
    """The click handler `on_click_once` installs (kept so tests can read and set its clock)."""

    def __init__(
        self,
        button: w.Button,
        handler: Callable[[w.Button], Any],
        *,
        busy_label: str,
        form_state: Callable[[], Any] | None = None,
        repeat_seconds: float = REPEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.button = button
        self.handler = handler
        self.busy_label = busy_label
        self.form_state = form_state or (lambda: None)
        self.repeat_seconds = repeat_seconds
        self.clock = clock
        self.busy = False
        self.done_at: float | None = None
        self.left_state: Any = None  # the form as the last handled click left it
        self.dropped = 0  # repeats dropped (for tests and logs)

    def is_repeat(self) -> bool:
        """Whether this click is the second tap of the last one (busy, or soon after it and nothing changed)."""
        if self.busy:
            return True
        if self.done_at is None or self.clock() - self.done_at >= self.repeat_seconds:
            return False
        return self.form_state() == self.left_state

    def __call__(self, button: w.Button) -> None:
        if self.is_repeat():
            self.dropped += 1
            return
        self.busy = True
        label = self.button.description
        with self.button.hold_sync():  # one message: the page never shows half a busy button
            self.button.disabled = True
            self.button.description = self.busy_label
            self.button.add_class(BUSY_CLASS)
        try:
            self.handler(button)
        finally:
            with self.button.hold_sync():
                if self.button.description == self.busy_label:  # the handler may have set a new label
                    self.button.description = label
                self.button.remove_class(BUSY_CLASS)
                self.button.disabled = False
            self.busy = False
            self.left_state = self.form_state()
            self.done_at = self.clock()


def on_click_once(
    button: w.Button,
    handler: Callable[[w.Button], Any],
    *,
    busy_label: str,
    form_state: Callable[[], Any] | None = None,
    repeat_seconds: float = REPEAT_SECONDS,
) -> OneClick:
    """Call `handler` on a click of `button`, once per tap (see the module docstring); returns the guard.

    `form_state` returns what the person can change in the button's form (e.g. the text being typed);
    without it every click soon after the last one counts as its repeat.
    """
    guard = OneClick(button, handler, busy_label=busy_label, form_state=form_state, repeat_seconds=repeat_seconds)
    button.on_click(guard)
    return guard
