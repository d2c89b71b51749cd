"""Never a traceback: a real database fault while people are in the room, and what each of them sees.

The fault is real, not a mock: the `inputs` table of the running servers' SQLite database is renamed
away (as a damaged or half-restored database would be), so every query on it fails inside the kernels.
Afterwards it is renamed back and the same pages carry on.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot
from .security_pages import join_on_phone, open_room_at_card_step

pytestmark = pytest.mark.e2e

LEAKS = (
    "Traceback",
    "OperationalError",
    "sqlalchemy",
    "sqlite3",
    "no such table",
    "inputs_broken",
    "join_attempts",
    'File "',
    "line ",
    "Error:",
    "bifrost_lab/",
)


def _rename(db_url: str, old: str, new: str) -> None:
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=30)
    conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
    conn.commit()
    conn.close()


def _assert_no_leak(page) -> None:
    text = page.inner_text("body")
    for leak in LEAKS:
        assert leak not in text, f"the page shows {leak!r}: {text[:600]}"


def test_an_internal_error_shows_a_clear_message_and_never_a_traceback(browser, servers):
    dialogs: list[str] = []
    mod_context, moderator, room, _step = open_room_at_card_step(browser, servers, dialogs)
    phone_context, phone = join_on_phone(browser, servers, room.join_code, dialogs)

    _rename(servers.db_url, "inputs", "inputs_broken")
    _rename(servers.db_url, "join_attempts", "join_attempts_broken")
    try:
        # A phone that opens the room's link now is told, instead of "Connecting…" for ever.
        newcomer_context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
        newcomer = newcomer_context.new_page()
        newcomer.goto(f"{servers.participant_url}?code={room.join_code}", timeout=120_000)
        newcomer.wait_for_function(
            "() => (document.querySelector('.bf-msg-error') || {}).textContent?.includes('Noget gik galt')",
            timeout=120_000,
        )
        _assert_no_leak(newcomer)
        assert newcomer_context.blocked == []
        newcomer_context.close()

        phone.fill(".bf-card-input textarea", "Et kort mens databasen er i stykker")
        phone.click(".bf-submit")
        phone.wait_for_function(
            "() => (document.querySelector('.bf-msg-error') || {}).textContent?.includes('Noget gik galt')"
        )
        assert "ikke gemt" in phone.inner_text(".bf-msg-error")
        _assert_no_leak(phone)
        screenshot(phone, "security-fault-phone")

        # The moderator downloads the summary: it cannot be built, and the moderator is told so plainly.
        moderator.click(".bf-export")
        moderator.wait_for_function(  # the summary's own progress line (it is made in the background, issue 22)
            "() => (document.querySelector('.bf-export-progress') || {}).textContent?.includes('Noget gik galt')",
            timeout=120_000,
        )
        _assert_no_leak(moderator)
        screenshot(moderator, "security-fault-projector")

        # A moderator page opened now (a reload, a second laptop) says the same, not a traceback.
        fresh = mod_context.new_page()
        fresh.goto(f"{servers.moderator_url}?room={room.id}", timeout=120_000)
        fresh.wait_for_function(
            "() => (document.querySelector('.bf-status') || {}).textContent?.includes('Noget gik galt')", timeout=60_000
        )
        _assert_no_leak(fresh)
        fresh.close()
    finally:
        _rename(servers.db_url, "inputs_broken", "inputs")
        _rename(servers.db_url, "join_attempts_broken", "join_attempts")

    # Repaired: the same pages work again without a reload, and nothing half-written was left.
    phone.fill(".bf-card-input textarea", "Et kort efter reparationen")
    phone.click(".bf-submit")
    phone.wait_for_function("() => (document.querySelector('.bf-msg-ok') || {}).textContent?.includes('Tak')")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Et kort efter reparationen" not in moderator.inner_text(".bf-board"):
        time.sleep(0.2)
    assert "Et kort efter reparationen" in moderator.inner_text(".bf-board")
    texts = [i.payload["text"] for i in store.list_inputs(store.connect(servers.db_url), room.id)]
    assert texts == ["Et kort efter reparationen"]
    store.dispose_all()

    log = servers.log.read_text(errors="replace")
    assert "participant callback _on_submit failed" in log  # the details go to the server log, for the admin
    assert "Et kort mens databasen er i stykker" not in log, "a participant's statement was written to the log"
    assert dialogs == []
    for context in (mod_context, phone_context):
        assert context.blocked == [], f"requests to other hosts: {context.blocked}"
        context.close()


def _error(page) -> str:
    return page.evaluate("(document.querySelector('.bf-msg-error') || {}).textContent || ''")


def test_wrong_codes_are_limited_and_closed_rooms_refused_with_danish_messages(browser, servers):
    """A closed room's code says the meeting has ended (issue 22) and counts as a wrong code all the same."""
    engine = store.connect(servers.db_url)
    library = load_library()
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    closed = store.close_room(engine, rooms.open_room(engine, library, "bifrost", "bif-m1").id)
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{servers.participant_url}?code={closed.join_code}", timeout=120_000)
    page.wait_for_function(
        "() => (document.querySelector('.bf-msg-error') || {}).textContent?.includes('Mødet er slut')",
        timeout=120_000,
    )
    for _attempt in range(1, rooms.WRONG_CODES_PER_PAGE):  # the closed room's code was the first wrong one
        wrong = next(c for c in iter(store.new_join_code, None) if store.find_open_room(engine, c) is None)
        page.fill(".bf-code-input input", wrong.lower())
        page.press(".bf-code-input input", "Enter")
        page.wait_for_function(
            "c => (document.querySelector('.bf-msg-error') || {}).textContent?.includes(c)", arg=wrong
        )
    page.fill(".bf-code-input input", room.join_code)  # now even the right code waits
    page.press(".bf-code-input input", "Enter")
    page.wait_for_function(
        "() => (document.querySelector('.bf-msg-error') || {}).textContent?.includes('for mange forkerte koder')"
    )
    assert "Vent 5 min." in _error(page)
    assert page.locator(".bf-role-input select").count() == 0
    screenshot(page, "security-join-limit-phone")

    other = context.new_page()  # another page (kernel) still joins with the right code
    other.goto(f"{servers.participant_url}?code={room.join_code}", timeout=120_000)
    other.wait_for_selector(".bf-role-input select", timeout=120_000)
    assert context.blocked == []
    context.close()
    store.dispose_all()
