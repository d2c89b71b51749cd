"""Each participant may switch their own page's language; the room's language stays as it is."""
from __future__ import annotations

import pytest

from bifrost_lab import room as rooms, store
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot

pytestmark = pytest.mark.e2e


def test_participant_switches_language_and_keeps_the_draft(browser, servers):
    engine = store.connect(servers.db_url)
    room = rooms.open_room(engine, load_library(), "bifrost", "bif-m1")
    store.set_step(engine, room.id, next(i for i, s in enumerate(rooms.steps(room)) if rooms.input_type(s) == "cards"))
    step = rooms.current_step(store.get_room(engine, room.id))
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{servers.participant_url}?code={room.join_code}")
    page.wait_for_selector(".bf-role-input select", timeout=60_000)
    page.select_option(".bf-role-input select", index=1)
    page.click(".bf-join-button")
    page.wait_for_selector(".bf-card-input textarea")
    assert page.inner_text(".bf-submit") == "Send kort"
    page.fill(".bf-card-input textarea", "Et udkast")
    page.locator(".bf-card-input textarea").blur()
    page.click(".bf-language-switch button:has-text('EN')")
    page.wait_for_function("document.querySelector('.bf-submit').innerText === 'Send card'")
    assert rooms.text(step["question"], "en") in page.inner_text(".bf-question")
    assert page.input_value(".bf-card-input textarea") == "Et udkast"
    page.click(".bf-language-switch button:has-text('FI')")
    page.wait_for_function("document.querySelector('.bf-submit').innerText !== 'Send card'")
    assert page.inner_text(".bf-submit") == "Lähetä kortti"
    screenshot(page, "phone-finnish")
    # 200 % text size at 390 px: still one column, no horizontal scrolling.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    page.wait_for_timeout(300)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    screenshot(page, "phone-200-percent")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 200 % text size"
    assert store.get_room(engine, room.id).language == "da"
    store.dispose_all()
    context.close()


def test_an_english_room_joined_and_answered_by_keyboard_alone(browser, servers):
    engine = store.connect(servers.db_url)
    room = rooms.open_room(engine, load_library(), "necto", "necto-lab-a", language="en")
    card_index = next(i for i, s in enumerate(rooms.steps(room)) if rooms.input_type(s) == "cards")
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{servers.participant_url}?code={room.join_code}")
    page.wait_for_selector(".bf-role-input select", timeout=60_000)
    assert "Welcome" in page.inner_text(".bf-p-body")
    page.focus(".bf-role-input select")
    page.keyboard.press("ArrowDown")  # the first real role
    page.wait_for_function("document.querySelector('.bf-role-input select').selectedIndex === 1")
    for _ in range(20):  # Tab on to the Join button, then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.bf-join-button') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_selector(".bf-question")
    store.set_step(engine, room.id, card_index)
    page.wait_for_selector(".bf-card-input textarea", timeout=10_000)
    assert page.inner_text(".bf-submit") == "Send card"
    page.focus(".bf-card-input textarea")
    page.keyboard.type("Typed without a mouse")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.bf-submit') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_selector(".bf-mycard")
    assert "Typed without a mouse" in page.inner_text(".bf-mycards")
    assert [i.payload["text"] for i in store.list_inputs(engine, room.id)] == ["Typed without a mouse"]
    store.dispose_all()
    context.close()
