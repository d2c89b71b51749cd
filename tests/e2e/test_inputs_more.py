"""Issue 17's input types on the real servers: a points budget, a word cloud and a before/after rating.

The showcase room (bifrost_lab.demo.showcase_content) starts at its budget step; two phones answer each
new type, a third person answers through the room rules (so the projector has a whole block of three),
the console reveals, and the real projector page shows the charts.
"""

from __future__ import annotations

import re
import time

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.demo import open_showcase_room
from bifrost_lab.inputs import budget, rating, shift, words
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot
from .test_inputs import next_step, no_overflow, phone, wait_text

pytestmark = pytest.mark.e2e
CHECK_IN = (
    "travlt",
    "spændt",
    "nysgerrig",
    "forventningsfuld",
    "træt",
    "samarbejde",
    "stress",
    "usikker",
    "motiveret",
    "klar",
    "ro",
    "fællesskab",
    "deadlines",
    "overblik",
    "sygefravær",
    "dialog",
    "ledelse",
    "kolleger",
    "energi",
    "tid",
    "tryghed",
    "åbenhed",
    "fleksibilitet",
    "hjemmearbejde",
    "opfølgning",
    "trivsel",
    "pres",
    "glæde",
    "forandring",
    "læring",
    "netværk",
    "rådgivning",
    "fastholdelse",
    "balance",
    "humor",
    "tålmodighed",
    "forståelse",
    "kommunikation",
    "ansvar",
    "tillidsfuld",
    "mod",
    "håb",
    "praksis",
    "forskning",
    "nærvær",
    "hverdag",
    "arbejdsglæde",
    "støtte",
    "sammenhold",
    "struktur",
    "fokus",
    "overskud",
    "belastning",
    "usikkerhed",
    "fornyelse",
    "engagement",
    "respekt",
    "medarbejdere",
    "ejerleder",
    "kundepres",
)


@pytest.fixture(scope="module")
def room(servers):
    engine = store.connect(servers.db_url)
    opened = open_showcase_room(engine, load_library())
    at = next(i for i, s in enumerate(rooms.steps(opened)) if s["id"] == "s-budget")
    yield rooms.go_to_step(engine, opened, at)
    store.dispose_all()


def set_points(page, row: int, points: int) -> None:
    field = page.locator(".bf-budget-row").nth(row).locator("input")
    field.fill(str(points))
    field.press("Enter")


