"""Issue 22 on the real servers, where only a browser can tell: the console on a 1366×768 projector laptop,
a moderator with only a keyboard, the phone's character count, the projector's role tags, the break and a
closed room, and a terminal without the known harmless warnings.
"""

from __future__ import annotations

import time
import uuid

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot
from .test_inputs import phone, wait_text

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}


def open_room(servers, programme: str = "bifrost", meeting: str = "bif-m1", language: str = "da") -> store.Room:
    engine = store.connect(servers.db_url)
    return rooms.open_room(engine, load_library(), programme, meeting, language=language)


def wait_room(servers, room_id: str, predicate, timeout: float = 15.0) -> store.Room:
    """The room in the database once `predicate(room)` holds (the console writes it a moment after the key)."""
    engine = store.connect(servers.db_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = store.get_room(engine, room_id)
        if found is not None and predicate(found):
            return found
        time.sleep(0.15)
    raise AssertionError(f"room {room_id} never matched: {store.get_room(engine, room_id)}")


def console_page(browser, servers, room: store.Room):
    context = offline_context(browser, viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{servers.moderator_url}?room={room.id}")
    page.wait_for_selector(".bf-next", timeout=60_000)
    return context, page


LAYOUT = """() => {
  const box = (el) => el.getBoundingClientRect();
  const bar = document.querySelector('.bf-controls'), side = document.querySelector('.bf-console-side');
  const preview = document.querySelector('.bf-console-preview');
  const visible = (el) => el.offsetParent !== null;
  const cut = (el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
  return {
    pageWidth: document.documentElement.scrollWidth,
    barHeight: box(bar).height, barTop: box(bar).top,
    sideBottom: box(side).bottom, previewWidth: box(preview).width,
    outside: Array.from(document.querySelectorAll('.bf-controls button, .bf-console-top button')).filter(visible)
      .filter((b) => box(b).right > window.innerWidth + 1 || box(b).bottom > window.innerHeight + 1)
      .map((b) => b.innerText),
    cutLabels: Array.from(document.querySelectorAll('.bf-mod .widget-checkbox .widget-label-basic')).filter(visible)
      .filter(cut).map((l) => l.innerText),
    cutButtons: Array.from(document.querySelectorAll('.bf-mod button')).filter(visible).filter(cut)
      .map((b) => b.innerText),
  };
}"""


@pytest.mark.parametrize("language", ["da", "fi"])
def test_the_console_fits_a_1366x768_projector_laptop(browser, servers, language):
    programme, meeting = ("fioh-yhteistyo", "fi-tyopaja") if language == "fi" else ("bifrost", "bif-m1")
    room = open_room(servers, programme, meeting, language)
    context, console = console_page(browser, servers, room)
    try:
        for step in range(3):  # evidence with its checkbox, a rating, cards: every control the bar has
            console.wait_for_timeout(800)
            screenshot(console, f"console-1366-{language}-step{step + 1}")
            layout = console.evaluate(LAYOUT)
            assert layout["pageWidth"] <= LAPTOP["width"], layout
            assert layout["barHeight"] <= 64, f"the step bar takes {layout['barHeight']:.0f} px: more than one row"
            assert layout["sideBottom"] <= layout["barTop"] + 1, "the step bar covers the end of the side panel"
            assert layout["previewWidth"] >= 0.6 * LAPTOP["width"], layout
            assert layout["outside"] == [] and layout["cutLabels"] == [] and layout["cutButtons"] == [], layout
            console.keyboard.press("Alt+N")
            wait_room(servers, room.id, lambda r, step=step: r.step_index == step + 1)
        assert context.blocked == []
    finally:
        context.close()


def test_a_keyboard_alone_runs_a_step(browser, servers):
    room = open_room(servers)  # the first step asks for a rating
    context, console = console_page(browser, servers, room)
    try:
        assert console.get_attribute(".bf-next", "aria-keyshortcuts") == "Alt+N"
        assert "Alt+N" in (console.get_attribute(".bf-next", "title") or "")
        for _ in range(40):  # Tab reaches the step bar first
            console.keyboard.press("Tab")
            if console.evaluate("document.activeElement.classList.contains('bf-next')"):
                break
        else:
            raise AssertionError("Tab never reached 'Næste'")
        tabs_to_timer = 0
        while not console.evaluate("document.activeElement.classList.contains('bf-timer-toggle')"):
            console.keyboard.press("Tab")
            tabs_to_timer += 1
            assert tabs_to_timer < 5
        console.keyboard.press("Enter")  # the timer, from the keyboard
        wait_room(servers, room.id, lambda r: r.timer_running)
        wait_text(console, ".bf-timer-toggle", lambda t: t == "Sæt timer på pause")
        console.keyboard.press("Alt+T")
        wait_room(servers, room.id, lambda r: not r.timer_running)
        step_id = rooms.steps(room)[0]["id"]
        console.keyboard.press("Alt+L")
        wait_room(servers, room.id, lambda r: rooms.step_state(r, step_id).get("locked") is True)
        console.keyboard.press("Alt+R")
        wait_room(servers, room.id, lambda r: rooms.step_state(r, step_id).get("revealed") is True)
        console.keyboard.press("Alt+M")
        wait_room(servers, room.id, lambda r: r.timer_remaining >= 15 * 60 + 55)
        console.focus(".bf-next")
        console.keyboard.press("Enter")
        wait_room(servers, room.id, lambda r: r.step_index == 1)
        console.wait_for_selector(".bf-lock", state="hidden")  # nothing to lock on the evidence step
        console.keyboard.press("Alt+L")  # …so the shortcut does nothing
        console.keyboard.press("Alt+P")
        moved = wait_room(servers, room.id, lambda r: r.step_index == 0)
        assert "locked" not in rooms.step_state(moved, rooms.steps(room)[1]["id"])
        outline = console.evaluate(
            "() => { document.querySelector('.bf-next').focus(); return getComputedStyle(document.activeElement)"
            ".outlineStyle; }"
        )
        assert outline != "none"
        assert console.locator(".bf-msg-error").count() == 0
        assert context.blocked == []
    finally:
        context.close()


def test_the_phone_counts_characters_as_they_are_typed(browser, servers):
    room = open_room(servers)
    store.set_step(store.connect(servers.db_url), room.id, 2)  # cards, at most 140 characters
    context, page = phone(browser, servers, room.join_code, "Arbejdsmiljørådgiver")
    try:
        page.wait_for_selector(".bf-card-input textarea")
        assert page.inner_text(".bf-char-count") == "0 af 140 tegn"
        page.fill(".bf-card-input textarea", "Vi ringer efter en uge")
        wait_text(page, ".bf-char-count", lambda t: t == "22 af 140 tegn")
        page.fill(".bf-card-input textarea", "x" * 130)
        page.wait_for_selector(".bf-char-count.bf-char-near")
        page.type(".bf-card-input textarea", "y" * 15)
        wait_text(page, ".bf-char-count", lambda t: t == "145 af 140 tegn")
        assert page.locator(".bf-char-count.bf-char-over").count() == 1
        page.fill(".bf-card-input textarea", "Et kort")
        page.click(".bf-submit")
        page.wait_for_selector(".bf-msg-ok")
        wait_text(page, ".bf-char-count", lambda t: t == "0 af 140 tegn")  # the form is empty again
        roles = page.evaluate("Array.from(document.querySelectorAll('.bf-role-input option')).map(o => o.value)")
        assert not any("Moderator" in r for r in roles)
        screenshot(page, "phone-char-count")
    finally:
        context.close()


def test_the_projector_role_tags_the_break_and_a_closed_room(browser, servers):
    room = open_room(servers)
    engine = store.connect(servers.db_url)
    store.set_step(engine, room.id, 2)
    person, _token = rooms.join_room(engine, room, role="EMPLOYEE_REP")  # the longest role name of the programme
    rooms.submit_card(engine, room, person, "bif-m1-s3", "Lederen ringer efter en uge", input_id=str(uuid.uuid4()))
    context = offline_context(browser, viewport={"width": 1280, "height": 720})
    projector = context.new_page()
    try:
        projector.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
        projector.wait_for_selector(".bf-role-tag", timeout=60_000)
        tag = projector.evaluate(
            "() => { const t = document.querySelector('.bf-role-tag'), s = getComputedStyle(t);"
            " return {radius: parseFloat(s.borderTopLeftRadius), height: t.getBoundingClientRect().height,"
            " line: parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.4}; }"
        )
        assert tag["height"] > 1.5 * tag["line"], "the long role name should wrap at 1280 px for this test"
        assert tag["radius"] <= 12, f"a wrapped role tag with a {tag['radius']} px radius is an oval"
        screenshot(projector, "projector-role-tag-wraps")

        store.set_step(engine, room.id, 3)  # the break
        projector.wait_for_selector(".bf-countdown-break")
        size = projector.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('.bf-countdown-break')).fontSize)"
        )
        assert size >= 0.2 * 720, f"the break's countdown is {size} px high"
        screenshot(projector, "projector-break")

        assert projector.locator(".bf-join-code").inner_text() == room.join_code
        store.close_room(engine, room.id)
        projector.wait_for_selector(".bf-join-closed")
        assert projector.locator(".bf-join-code").count() == 0 and projector.locator(".bf-qr").count() == 0
        assert "Mødet er slut" in projector.inner_text(".bf-join-closed")
        screenshot(projector, "projector-closed")
        assert context.blocked == []
    finally:
        context.close()


def test_the_servers_terminal_has_none_of_the_known_harmless_warnings(servers):
    """Last in this module: by now both servers have started kernels and served pages."""
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    assert "Kernel started" in log
    for harmless in ("without encryption", "is not trusted", "websocket_ping_timeout"):
        assert harmless not in log, harmless
