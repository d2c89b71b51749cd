"""What the console's panels share: status messages, the guard around widget callbacks, a button."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import live, rooms, store
from bifrost_lab.i18n import N_
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database

log = live.log
Gettext = Callable[[str], str]
MSG_SOMETHING_WRONG = N_("Something went wrong. Nothing was lost; please try again.")


def ok_html(text: str) -> str:
    """A calm message for the status line (already translated)."""
    return tag("div", esc(text), cls="bf-msg-ok")


def error_html(text: str) -> str:
    """An error for the status line, announced by screen readers."""
    return tag("div", esc(text), cls="bf-msg-error", role="alert")


def guarded(method: Callable[..., None]) -> Callable[..., None]:
    """Wrap a widget callback of an object with `status` and `_`: a rejection is shown, a failure logged and
    shown as a calm message; never a traceback."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> None:
        try:
            method(self, *args)
        except rooms.Rejected as rejected:
            self.status.value = error_html(rejected.message(self._))
        except Exception:
            log.exception("moderator callback %s failed", method.__name__)
            self.status.value = error_html(self._(MSG_SOMETHING_WRONG))

    return wrapper


def button(text: str, cls: str, handler: Callable[[Any], Any], **kwargs: Any) -> w.Button:
    """A button with its CSS class (the tests and the stylesheet find it by that) and its click handler."""
    made = w.Button(description=text, **kwargs).add_class(cls)
    made.on_click(handler)
    return made


def set_step_state(engine: Database, room: store.Room, **state: Any) -> store.Room:
    """Write state (locked, revealed, note, evidence, …) of the room's current step."""
    step = rooms.current_step(room)
    return store.set_step_state(engine, room.id, step["id"], **state)
