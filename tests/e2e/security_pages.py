"""Page helpers shared by the security end-to-end tests."""

from __future__ import annotations

from bifrost_lab import rooms, store

from .conftest import choose, offline_context


def _watch(page, dialogs: list) -> None:
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))


def _shown(text: str) -> str:
    """What the page's DOM text of a stored text is: line breaks become <br>, which have no text."""
    return rooms.clean_text(text, 10_000).replace("\n", "")


def _texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def _no_xss(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined", f"a payload ran on {page.url}"


def open_room_at_card_step(browser, servers, dialogs: list):
    """The moderator opens a BIFROST room and moves to its first step that takes cards."""
    engine = store.connect(servers.db_url)
    context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    moderator = context.new_page()
    _watch(moderator, dialogs)
    moderator.goto(servers.moderator_url, timeout=120_000)
    moderator.wait_for_selector(".bf-open-room", timeout=120_000)
    choose(moderator, ".bf-programme-input select", "BIFROST")
    choose(moderator, ".bf-meeting-input select", "Fælles afsæt")
    moderator.click(".bf-open-room")
    code = moderator.wait_for_selector(".bf-join-code").inner_text().strip()
    room = store.find_open_room(engine, code)
    step_index = next(i for i, s in enumerate(rooms.steps(room)) if rooms.input_type(s) == "cards")
    for _ in range(step_index):
        before = moderator.inner_text(".bf-proj-title")
        moderator.click(".bf-next")
        moderator.wait_for_function("t => document.querySelector('.bf-proj-title').innerText !== t", arg=before)
    room = store.get_room(engine, room.id)
    assert room.step_index == step_index
    return context, moderator, room, rooms.steps(room)[step_index]


def join_on_phone(browser, servers, code: str, dialogs: list, *, name: str = ""):
    """A participant joins on a phone-sized page (named, with consent, when `name` is given)."""
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    _watch(phone, dialogs)
    phone.goto(f"{servers.participant_url}?code={code}", timeout=120_000)
    phone.wait_for_selector(".bf-role-input select", timeout=120_000)
    choose(phone, ".bf-role-input select", "Forsker")
    if name:
        phone.fill(".bf-name-input input", name)
        phone.check(".bf-consent-input input")
    phone.click(".bf-join-button")
    phone.wait_for_selector(".bf-card-input textarea")
    return context, phone
