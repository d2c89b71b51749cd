"""Issue 21 on the real servers: a double tap sends one card without a false error, and the phone
refuses invisible and broken text with a Danish message."""

from __future__ import annotations

import pytest

from bifrost_lab import store

from .conftest import screenshot
from .security_pages import join_on_phone, open_room_at_card_step

pytestmark = pytest.mark.e2e

ERROR = "(document.querySelector('.bf-msg-error') || {}).textContent || ''"
OK = "(document.querySelector('.bf-msg-ok') || {}).textContent || ''"

BROKEN = object()
# A lone surrogate as a page can hold one (e.g. pasted from a broken document); the widget sends it as is.
SET_BROKEN = """t => {
  t.value = 'kort ' + String.fromCharCode(0xDC80);
  t.dispatchEvent(new Event('input', {bubbles: true}));
  t.dispatchEvent(new Event('change', {bubbles: true}));
}"""

# Records whether the send button was ever busy (disabled, with the bf-busy class) while a tap was handled.
WATCH_BUSY = """() => {
  window.__busySeen = [];
  new MutationObserver(() => {
    const b = document.querySelector('.bf-submit');
    if (b && b.classList.contains('bf-busy')) window.__busySeen.push([b.disabled, b.textContent.trim()]);
  }).observe(document.body, {subtree: true, attributes: true, childList: true, characterData: true});
}"""


def test_a_double_tap_sends_one_card_and_invisible_or_broken_text_is_refused(browser, servers):
    dialogs: list[str] = []
    engine = store.connect(servers.db_url)
    mod_context, moderator, room, step = open_room_at_card_step(browser, servers, dialogs)
    phone_context, phone = join_on_phone(browser, servers, room.join_code, dialogs)
    phone.wait_for_selector(".bf-card-input textarea")
    phone.evaluate(WATCH_BUSY)

    phone.fill(".bf-card-input textarea", "Et kort sendt med et dobbelttryk")
    phone.dblclick(".bf-submit")  # two clicks, as fast as a thumb
    phone.wait_for_function(f"({OK}).includes('Tak!')", timeout=20_000)
    phone.wait_for_timeout(2_000)  # the second tap has had time to arrive and be answered
    assert phone.evaluate(ERROR) == "", "the second tap showed an error"
    assert [i.payload["text"] for i in store.list_inputs(engine, room.id)] == ["Et kort sendt med et dobbelttryk"]
    assert [True, "Sender …"] in phone.evaluate("window.__busySeen"), "the button never looked busy"
    assert phone.eval_on_selector(".bf-submit", "b => !b.disabled && b.textContent.trim()") == "Send kort"

    for typed, message in (
        ("\u200b\u200b\u200b", "Skriv noget"),
        ("\u3164", "Skriv noget"),
        ("\u2800\u2800", "Skriv noget"),
        (BROKEN, "ødelagt tegn"),
    ):
        if typed is BROKEN:  # made in the page: typing or Playwright's fill would turn it into U+FFFD on the way
            phone.eval_on_selector(".bf-card-input textarea", SET_BROKEN)
        else:
            phone.fill(".bf-card-input textarea", typed)
        phone.click(".bf-submit")
        phone.wait_for_function(f"t => ({ERROR}).includes(t)", arg=message, timeout=20_000)
        phone.fill(".bf-card-input textarea", "x" * 141)  # another message in between, so each answer is seen
        phone.click(".bf-submit")
        phone.wait_for_function(f"() => ({ERROR}).includes('grænsen er 140')", timeout=20_000)
    assert len(store.list_inputs(engine, room.id)) == 1
    assert "Traceback" not in phone.content() and not dialogs
    screenshot(phone, "nothing-lost-phone")
    phone_context.close()
    mod_context.close()


def test_a_note_saved_in_the_console_is_in_the_exported_summary(browser, servers):
    from bifrost_lab.reports.export import export_room_html

    dialogs: list[str] = []
    mod_context, moderator, room, step = open_room_at_card_step(browser, servers, dialogs)
    note = "Gruppen ved vinduet ville vende tilbage til <ansvaret> efter pausen"
    moderator.fill(".bf-notes textarea", note)
    moderator.click(".bf-notes-save")
    moderator.wait_for_function("() => document.querySelector('.bf-status').textContent.includes('Noten er gemt')")
    html = export_room_html(room.id, db_url=servers.db_url)
    section = html[html.index('id="facilitatornoter"') :]
    section = section[: section.index("</section>")]
    assert "Facilitatorens noter" in section and "&lt;ansvaret&gt;" in section and not dialogs
    mod_context.close()
