"""Each participant may switch their own page's language; the room's language stays as it is."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bifrost_lab import i18n, rooms, store
from bifrost_lab.inputs import rating
from bifrost_lab.markup import esc
from bifrost_lab.programme import load_library
from bifrost_lab.ui import projector_charts as charts

from .axe import axe_violations, describe
from .conftest import choose, offline_context, screenshot

pytestmark = pytest.mark.e2e


def test_participant_switches_language_and_keeps_the_draft(browser, servers):
    engine = store.connect(servers.db_url)
    # a programme written in Finnish too: the switch offers only a meeting's own languages (issue 22)
    room = rooms.open_room(engine, load_library(), "fioh-yhteistyo", "fi-tyopaja")
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


FIOH = "fioh-yhteistyo"
# A card per language; its `<` and `&` must reach the projector and the summary as text.
CARD = {
    "da": "Fælles mål & indikatorer – opfølgning efter < 6 måneder",
    "en": "Shared goals & indicators – follow-up after < 6 months",
    "fi": "Yhteiset tavoitteet & mittarit – seuranta < 6 kk välein",
}


def _open_room_from_console(console, servers, language: str):
    """The moderator picks FIOH's first meeting and the room's language on the start screen, then opens it."""
    library = load_library()
    meeting = library.programme(FIOH).meetings[0]
    console.goto(servers.moderator_url)
    console.wait_for_selector(".bf-open-room", timeout=60_000)
    choose(console, ".bf-programme-input select", "FIOH")
    choose(console, ".bf-meeting-input select", meeting.title.get(i18n.DEFAULT_LANGUAGE))
    choose(console, ".bf-language-input select", i18n.LANGUAGE_NAMES[language])
    console.click(".bf-open-room")
    console.wait_for_selector(".bf-join-code", timeout=30_000)
    console.wait_for_function("() => new URLSearchParams(location.search).get('room')")
    room_id = console.evaluate("new URLSearchParams(location.search).get('room')")
    return store.get_room(store.connect(servers.db_url), room_id)


def _untranslated(texts: list[str], language: str) -> list[str]:
    """Texts that are a catalog entry in another language (English msgid or Danish) but not in `language`'s."""
    others = {}
    with (i18n.LOCALE_DIR / "da" / "LC_MESSAGES" / "bifrost.po").open("rb") as po:
        catalog = read_po(po, locale="da")
    for message in catalog:
        if message.id and isinstance(message.id, str):
            others[message.id] = message.id
            others[message.string] = message.id
    want = i18n.gettext_for(language)
    return [t for t in texts if t in others and want(others[t]) != t]


