"""Issue 21 §3: a double tap acts once, shows no false error, and the button looks busy while it acts."""

from __future__ import annotations

import ipywidgets as w
import pytest

from bifrost_lab import rooms, solutions, store
from bifrost_lab.ui import buttons


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_button_is_busy_while_its_handler_runs_and_itself_again_after():
    button = w.Button(description="Send card")
    seen = []
    guard = buttons.on_click_once(
        button,
        lambda b: seen.append((b.disabled, b.description, buttons.BUSY_CLASS in b._dom_classes)),
        busy_label="Sending…",
    )
    button.click()
    assert seen == [(True, "Sending…", True)]
    assert (button.disabled, button.description, buttons.BUSY_CLASS in button._dom_classes) == (
        False,
        "Send card",
        False,
    )
    assert guard.dropped == 0


def test_a_repeat_within_the_window_is_dropped_and_a_later_tap_acts():
    button, clock, calls = w.Button(description="Send"), Clock(), []
    guard = buttons.OneClick(button, calls.append, busy_label="…", clock=clock)
    button.on_click(guard)
    button.click()
    clock.now += 0.2  # the second tap of a double tap
    button.click()
    assert len(calls) == 1 and guard.dropped == 1
    clock.now += buttons.REPEAT_SECONDS  # the next card, typed and sent
    button.click()
    assert len(calls) == 2


def test_a_click_after_the_form_changed_acts_even_soon_after():
    button, clock, calls, form = w.Button(description="Send"), Clock(), [], {"text": "first"}

    def send(_b):
        calls.append(form["text"])
        form["text"] = ""  # the handler clears the form, as the card form does

    guard = buttons.OneClick(button, send, busy_label="…", form_state=lambda: dict(form), clock=clock)
    button.on_click(guard)
    button.click()
    button.click()  # a repeat: the form is as the first click left it
    form["text"] = "second"  # typed (or set by a script) at once
    button.click()
    assert calls == ["first", "second"] and guard.dropped == 1


def test_a_failing_handler_leaves_the_button_usable():
    button = w.Button(description="Send")

    def fail(_b):
        raise RuntimeError("boom")

    buttons.on_click_once(button, fail, busy_label="…")
    button.click()  # ipywidgets logs the error; our handlers are guarded and show a message
    assert not button.disabled and button.description == "Send" and buttons.BUSY_CLASS not in button._dom_classes


def test_a_label_the_handler_sets_is_kept():
    button = w.Button(description="Save change")
    buttons.on_click_once(button, lambda b: setattr(b, "description", "Send card"), busy_label="…")
    button.click()
    assert button.description == "Send card"


# -- the participant page -------------------------------------------------------------------------------


@pytest.fixture
def page(sqlite_engine, library):
    from bifrost_lab.ui.participant import ParticipantApp

    room = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1")
    step = next(s for s in rooms.steps(room) if rooms.input_type(s) == "cards")
    room = store.set_step(sqlite_engine, room.id, rooms.steps(room).index(step))
    me, _ = rooms.join_room(sqlite_engine, room, role="RESEARCHER")
    app = ParticipantApp(sqlite_engine, "da")
    app.room, app.me = room, me
    return app, step


def test_double_tapping_send_card_stores_one_card_and_shows_no_error(page, sqlite_engine):
    app, step = page
    busy = []
    real_submit = rooms.submit_card

    def watching(*args, **kwargs):
        busy.append((app.submit_button.disabled, app.submit_button.description))
        return real_submit(*args, **kwargs)

    rooms.submit_card = watching
    try:
        app.card_input.set_state({"value": "Et kort, sendt med et dobbelttryk"})  # as the browser syncs it
        app.submit_button.click()
        app.submit_button.click()  # the second tap, sent before the page saw the busy button
    finally:
        rooms.submit_card = real_submit
    texts = [i.payload["text"] for i in store.list_inputs(sqlite_engine, app.room.id)]
    assert texts == ["Et kort, sendt med et dobbelttryk"]
    assert "bf-msg-error" not in app.message.value and "Skriv noget" not in app.message.value
    assert "Tak!" in app.message.value
    assert busy == [(True, "Sender …")]
    assert not app.submit_button.disabled and app.submit_button.description == "Send kort"


def test_double_tapping_send_solution_stores_one_and_shows_no_error(sqlite_engine, library):
    from bifrost_lab.ui.solution_widgets import SolutionForm

    room = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    step = next(s for s in rooms.steps(room) if rooms.input_type(s) == "solution")
    me, _ = rooms.join_room(sqlite_engine, room, role="EMPLOYEE_REP")
    from bifrost_lab.i18n import gettext_for

    form = SolutionForm(sqlite_engine, room, me, step, "da", gettext_for("da"))
    form.inputs["problem"].value = "Et problem"
    form.inputs["solution"].value = "En løsning"
    form.send.click()
    form.send.click()
    assert len([i for i in store.list_inputs(sqlite_engine, room.id) if i.kind == solutions.KIND]) == 1
    assert "bf-msg-error" not in form.message.value