def test_budget_words_and_before_after_with_two_phones(browser, servers, room):
    engine = store.connect(servers.db_url)
    c_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    console = c_context.new_page()
    console.goto(f"{servers.moderator_url}?room={room.id}")
    console.wait_for_selector(".bf-next", timeout=60_000)
    p_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    projector = p_context.new_page()
    projector.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
    projector.wait_for_selector(".bf-join-code", timeout=60_000)
    a_context, alice = phone(browser, servers, room.join_code, "Arbejdsmiljørådgiver")
    b_context, bob = phone(browser, servers, room.join_code, "Ejerleder")
    phones = (alice, bob)
    carol, _token = rooms.join_room(engine, store.get_room(engine, room.id), role="RESEARCHER")

    def as_carol(step_id: str, input_type, value) -> None:
        input_type.save(engine, store.get_room(engine, room.id), carol, step_id, value)

    # -- budget: the phone shows what is left and refuses more than 100 points
    alice.wait_for_selector(".bf-budget-row")
    assert "100 af 100 point tilbage" in alice.inner_text(".bf-budget-left")
    set_points(alice, 0, 60)
    wait_text(alice, ".bf-budget-left", lambda t: "40 af 100" in t)
    set_points(alice, 1, 30)
    wait_text(alice, ".bf-budget-left", lambda t: "10 af 100" in t)
    for _press in range(2):
        alice.locator(".bf-budget-row").nth(2).locator(".bf-budget-plus").click()
        time.sleep(0.3)
    wait_text(alice, ".bf-budget-left", lambda t: "0 af 100" in t)
    set_points(alice, 3, 20)  # more than is left: refused, the field goes back to 0
    wait_text(alice, ".bf-section-status", lambda t: "120 point; du har 100" in t)
    assert alice.locator(".bf-budget-row").nth(3).locator("input").input_value() == "0"
    no_overflow(alice)
    screenshot(alice, "inputs-phone-budget")
    set_points(bob, 1, 50)
    wait_text(bob, ".bf-section-status", lambda t: "er gemt" in t)
    as_carol("s-budget", budget, {"item:0": 40, "item:3": 60})
    wait_text(projector, ".bf-board", lambda t: "3 af 3 har svaret" in t)
    console.click(".bf-reveal")
    # totals 100 / 80 / 60 / 10 over three people: means 33,3 / 26,7 / 20,0 / 3,3
    text = wait_text(projector, ".bf-budget-bars", lambda t: "100 point · gns. 33,3" in t)
    assert "80 point · gns. 26,7" in text and "60 point · gns. 20,0" in text and "10 point · gns. 3,3" in text
    assert text.index("Punkt 0") < text.index("Punkt 1") < text.index("Punkt 3") < text.index("Punkt 2")
    screenshot(projector, "inputs-projector-budget")

    # -- word cloud: sent with the button, counted per stem, drawn as SVG
    next_step(console, phones, "Ord")
    alice.locator(".bf-words-field input").nth(0).fill("Tillid")
    alice.locator(".bf-words-field input").nth(1).fill("travle dage")
    alice.click(".bf-section-save")
    wait_text(alice, ".bf-section-status", lambda t: "er gemt" in t)
    bob.locator(".bf-words-field input").nth(0).fill("alt for mange ord her")
    bob.click(".bf-section-save")
    wait_text(bob, ".bf-msg-error", lambda t: "højst 3" in t)
    bob.locator(".bf-words-field input").nth(0).fill("tillid!")
    bob.click(".bf-section-save")
    wait_text(bob, ".bf-section-status", lambda t: "er gemt" in t)
    no_overflow(bob)
    screenshot(alice, "inputs-phone-words")
    as_carol("s-words", words, ["tilliden", "ro"])
    console.click(".bf-reveal")
    projector.wait_for_selector(".bf-cloud-svg text")
    sizes = {
        t.strip(): float(s)
        for s, t in re.findall(
            r'font-size="([\d.]+)"[^>]*><title>[^<]*</title>([^<]+)</text>', projector.inner_html(".bf-cloud")
        )
    }
    assert set(sizes) == {"tillid", "travle", "dage", "ro"}, sizes
    assert sizes["tillid"] > sizes["ro"] == sizes["dage"]
    label = projector.get_attribute(".bf-cloud-svg", "aria-label")
    assert "tillid: 3" in label
    box = projector.locator(".bf-cloud-svg").bounding_box()
    assert box["height"] <= 1080 * 0.5 and box["width"] >= 1200  # large, and low enough to fit under the question
    assert box["y"] + box["height"] <= 1080, box  # on the first screen
    screenshot(projector, "inputs-projector-words")
    # the moderator enters a paper note's words for the room: the console builds the same widget (no autosave)
    console.locator(".bf-behalf-panel .bf-words-field input").first.fill("papir")
    console.click(".bf-behalf-panel .bf-section-save")
    wait_text(console, ".bf-status", lambda t: "Tilføjet for rummet" in t)
    (paper,) = [i for i in store.list_inputs(engine, room.id, step_id="s-words") if i.participant_id is None]
    assert paper.payload["words"] == ["papir"] and paper.payload["on_behalf"] is True
    # a fuller room: 21 more people, 60 different words; the cloud keeps at least the 40 most used legible
    for n in range(21):
        person, _token = rooms.join_room(engine, store.get_room(engine, room.id), role="OTHER")
        given = [CHECK_IN[(n * 3 + i) % len(CHECK_IN)] for i in range(3)] if n % 3 else [CHECK_IN[n % 6], "tillid"]
        words.save(engine, store.get_room(engine, room.id), person, "s-words", given)
    projector.wait_for_function("() => document.querySelectorAll('.bf-cloud-svg text').length >= 40")
    smallest = projector.eval_on_selector_all(
        ".bf-cloud-svg text", "ts => Math.min(...ts.map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 24, smallest  # px on a 1920 × 1080 projector
    screenshot(projector, "inputs-projector-words-many")

    # -- before/after: the showcase's rating step is the before; the phones rate again
    people = {p.role: p for p in store.list_participants(engine, room.id)}
    current = store.get_room(engine, room.id)
    for role, before in (("OHS_ADVISER", {"0": 2, "1": 3}), ("SME_MANAGER", {"0": 2, "1": 2})):
        rating.save(engine, current, people[role], "s-rate", before, slot="input")
    rating.save(engine, current, carol, "s-rate", {"0": 3, "1": 3}, slot="input")
    next_step(console, phones, "Vurder igen")
    assert "tidligere på mødet" in alice.inner_text(".bf-shift-input")
    for page, (first, second) in ((alice, ("4", "4")), (bob, ("5", "3"))):
        page.locator(".bf-rate-buttons").nth(0).get_by_text(first, exact=True).click()
        page.locator(".bf-rate-buttons").nth(1).get_by_text(second, exact=True).click()
        wait_text(page, ".bf-section-status", lambda t: "er gemt" in t)
    no_overflow(alice)
    screenshot(alice, "inputs-phone-shift")
    as_carol("s-shift", shift, {"0": 4, "1": 3})
    console.click(".bf-reveal")
    # item 0: 2, 2, 3 before and 4, 5, 4 after; item 1: 3, 2, 3 and 4, 3, 3
    text = wait_text(projector, ".bf-shift", lambda t: "2,3 → 4,3 (+2,0) · n=3" in t)
    assert "2,7 → 3,3 (+0,7) · n=3" in text and "Før" in text and "Efter" in text
    screenshot(projector, "inputs-projector-shift")

    kinds = {(i.step_id, i.kind) for i in store.list_inputs(engine, room.id)}
    assert {("s-budget", "budget"), ("s-words", "words"), ("s-shift", "shift")} <= kinds
    for page in (console, projector, alice):
        assert page.locator(".bf-msg-error").count() == 0
    for context in (c_context, p_context, a_context, b_context):
        assert context.blocked == [], context.blocked
        context.close()