@pytest.mark.parametrize("language", ["da", "en", "fi"])
def test_a_fioh_room_runs_end_to_end_in_its_language(browser, servers, language):
    """Console, projector, a phone and the downloaded summary of one room all speak the room's language."""
    _ = i18n.gettext_for(language)
    desk = offline_context(browser, viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    console = desk.new_page()
    room = _open_room_from_console(console, servers, language)
    assert room.programme_id == FIOH and room.language == language
    steps = rooms.steps(room)
    assert console.inner_text(".bf-next") == _("Next ▶")
    projector = desk.new_page()
    projector.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
    projector.wait_for_selector(".bf-join-code", timeout=60_000)
    assert projector.text_content(".bf-join-label") == _("Join at")
    phone_context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone.goto(f"{servers.participant_url}?code={room.join_code}")
    phone.wait_for_selector(".bf-role-input select", timeout=60_000)
    assert phone.inner_text(".bf-h1") == _("Welcome") and phone.inner_text(".bf-join-button") == _("Join")
    choose(phone, ".bf-role-input select", rooms.role_label(room, "OH_SERVICE", language))
    phone.click(".bf-join-button")
    phone.wait_for_selector(".bf-calm-title")  # the welcome step: no input
    assert phone.inner_text(".bf-calm-title") == _("Listen and discuss")
    assert phone.inner_text(".bf-question") == rooms.text(steps[0]["question"], language)
    for page in (console, projector, phone):
        assert page.evaluate("document.documentElement.lang") == language

    def next_step(index: int) -> None:
        console.click(".bf-next")
        title = rooms.text(steps[index]["title"], language)
        for page in (phone, projector):
            page.wait_for_function(
                "([sel, t]) => document.querySelector(sel)?.innerText.trim() === t",
                arg=[".bf-step-title" if page is phone else ".bf-proj-title", title],
                timeout=10_000,
            )

    # the self-assessment: a rating of every statement, revealed on the projector
    next_step(1)
    scales = phone.locator(".bf-rate-buttons")
    assert scales.count() == len(steps[1]["input"]["items"]) > 1
    for index in range(scales.count()):
        scales.nth(index).get_by_text("4" if index % 2 else "5", exact=True).click()
    phone.wait_for_function(
        "t => document.querySelector('.bf-saved')?.innerText.includes(t)", arg=_("Your rating is saved.")
    )
    screenshot(phone, f"lang-{language}-phone-rating")
    first_ratings = [5]  # the phone's; five more people rate through the room functions, as their phones would
    engine = store.connect(servers.db_url)
    for k, role in enumerate(("MANAGER", "OH_SERVICE", "EMPLOYEE_REP", "MANAGER", "OH_SERVICE")):
        person, _token = rooms.join_room(engine, room, role=role)
        ratings = {str(j): 1 + (j + 2 * k) % 5 for j in range(scales.count())}
        rating.save(engine, store.get_room(engine, room.id), person, steps[1]["id"], ratings)
        first_ratings.append(ratings["0"])
    console.click(".bf-reveal")
    projector.wait_for_selector(".bf-ratings", timeout=10_000)
    mean = _("mean {mean}").format(mean=charts.decimal(sum(first_ratings) / len(first_ratings), language))
    projector.wait_for_function("t => document.querySelector('.bf-board').innerText.includes(t)", arg=mean)
    board = projector.inner_text(".bf-board")
    first_item = rooms.text(steps[1]["input"]["items"][0], language)
    assert first_item in board
    assert _("Step {n} of {total}").format(n=2, total=len(steps)) in projector.inner_text(".bf-proj-meta")
    assert i18n.ngettext_for(language)("{n} participant", "{n} participants", 6).format(n=6) in projector.inner_text(
        ".bf-proj-meta"
    )
    screenshot(projector, f"lang-{language}-projector-rating")
    violations = axe_violations(projector)
    assert not violations, describe(violations)

    # "a year from now": a card, on the phone and the projector, as text
    next_step(2)
    phone.fill(".bf-card-input textarea", CARD[language])
    phone.click(".bf-submit")
    phone.wait_for_selector(".bf-msg-ok")
    assert phone.inner_text(".bf-msg-ok") == _("Thank you! Your card is on the board.")
    projector.wait_for_function("t => document.querySelector('.bf-board').innerText.includes(t)", arg=CARD[language])
    assert rooms.role_label(room, "OH_SERVICE", language) in projector.inner_text(".bf-board")
    screenshot(phone, f"lang-{language}-phone-card")
    left, right = phone.evaluate(
        "(() => { const r = document.querySelector('.bf-card-input textarea')"
        ".getBoundingClientRect(); return [r.left, window.innerWidth - r.right]; })()"
    )
    assert abs(left - right) <= 1, f"the phone's margins are uneven: {left:.0f} px left, {right:.0f} px right"
    screenshot(projector, f"lang-{language}-projector-card")
    console.wait_for_function("t => document.querySelector('.bf-board').innerText.includes(t)", arg=CARD[language])
    screenshot(console, f"lang-{language}-console")
    bar_top, side_bottom = console.evaluate(
        "[document.querySelector('.bf-controls').getBoundingClientRect().top,"
        " document.querySelector('.bf-console-side').getBoundingClientRect().bottom]"
    )
    assert side_bottom <= bar_top, "the console's control bar covers the end of the side panel"

    # the summary the console downloads is written in the room's language
    with console.expect_download(timeout=120_000) as download:
        console.click(".bf-export")
    html = download.value.path().read_text(encoding="utf-8")
    expected_name = {"da": "vidensopsamling-", "en": "knowledge-summary-", "fi": "tietokooste-"}[language]
    assert download.value.suggested_filename.startswith(expected_name + room.meeting_id)
    assert f'<html lang="{language}">' in html
    for heading in ("Knowledge summary", "Summary", "Method and process", "Participants"):
        assert _(heading) in html, heading
    assert esc(rooms.text(steps[1]["title"], language)) in html and esc(first_item) in html
    assert esc(CARD[language]) in html and CARD[language] not in html
    summary = desk.new_page()
    summary.set_viewport_size({"width": 1024, "height": 1100})  # the document's column, not a wide empty page
    summary.set_content(html)
    headings = summary.locator("h1, h2, h3, th").all_inner_texts()
    assert len(headings) > 20 and not _untranslated(headings, language), _untranslated(headings, language)
    screenshot(summary, f"lang-{language}-summary")
    summary.evaluate("document.getElementById('prioriteringer').scrollIntoView()")  # the ratings chart
    screenshot(summary, f"lang-{language}-summary-priorities")
    violations = axe_violations(summary)
    assert not violations, describe(violations)
    if language == "fi":  # the catalog really is Finnish (not just consistent with itself)
        assert console.inner_text(".bf-next") == "Seuraava ▶"
        assert phone.inner_text(".bf-step-title") == "Vuoden päästä" and "Kiitos!" in phone.inner_text(".bf-msg-ok")
        assert "Tietokooste" in html and "Menetelmä ja prosessi" in html
    for context in (desk, phone_context):
        assert context.blocked == [], context.blocked
    store.dispose_all()
    phone_context.close()
    desk.close()
