"""Every input type on the real servers: two phones answer, the console reveals, the projector shows charts.

One room (a snapshot with one step per input type, see tests/test_inputs.py) on one module-scoped
server; the moderator console, the projector view and two participant phones follow the same room.
"""

from __future__ import annotations

import time

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.demo import open_showcase_room as open_all_types_room
from bifrost_lab.inputs import choice, dot_vote, matrix_2x2, ranking, rating
from bifrost_lab.programme import load_library

from .conftest import choose, offline_context, screenshot

pytestmark = pytest.mark.e2e


def wait_text(page, selector: str, predicate, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        if page.locator(selector).count():
            text = page.inner_text(selector)
            if predicate(text):
                return text
        time.sleep(0.15)
    raise AssertionError(f"{selector} never matched; it shows: {text!r}")


def phone(browser, servers, code: str, role: str):
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{servers.participant_url}?code={code}")
    page.wait_for_selector(".bf-role-input select", timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the join form overflows at 390 px"
    choose(page, ".bf-role-input select", role)
    page.click(".bf-join-button")
    page.wait_for_selector(".bf-question")
    return context, page


def next_step(console, phones, title: str) -> None:
    console.click(".bf-next")
    for page in phones:
        page.wait_for_function(
            "t => document.querySelector('.bf-step-title')?.innerText === t", arg=title, timeout=10_000
        )


def send_card(page, text: str) -> None:
    """Type and send a card, then wait until the page has taken it (the form is cleared)."""
    page.fill(".bf-card-input textarea", text)
    page.click(".bf-submit")
    page.wait_for_selector(".bf-msg-ok", timeout=10_000)
    page.wait_for_function("() => document.querySelector('.bf-card-input textarea').value === ''")


def no_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the phone page overflows at 390 px"


@pytest.fixture(scope="module")
def room(servers):
    engine = store.connect(servers.db_url)
    opened = open_all_types_room(engine, load_library())
    yield opened
    store.dispose_all()


def test_every_input_type_with_two_phones(browser, servers, room):
    c_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    console = c_context.new_page()
    console.goto(f"{servers.moderator_url}?room={room.id}")
    console.wait_for_selector(".bf-next", timeout=60_000)
    p_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    projector = p_context.new_page()
    projector.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
    projector.wait_for_selector(".bf-join-code", timeout=60_000)
    assert projector.locator(".bf-controls").count() == 0 and projector.locator(".bf-console-prompt").count() == 0
    a_context, alice = phone(browser, servers, room.join_code, "Arbejdsmiljørådgiver")
    b_context, bob = phone(browser, servers, room.join_code, "Ejerleder")
    phones = (alice, bob)
    # A third person answers without a browser, so the projector has a whole block of three to show
    # (figures use whole blocks of k = 3 answers: bifrost_lab/aggregation.py).
    engine = store.connect(servers.db_url)
    carol, _token = rooms.join_room(engine, store.get_room(engine, room.id), role="RESEARCHER")

    def carol_answers(step_id: str, input_type, value, slot: str | None = None) -> None:
        input_type.save(engine, store.get_room(engine, room.id), carol, step_id, value, slot=slot)

    # cards in columns: the column list starts at the first column
    assert alice.eval_on_selector(".bf-column-input select", "s => s.value") == "A"
    send_card(alice, "Lederen mangler en samtaleguide")
    choose(bob, ".bf-column-input select", "B")
    send_card(bob, "Kollegerne ved for lidt")
    send_card(alice, "Fast kontaktperson")
    wait_text(projector, ".bf-board", lambda t: "Kollegerne ved for lidt" in t and "Fast kontaktperson" in t)
    assert "Hjælp dem i gang" in console.inner_text(".bf-console-prompt")
    assert "Hjælp dem i gang" not in projector.inner_text("body") and "Hjælp dem i gang" not in alice.inner_text("body")
    no_overflow(bob)
    screenshot(projector, "inputs-projector-cards")

    # the facilitator clusters the cards; the clusters become the targets of a later vote
    next_step(console, phones, "Klynger")
    console.wait_for_selector(".bf-cluster-cards select option")
    values = console.eval_on_selector(".bf-cluster-cards select", "s => Array.from(s.options).map(o => o.value)")
    texts = console.eval_on_selector(".bf-cluster-cards select", "s => Array.from(s.options).map(o => o.text)")
    pick = [v for v, t in zip(values, texts) if "samtaleguide" in t or "kontaktperson" in t]
    console.select_option(".bf-cluster-cards select", value=pick)
    console.fill(".bf-cluster-name input", "Ledelse")
    console.click(".bf-cluster-new")
    wait_text(projector, ".bf-board", lambda t: "Ledelse" in t and "Fast kontaktperson" in t)
    rest = [v for v, t in zip(values, texts) if "Kollegerne" in t]
    console.select_option(".bf-cluster-cards select", value=rest)
    console.fill(".bf-cluster-name input", "Kolleger")
    console.click(".bf-cluster-new")
    wait_text(projector, ".bf-board", lambda t: "Kolleger" in t)
    console.fill(".bf-cluster-name input", "Ledelse og kontakt")
    choose(console, ".bf-cluster-pick select", "Ledelse")
    console.click(".bf-cluster-rename")
    wait_text(projector, ".bf-board", lambda t: "Ledelse og kontakt" in t)
    console.click(".bf-undo")  # undo the rename
    wait_text(projector, ".bf-board", lambda t: "Ledelse og kontakt" not in t and "Ledelse" in t)
    screenshot(projector, "inputs-projector-clusters")
    screenshot(console, "inputs-console-clusters")

    # dot vote on cards: results hidden until revealed
    next_step(console, phones, "Stem")
    for page, clicks in ((alice, (0, 0, 1)), (bob, (1, 2))):
        page.wait_for_selector(".bf-vote-row")
        for row in clicks:
            page.locator(".bf-vote-row").nth(row).locator(".bf-dot-plus").click()
            time.sleep(0.3)
    wait_text(alice, ".bf-dots-left", lambda t: "0 af 3" in t)
    alice.locator(".bf-vote-row").nth(2).locator(".bf-dot-plus").click()  # a fourth dot is refused
    wait_text(alice, ".bf-section-status", lambda t: "3 prikker" in t)
    alice.locator(".bf-vote-row").nth(1).locator(".bf-dot-minus").click()  # move a dot
    alice.locator(".bf-vote-row").nth(2).locator(".bf-dot-plus").click()
    wait_text(projector, ".bf-board", lambda t: "2 af 3 har svaret" in t)
    carol_answers("s-vote", dot_vote, {})  # Carol places no dots
    screenshot(alice, "inputs-phone-vote")
    no_overflow(alice)
    console.click(".bf-reveal")
    # Alice: 2 on the guide, 1 moved from the colleagues to the contact person; Bob: colleagues + contact
    wait_text(
        projector,
        ".bf-board",
        lambda t: "samtaleguide\n2" in t and "Fast kontaktperson\n2" in t and "Kollegerne ved for lidt\n1" in t,
    )
    assert projector.locator(".bf-dots .bf-bar").count() == 3
    screenshot(projector, "inputs-projector-vote")

    # dot vote on the clusters
    next_step(console, phones, "Stem på klynger")
    for page in phones:
        page.wait_for_selector(".bf-vote-row")
        assert "Ledelse" in page.inner_text(".bf-vote")
        page.locator(".bf-vote-row").nth(0).locator(".bf-dot-plus").click()
    carol_answers("s-cvote", dot_vote, {})
    console.click(".bf-reveal")
    wait_text(projector, ".bf-dots", lambda t: "Ledelse" in t and "2" in t)

    # two ratings of the same items in one step
    next_step(console, phones, "Vurder")
    for page, (first, second) in ((alice, ("5", "2")), (bob, ("3", "4"))):
        page.locator(".bf-rate-buttons").nth(0).get_by_text(first, exact=True).click()
        page.locator(".bf-rate-buttons").nth(1).get_by_text(second, exact=True).click()
        page.locator(".bf-rate-buttons").nth(2).get_by_text("1", exact=True).click()
        wait_text(page, ".bf-section-status", lambda t: "er gemt" in t)
    no_overflow(alice)
    screenshot(alice, "inputs-phone-rating")
    carol_answers("s-rate", rating, {"0": 4}, slot="input")  # keeps item 0's mean at 4
    console.click(".bf-reveal")
    wait_text(projector, ".bf-board", lambda t: "gns. 4,0" in t or "gns. 4.0" in t)
    screenshot(projector, "inputs-projector-rating")

    # ranking with up/down buttons, Borda on the projector
    next_step(console, phones, "Rangér")
    alice.wait_for_selector(".bf-rank-row")
    alice.locator(".bf-rank-row").nth(4).locator(".bf-up").click()  # Punkt 4 up to 4th
    alice.wait_for_function("() => document.querySelectorAll('.bf-rank-row')[3].innerText.includes('Punkt 4')")
    for position in (2, 1, 0):
        alice.locator(".bf-rank-row", has_text="Punkt 4").locator(".bf-up").click()
        alice.wait_for_function(
            "p => document.querySelectorAll('.bf-rank-row')[p].innerText.includes('Punkt 4')", arg=position
        )
    alice.click(".bf-section-save")
    bob.wait_for_selector(".bf-rank-row")
    bob.click(".bf-section-save")
    wait_text(alice, ".bf-section-status", lambda t: "er gemt" in t)
    screenshot(alice, "inputs-phone-ranking")
    no_overflow(alice)
    carol_answers("s-rank", ranking, [f"item:{i}" for i in range(5)])
    console.click(".bf-reveal")
    wait_text(projector, ".bf-borda", lambda t: t.strip().startswith("1Punkt 0") or "Punkt 0" in t.split("\n")[0])
    screenshot(projector, "inputs-projector-ranking")

    # 2x2 placement
    next_step(console, phones, "Placér")
    for page, impact, effort in ((alice, "5", "1"), (bob, "4", "2")):
        item = page.locator(".bf-matrix-item").nth(0)
        item.locator(".bf-impact").get_by_text(impact, exact=True).click()
        item.locator(".bf-effort").get_by_text(effort, exact=True).click()
        wait_text(page, ".bf-section-status", lambda t: "1 af 3" in t)
    screenshot(bob, "inputs-phone-matrix")
    no_overflow(bob)
    carol_answers("s-matrix", matrix_2x2, {"item:0": {"x": 0.25, "y": 0.75}})
    console.click(".bf-reveal")
    projector.wait_for_selector(".bf-matrix-svg circle")
    assert (
        "Hurtige gevinster" in projector.inner_text(".bf-board")
        or projector.locator(".bf-matrix-svg text", has_text="Hurtige gevinster").count() == 1
    )
    screenshot(projector, "inputs-projector-matrix")

    # single choice, then multiple choice
    next_step(console, phones, "Vælg")
    alice.locator(".bf-choice-option", has_text="Punkt 1").click()
    alice.locator(".bf-choice-option", has_text="Punkt 2").click()  # single: moves the choice
    bob.locator(".bf-choice-option", has_text="Punkt 2").click()
    wait_text(bob, ".bf-section-status", lambda t: "er gemt" in t)
    screenshot(alice, "inputs-phone-choice")
    carol_answers("s-choice", choice, [2])
    console.click(".bf-reveal")
    wait_text(projector, ".bf-choices", lambda t: "3 · 100%" in t)
    screenshot(projector, "inputs-projector-choice")
    next_step(console, phones, "Vælg flere")
    for page in phones:
        page.locator(".bf-choice-option", has_text="Punkt 0").click()
        page.locator(".bf-choice-option", has_text="Punkt 3").click()
        wait_text(page, ".bf-section-status", lambda t: "er gemt" in t)
    carol_answers("s-multi", choice, [0, 3])
    console.click(".bf-reveal")
    wait_text(projector, ".bf-choices", lambda t: t.count("3 · 100%") == 2)

    # wrap-up: a card and a closing rating in one step; lock stops input
    next_step(console, phones, "Afslutning")
    send_card(alice, "Jeg afprøver samtaleguiden")
    alice.locator(".bf-rate-buttons").nth(0).get_by_text("4", exact=True).click()
    wait_text(alice, ".bf-section-status", lambda t: "er gemt" in t)
    screenshot(alice, "inputs-phone-wrapup")
    console.click(".bf-lock")
    bob.wait_for_selector(".bf-calm")
    assert bob.locator(".bf-card-input").count() == 0
    wait_text(console, ".bf-console-answered", lambda t: "1 af 3" in t)

    kinds = {(i.step_id, i.kind) for i in store.list_inputs(engine, room.id)}
    assert {
        ("s-vote", "vote"),
        ("s-cvote", "vote"),
        ("s-rate", "rating"),
        ("s-rank", "rank"),
        ("s-matrix", "placement"),
        ("s-choice", "choice"),
        ("s-multi", "choice"),
        ("s-wrap", "card"),
        ("s-wrap", "rating"),
    } <= kinds
    votes = [i for i in store.list_inputs(engine, room.id, step_id="s-vote")]
    assert len(votes) == 3 and all(sum(v.payload["dots"].values()) <= 3 for v in votes)
    rank = next(
        i
        for i in store.list_inputs(engine, room.id, step_id="s-rank")
        if i.participant_id and i.payload["order"][0] == "item:4"
    )
    assert len(rank.payload["order"]) == 5
    for page in (console, projector, alice, bob):
        assert page.locator(".bf-msg-error").count() == 0
    for context in (c_context, p_context, a_context, b_context):
        assert context.blocked == [], context.blocked
        context.close()
