"""The Part E programmes run end to end on the real servers: open a room, step through every step, a participant
joins on a phone and adds a card that reaches the projector (Sorø in Danish, Aalborg in English, FIOH in Finnish)."""

from __future__ import annotations

import time

import pytest

from bifrost_lab import store
from bifrost_lab.programme import load_library

from .conftest import choose, offline_context, screenshot

pytestmark = pytest.mark.e2e

CASES = [
    # programme title part, meeting id, room language, role label part, card text
    ("Sorø", "soroe-med", "da", "Arbejdsmiljørepræsentant", "Fælles tjekliste før første besøg i hjemmet"),
    ("Aalborg", "aal-netvaerk", "en", "Internal expert", "How do we report threats made by phone?"),
    ("FIOH", "fi-tyopaja", "fi", "Työterveyshuolto", "Sovimme työkykyneuvottelun aikataulun yhdessä"),
]


def title(page) -> str:
    return page.inner_text(".bf-proj-title")


@pytest.mark.parametrize("programme_part, meeting_id, language, role_part, card", CASES, ids=[c[1] for c in CASES])
def test_programme_runs_end_to_end(browser, servers, programme_part, meeting_id, language, role_part, card):
    library = load_library()
    programme = next(p for p in library.programmes.values() if programme_part in p.title.da)
    meeting = programme.meeting(meeting_id)
    steps = meeting.steps

    mod_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    moderator = mod_context.new_page()
    moderator.goto(servers.moderator_url)
    moderator.wait_for_selector(".bf-open-room", timeout=60_000)
    choose(moderator, ".bf-programme-input select", programme.title.get("da"))
    choose(moderator, ".bf-meeting-input select", meeting.title.get("da"))
    choose(moderator, ".bf-language-input select", {"da": "Dansk", "en": "English", "fi": "Suomi"}[language])
    moderator.click(".bf-open-room")
    code = moderator.wait_for_selector(".bf-join-code").inner_text().strip()
    assert title(moderator) == steps[0].title.get(language)
    assert meeting.title.get(language) in moderator.inner_text(".bf-proj-meeting")

    phone = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    participant = phone.new_page()
    participant.goto(f"{servers.participant_url}?code={code}")
    participant.wait_for_selector(".bf-role-input select", timeout=60_000)
    choose(participant, ".bf-role-input select", role_part)
    participant.click(".bf-join-button")
    participant.wait_for_selector(".bf-question")
    assert participant.inner_text(".bf-step-title") == steps[0].title.get(language)

    card_step = next(i for i, s in enumerate(steps) if s.input.type == "cards")
    seen_titles = [title(moderator)]
    for index in range(1, len(steps)):
        before = title(moderator)
        moderator.click(".bf-next")
        moderator.wait_for_function("t => document.querySelector('.bf-proj-title').innerText !== t", arg=before)
        expected = steps[index].title.get(language)
        assert title(moderator) == expected
        participant.wait_for_function(
            "t => (document.querySelector('.bf-step-title') || {}).innerText === t", arg=expected, timeout=10_000
        )
        seen_titles.append(expected)
        if index == card_step:
            participant.wait_for_selector(".bf-card-input textarea")
            if steps[index].input.columns:
                participant.wait_for_selector(".bf-column-input select")
            participant.fill(".bf-card-input textarea", card)
            participant.click(".bf-submit")
            moderator.wait_for_function(
                "t => document.querySelector('.bf-board').innerText.includes(t)", arg=card, timeout=10_000
            )
            screenshot(moderator, f"programme-{meeting_id}-projector")
            screenshot(participant, f"programme-{meeting_id}-phone")
        assert moderator.locator(".bf-msg-error").count() == 0, moderator.inner_text(".bf-status")
        assert participant.locator(".bf-msg-error").count() == 0

    assert seen_titles == [s.title.get(language) for s in steps]
    assert moderator.is_disabled(".bf-next") or title(moderator) == steps[-1].title.get(language)
    for context in (mod_context, phone):
        assert context.blocked == [], f"requests to other hosts: {context.blocked}"

    engine = store.connect(servers.db_url)
    room = next(s.room for s in store.list_rooms(engine) if s.room.join_code == code)
    assert room.language == language and room.step_index == len(steps) - 1
    stored = [i for i in store.list_inputs(engine, room.id) if i.kind == "card"]
    assert [i.payload["text"] for i in stored] == [card] and stored[0].step_id == steps[card_step].id
    store.dispose_all()
    for context in (mod_context, phone):
        context.close()
    time.sleep(0.5)  # let the closed pages' kernels shut down before the next case
