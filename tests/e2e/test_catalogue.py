"""The catalogue of good solutions in Chromium: the offline HTML filters work with every remote host blocked,
and a solution captured on a phone in one room is projected in another room after the moderator brings it in."""

from __future__ import annotations

import time
import uuid

import pytest

from bifrost_lab import rooms, solutions, store
from bifrost_lab.programme import load_library
from bifrost_lab.reports import catalogue

from .conftest import ARTIFACTS, choose, offline_context, screenshot

pytestmark = pytest.mark.e2e

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def _shown(page) -> int:
    return page.locator("article.sol:visible").count()


def test_the_offline_catalogue_filters_in_chromium(browser, tmp_path):
    engine = store.connect(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    library = load_library()
    rng_rooms = [
        rooms.open_room(engine, library, "soroe-spredning", "soroe-med"),
        rooms.open_room(engine, library, "aalborg-videnskorps", "aal-netvaerk"),
        rooms.open_room(engine, library, "fioh-yhteistyo", "fi-seuranta"),
    ]
    for room in rng_rooms:
        people = [rooms.join_room(engine, room, role=rooms.OTHER_ROLE)[0] for _ in range(3)]
        solutions.fill_demo_solutions(engine, room, people, per_step=5)
    med = rng_rooms[0]
    step = next(s for s in rooms.steps(med) if rooms.input_type(s) == "solution")
    solutions.submit_solution(
        engine,
        med,
        None,
        step["id"],
        {
            "problem": "Støj i frokoststuen",
            "solution": HOSTILE,
            "where": "Køkkenet",
            "contact_role": "Køkkenleder",
            "sector": "handel_service",
        },
        input_id=str(uuid.uuid4()),
    )
    entries = catalogue.collect_entries(engine)
    store.dispose_all()
    page_html = catalogue.render_catalogue_html(entries, language="da")

    context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_content(page_html)
    total = len(entries)
    assert total == _shown(page) >= 12
    assert page.inner_text("#bf-count") == f"{total} af {total} løsninger vises"

    def expect(count: int) -> None:
        page.wait_for_function("n => document.querySelectorAll('article.sol:not([hidden])').length === n", arg=count)
        assert _shown(page) == count
        assert page.inner_text("#bf-count").startswith(f"{count} af {total}")
        assert page.locator("#bf-none").is_visible() == (count == 0)

    page.fill("#bf-q", "forflytningskort")  # folded search, as in Python
    expect(len(catalogue.filter_entries(entries, query="forflytningskort")))
    page.fill("#bf-q", "parorende")
    expect(len(catalogue.filter_entries(entries, query="pårørende")))
    page.fill("#bf-q", "")
    page.select_option("#bf-sector", "handel_service")
    expect(len(catalogue.filter_entries(entries, sector="handel_service")))
    page.fill("#bf-q", "frokoststuen")
    expect(len(catalogue.filter_entries(entries, sector="handel_service", query="frokoststuen")))
    assert any(HOSTILE in text for text in page.locator("article.sol:not([hidden]) .f-solution").all_inner_texts())
    page.fill("#bf-q", "")
    page.select_option("#bf-sector", "velfaerd_offentlig")
    page.select_option("#bf-topic", label="Forflytning og hjælpemidler")
    expect(len(catalogue.filter_entries(entries, sector="velfaerd_offentlig", topic="Forflytning og hjælpemidler")))
    page.click("#bf-clear")
    expect(total)
    page.select_option("#bf-programme", "fioh-yhteistyo")
    expect(len(catalogue.filter_entries(entries, programme="fioh-yhteistyo")))
    page.fill("#bf-q", "zzzz-findes-ikke")
    expect(0)
    page.click("#bf-clear")
    expect(total)
    screenshot(page, "catalogue-desktop")
    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.set_content(page_html)
    phone.fill("#bf-q", "APV")
    phone.wait_for_function(f"() => document.querySelectorAll('article.sol:not([hidden])').length < {total}")
    screenshot(phone, "catalogue-phone")
    for each in (page, phone):
        assert each.evaluate("window.__pwned") is None
    assert context.blocked == [], f"requests to other hosts: {context.blocked}"
    context.close()


def open_room(page, servers, programme: str, meeting: str) -> str:
    page.goto(servers.moderator_url)
    page.wait_for_selector(".bf-open-room", timeout=60_000)
    choose(page, ".bf-programme-input select", programme)
    choose(page, ".bf-meeting-input select", meeting)
    page.click(".bf-open-room")
    return page.wait_for_selector(".bf-join-code").inner_text().strip()


def go_to(page, title: str) -> None:
    for _ in range(12):
        if page.inner_text(".bf-proj-title") == title:
            return
        before = page.inner_text(".bf-proj-title")
        page.click(".bf-next")
        page.wait_for_function("t => document.querySelector('.bf-proj-title').innerText !== t", arg=before)
    raise AssertionError(f"never reached step {title!r}")


def test_a_solution_from_one_room_is_projected_in_another(browser, servers):
    mod_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    moderator = mod_context.new_page()
    code = open_room(moderator, servers, "Sorø", "Tilsynsforberedelse")
    go_to(moderator, "Det har vi allerede løst")

    phone = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    participant = phone.new_page()
    participant.goto(f"{servers.participant_url}?code={code}")
    participant.wait_for_selector(".bf-role-input select", timeout=60_000)
    choose(participant, ".bf-role-input select", "Arbejdsmiljørepræsentant")
    participant.click(".bf-join-button")
    participant.wait_for_selector(".bf-sol-solution textarea")
    participant.click(".bf-sol-send")
    participant.wait_for_selector(".bf-solution-form .bf-msg-error")
    assert "Problem" in participant.inner_text(".bf-solution-form .bf-msg-error")
    participant.fill(".bf-sol-problem textarea", "Pårørende var utrygge ved nye hjælpere")
    participant.fill(".bf-sol-solution textarea", "Velkomstbrev med foto af teamet " + HOSTILE)
    participant.fill(".bf-sol-where input", "Hjemmeplejen Vest")
    participant.fill(".bf-sol-what-it-took textarea", "To timer til brevet og en printer")
    participant.fill(".bf-sol-contact-role input", "Teamleder")
    choose(participant, ".bf-sol-sector select", "Velfærd")
    choose(participant, ".bf-sol-topic select", "borgere og pårørende")
    sent = time.monotonic()
    participant.click(".bf-sol-send")
    participant.wait_for_selector(".bf-solution-form .bf-msg-ok")
    participant.wait_for_function(
        "() => document.querySelector('.bf-mysolutions').innerText.includes('Dine løsninger (1)')", timeout=5_000
    )
    moderator.wait_for_function(
        "t => document.querySelector('.bf-board').innerText.includes(t)",
        arg="Velkomstbrev med foto af teamet",
        timeout=10_000,
    )
    latency = time.monotonic() - sent
    assert HOSTILE in moderator.inner_text(".bf-board")
    screenshot(participant, "solution-phone")
    screenshot(moderator, "solution-projector")

    # A later room: the moderator brings the solution in from the catalogue; it is projected as a card.
    moderator.click(".bf-back")
    code_b = open_room(moderator, servers, "Sorø", "MED-møde")
    assert code_b != code
    go_to(moderator, "Løsningskort fra pilotgrupperne")
    moderator.wait_for_selector(".bf-import-select select")
    label = next(
        o
        for o in moderator.eval_on_selector_all(".bf-import-select option", "os => os.map(o => o.text)")
        if "Velkomstbrev" in o
    )
    moderator.select_option(".bf-import-select select", label=label)
    moderator.locator(".bf-import").screenshot(path=str(ARTIFACTS / "solution-import-panel.png"))
    moderator.click(".bf-import-button")
    moderator.wait_for_function(
        "t => document.querySelector('.bf-board').innerText.includes(t)",
        arg="Velkomstbrev med foto af teamet",
        timeout=10_000,
    )
    assert "Hjemmeplejen Vest" in moderator.inner_text(".bf-board")
    screenshot(moderator, "solution-imported-projector")

    # ... and the room votes on it: a participant of the later room gives it a dot.
    voter_context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    voter = voter_context.new_page()
    voter.goto(f"{servers.participant_url}?code={code_b}")
    voter.wait_for_selector(".bf-role-input select", timeout=60_000)
    choose(voter, ".bf-role-input select", "Leder")
    voter.click(".bf-join-button")
    voter.wait_for_selector(".bf-question")
    go_to(moderator, "Hvilke vil vi afprøve?")
    row = voter.locator(".bf-vote-row", has_text="Velkomstbrev med foto af teamet")
    row.locator(".bf-dot-plus").click()
    voter.wait_for_selector(".bf-saved")
    screenshot(voter, "solution-vote-phone")
    for page in (moderator, participant, voter):
        assert page.evaluate("window.__pwned") is None
    for context in (mod_context, phone, voter_context):
        assert context.blocked == [], f"requests to other hosts: {context.blocked}"

    engine = store.connect(servers.db_url)
    room_b = next(s.room for s in store.list_rooms(engine) if s.room.join_code == code_b)
    brought = [i for i in store.list_inputs(engine, room_b.id) if i.kind == "card"]
    assert len(brought) == 1 and brought[0].payload["on_behalf"] is True and brought[0].participant_id is None
    votes = [i for i in store.list_inputs(engine, room_b.id) if i.kind == "vote"]
    assert len(votes) == 1 and votes[0].payload["dots"] == {f"card:{brought[0].id}": 1}
    store.dispose_all()
    print(f"\n[figures] solution from phone to projector: {latency:.2f} s")
    for context in (mod_context, phone, voter_context):
        context.close()
