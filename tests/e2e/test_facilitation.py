"""The facilitator's controls on the real servers: console and projector follow one room.

Carry-forward, timer, evidence (grid, one at a time, the verify flag), lock, reveal, names per
step, hiding a card and undoing it, input on behalf of the room, the projector window.
"""

from __future__ import annotations

import time
import uuid

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot
from .test_inputs import phone, send_card, wait_text

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def m2_room(servers):
    """M1 ran with a commitment; M2 opens with it."""
    engine = store.connect(servers.db_url)
    library = load_library()
    m1 = rooms.open_room(engine, library, "bifrost", "bif-m1")
    person, _token = rooms.join_room(engine, m1, role="RESEARCHER")
    rooms.submit_card(
        engine, m1, person, "bif-m1-s8", "Vi afprøver samtaleguiden i to virksomheder", input_id=str(uuid.uuid4())
    )
    store.close_room(engine, m1.id)
    opened = rooms.open_room(engine, library, "bifrost", "bif-m2")
    yield opened
    store.dispose_all()


def test_console_controls_drive_the_projector(browser, servers, m2_room):
    room = m2_room
    c_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    console = c_context.new_page()
    console.goto(f"{servers.moderator_url}?room={room.id}")
    console.wait_for_selector(".bf-next", timeout=60_000)

    # the console opens the projector view in its own window
    with c_context.expect_page() as opened:
        console.click(".bf-open-projector")
    projector = opened.value
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.wait_for_selector(".bf-join-code", timeout=60_000)
    assert "view=projector" in projector.url and projector.locator(".bf-controls").count() == 0

    # carry-forward: M1's commitment opens M2's check-in; the prompt stays in the console
    wait_text(projector, ".bf-board", lambda t: "Vi afprøver samtaleguiden i to virksomheder" in t)
    prompt = console.inner_text(".bf-console-prompt")
    assert len(prompt) > 40
    assert prompt.splitlines()[-1][:30] not in projector.inner_text("body")
    screenshot(projector, "facilitation-projector-carried")

    a_context, alice = phone(browser, servers, room.join_code, "Arbejdsmiljørådgiver")
    b_context, bob = phone(browser, servers, room.join_code, "Ejerleder")

    # timer: start, pause, add a minute
    console.click(".bf-timer-toggle")  # the first step starts paused
    time.sleep(1.5)
    running = projector.inner_text(".bf-countdown-time")
    console.click(".bf-timer-toggle")
    time.sleep(0.5)
    paused = projector.inner_text(".bf-countdown-time")
    time.sleep(1.2)
    assert projector.inner_text(".bf-countdown-time") == paused and paused != "5:00" or running != paused
    assert projector.locator(".bf-countdown-paused").count() == 1
    console.click(".bf-timer-plus")
    wait_text(projector, ".bf-countdown-time", lambda t: int(t.split(":")[0]) >= int(paused.split(":")[0]) + 1)

    # evidence step: a grid by default, then one at a time; verify-flagged cards only in the console
    console.click(".bf-next")
    wait_text(projector, ".bf-board", lambda t: "Vidensbrobygning i praksis" in t)
    assert "Brobyggerroller" not in projector.inner_text(".bf-board")
    assert "Brobyggerroller" in console.inner_text(".bf-board")
    assert console.locator(".bf-badge-verify").count() == 2
    assert projector.locator(".bf-badge-provenance").count() >= 1 and projector.locator(".bf-badge-verify").count() == 0
    screenshot(projector, "facilitation-projector-evidence-grid")
    console.locator(".bf-show-unverified input").check()
    wait_text(projector, ".bf-board", lambda t: "Brobyggerroller" in t)
    console.locator(".bf-evidence-mode button", has_text="Ét ad gangen").click()
    projector.wait_for_selector(".bf-ev-one")
    first = projector.inner_text(".bf-ev-label")
    console.click(".bf-ev-next")
    wait_text(projector, ".bf-ev-label", lambda t: t != first)
    assert projector.locator(".bf-ev-card").count() == 1
    screenshot(projector, "facilitation-projector-evidence-one")

    # step 3: a rating plus cards in columns; results wait for the reveal
    console.click(".bf-next")
    for page in (alice, bob):
        page.wait_for_selector(".bf-rate-buttons")
        page.locator(".bf-rate-buttons").nth(0).get_by_text("4", exact=True).click()
    wait_text(projector, ".bf-board", lambda t: "2 af 2 har svaret" in t)
    assert projector.locator(".bf-ratings").count() == 0
    wait_text(console, ".bf-console-answered", lambda t: "2 af 2" in t)
    console.click(".bf-reveal")
    projector.wait_for_selector(".bf-ratings")

    # names per step, hiding a card and undoing it, a card on behalf of the room
    send_card(alice, "Rådgiveren kender ikke hverdagen")
    send_card(bob, "Tillid tager tid")
    wait_text(projector, ".bf-board", lambda t: "Tillid tager tid" in t)
    console.select_option(".bf-moderate-pick select", value="Tillid tager tid")
    console.click(".bf-hide-card")
    wait_text(projector, ".bf-board", lambda t: "Tillid tager tid" not in t and "hverdagen" in t)
    assert "skjult på skærmen" in console.inner_text(".bf-board")
    bob.wait_for_selector(".bf-mycard")  # the author still has it
    console.click(".bf-undo")
    wait_text(projector, ".bf-board", lambda t: "Tillid tager tid" in t)
    console.fill(".bf-behalf-text textarea", "Fra papir: kommunen skal med")
    console.click(".bf-behalf-add")
    wait_text(projector, ".bf-board", lambda t: "Fra papir: kommunen skal med" in t and "Indtastet af" in t)
    screenshot(console, "facilitation-console")

    # lock: phones stop taking input; unlock again
    console.click(".bf-lock")
    alice.wait_for_selector(".bf-calm")
    assert alice.locator(".bf-card-input").count() == 0
    console.click(".bf-lock")
    alice.wait_for_selector(".bf-card-input textarea")

    engine = store.connect(servers.db_url)
    behalf = [i for i in store.list_inputs(engine, room.id) if i.participant_id is None]
    assert len(behalf) == 1 and behalf[0].payload["on_behalf"] is True
    hidden = [i for i in store.list_inputs(engine, room.id) if i.hidden]
    assert hidden == []
    for page in (console, projector, alice, bob):
        assert page.locator(".bf-msg-error").count() == 0
    for context in (c_context, a_context, b_context):
        assert context.blocked == [], context.blocked
        context.close()
