"""The room loop on the real servers: moderator, two participants, live board, export, kernel hygiene."""

from __future__ import annotations

import time

import pytest

from bifrost_lab import store
from bifrost_lab.reports.export import export_room_html

from .conftest import choose, offline_context, screenshot

pytestmark = pytest.mark.e2e

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def open_room(browser, servers):
    context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(servers.moderator_url)
    page.wait_for_selector(".bf-open-room", timeout=60_000)
    choose(page, ".bf-programme-input select", "BIFROST")
    choose(page, ".bf-meeting-input select", "Fælles afsæt")
    page.click(".bf-open-room")
    code = page.wait_for_selector(".bf-join-code").inner_text().strip()
    return context, page, code


def join(browser, servers, code: str, role: str):
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    started = time.monotonic()
    page.goto(f"{servers.participant_url}?code={code}")
    page.wait_for_selector(".bf-role-input select", timeout=60_000)
    interactive = time.monotonic() - started
    choose(page, ".bf-role-input select", role)
    page.click(".bf-join-button")
    page.wait_for_selector(".bf-question")
    return context, page, interactive


def board_text(page) -> str:
    return page.inner_text(".bf-board")


def wait_board(page, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(board_text(page)):
            return
        time.sleep(0.1)
    raise AssertionError(f"board never matched; it shows: {board_text(page)!r}")


def question(page) -> str:
    return page.inner_text(".bf-question")


def test_room_loop_end_to_end(browser, servers, capsys):
    mod_context, moderator, code = open_room(browser, servers)
    assert len(code) == 6
    assert moderator.locator(".bf-qr svg").count() == 1
    assert "Fælles afsæt" in moderator.inner_text(".bf-proj-meeting")

    a_context, alice, a_ready = join(browser, servers, code, "Arbejdsmiljørådgiver")
    b_context, bob, b_ready = join(browser, servers, code, "Ejerleder")
    assert alice.locator(".bf-rate-buttons").count() == 1  # M1 opens with a check-in rating

    first_question = question(alice)
    moderator.click(".bf-next")
    moderator.click(".bf-next")  # step 3: cards in the five TTA phases
    for page in (alice, bob):
        page.wait_for_function(
            "q => document.querySelector('.bf-question').innerText !== q", arg=first_question, timeout=5_000
        )
        page.wait_for_selector(".bf-card-input textarea")
    assert question(alice) == question(bob)

    alice.fill(".bf-card-input textarea", "Tidlig dialog med lederen virker")
    sent = time.monotonic()
    alice.click(".bf-submit")
    wait_board(moderator, lambda t: "Tidlig dialog med lederen virker" in t)
    latency = time.monotonic() - sent
    bob.fill(".bf-card-input textarea", HOSTILE)
    bob.click(".bf-submit")
    wait_board(moderator, lambda t: HOSTILE in t and "Arbejdsmiljørådgiver" in t)
    assert moderator.locator(".bf-board-card").count() == 2
    assert "Dine kort (1)" in bob.inner_text(".bf-mycards")

    # Alice edits, Bob deletes; the projector follows.
    alice.click(".bf-mycard .bf-edit")
    # as a person would: wait until the card's text is in the box (a round trip to the kernel), then type
    alice.wait_for_function(
        "() => document.querySelector('.bf-card-input textarea').value.includes('lederen virker')", timeout=30_000
    )
    alice.fill(".bf-card-input textarea", "Tidlig og uformel dialog virker")
    alice.click(".bf-submit")
    wait_board(moderator, lambda t: "Tidlig og uformel dialog virker" in t and "lederen virker" not in t)
    bob.fill(".bf-card-input textarea", "Et kort der skal slettes")
    bob.click(".bf-submit")
    wait_board(moderator, lambda t: "Et kort der skal slettes" in t)
    bob.locator(".bf-mycard", has_text="Et kort der skal slettes").locator(".bf-delete").click()
    wait_board(moderator, lambda t: "Et kort der skal slettes" not in t)
    assert moderator.locator(".bf-board-card").count() == 2

    # A reload brings Alice back as the same person: her card is still hers.
    alice.reload()
    alice.wait_for_selector(".bf-mycard", timeout=60_000)
    assert "Tidlig og uformel dialog virker" in alice.inner_text(".bf-mycards")
    assert alice.locator(".bf-role-input select").count() == 0

    screenshot(moderator, "projector-cards")
    screenshot(bob, "phone-cards")

    # The moderator moves on; both pages follow without reload.
    step_three = question(alice)
    moderator.click(".bf-next")
    for page in (alice, bob):
        page.wait_for_function(
            "q => document.querySelector('.bf-question').innerText !== q", arg=step_three, timeout=5_000
        )

    for page in (moderator, alice, bob):
        assert page.evaluate("window.__pwned") is None
    for context in (mod_context, a_context, b_context):
        assert context.blocked == [], f"requests to other hosts: {context.blocked}"

    # The export holds the cards as text and loads nothing from elsewhere.
    room = store.list_rooms(store.connect(servers.db_url))[0].room
    html = export_room_html(room.id, db_url=servers.db_url)
    assert "Tidlig og uformel dialog virker" in html
    assert "&lt;img src=x onerror=" in html and "<img src=x" not in html
    assert "<script src=" not in html
    export_page = mod_context.new_page()
    export_page.set_content(html)
    assert export_page.evaluate("window.__pwned") is None
    screenshot(export_page, "export")
    store.dispose_all()

    with capsys.disabled():
        print(
            f"\n[figures] participant page interactive: {a_ready:.2f} s and {b_ready:.2f} s; "
            f"card to projector: {latency:.2f} s"
        )
    for context in (mod_context, a_context, b_context):
        context.close()


def test_closing_a_participant_tab_shuts_its_kernel_down(browser, servers):
    engine = store.connect(servers.db_url)
    room = store.list_rooms(engine, status="open")[0].room
    store.dispose_all()
    time.sleep(2)  # let the preheated pool refill
    before = servers.kernels()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{servers.participant_url}?code={room.join_code}")
    page.wait_for_selector(".bf-role-input select", timeout=60_000)
    time.sleep(2)  # the pool refills behind the page we took
    with_page = servers.kernels()
    assert with_page == before + 1
    page.close(run_before_unload=True)
    context.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and servers.kernels() > before:
        time.sleep(0.5)
    assert servers.kernels() == before
