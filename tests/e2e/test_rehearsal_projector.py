"""Rehearsal: whole meetings on the real servers, and the projector checked at every step (issue 22).

A BIFROST meeting (bif-m1), a NECTO lab (necto-lab-b) and the showcase of every input type run with
six participants who joined and answered through the room functions, as their phones would. The room
is moved from step to step in the store (as the console does) and every step is checked on the
projector page at 1920×1080 and 1280×720, before and after its results are revealed: nothing cut or
below the edge, no scrolling, no text over other text, no text under 24 px at 1080p (16 px at 720p).
A cards step is also checked with 40 and 150 cards, and the join panel shrinks once people are in.
Screenshots go to test-artifacts/rehearsal-*.png.
"""

from __future__ import annotations

import random
import time
import uuid

import pytest

from bifrost_lab import rooms, solutions, store
from bifrost_lab.demo import SAMPLE_CARDS_DA, open_showcase_room
from bifrost_lab.inputs.registry import input_type
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot
from .projector_checks import Problems, inspect

pytestmark = pytest.mark.e2e

VIEWPORTS = ((1920, 1080), (1280, 720))
PEOPLE = 6
# The longest cards a phone may send (140 characters), among the usual ones.
LONG_CARDS = (
    "Når en medarbejder er sygemeldt med stress, ved lederen ikke, hvor ofte hun må ringe, og kollegerne får "
    "ingenting at vide om planen",
    "Rådgiveren kommer først ind, når sagen er gået i hårdknude; vi har brug for en fast aftale om tidlig "
    "kontakt og en plan for de første uger",
    "Delvis raskmelding fungerer kun, hvis opgaverne faktisk bliver taget fra medarbejderen og nogen har tid "
    "til at følge op hver uge",
)
THEMES = (
    "Ledelsens rolle i de første uger",
    "Kontakt under fravær",
    "Kolleger og arbejdsfællesskab",
    "Rådgivning og netværk",
    "Tilpasning af opgaver",
    "Opfølgning og fastholdelse",
    "Samarbejde med kommune og læge",
    "Politikker og skriftlige aftaler",
)


def card_texts(rng: random.Random, count: int) -> list[str]:
    pool = [*SAMPLE_CARDS_DA, *LONG_CARDS]
    return [pool[i % len(pool)] if i < len(pool) else rng.choice(pool) for i in range(count)]


def join_people(engine, room: store.Room, count: int) -> list[store.Participant]:
    """`count` participants in two roles (so the results can be split by role), a few showing their name."""
    roles = [r["id"] for r in room.content["roles"] if r["id"] != rooms.FACILITATOR_ROLE][:2]
    people = []
    for n in range(count):
        named = n % 4 == 1
        person, _token = rooms.join_room(
            engine, room, role=roles[n % 2], display_name="Karin Skovgaard" if named else "", name_consent=named
        )
        people.append(person)
    return people


def add_cards(engine, room, people, step: dict, count: int, rng: random.Random, start: int = 0) -> None:
    """`count` cards in a step, from people in turn (starting at `start`), spread over its columns."""
    columns = (rooms.card_spec(step) or {}).get("columns") or []
    for n, text in enumerate(card_texts(rng, count)):
        rooms.submit_card(
            engine,
            store.get_room(engine, room.id),
            people[(start + n) % len(people)],
            step["id"],
            text,
            column=n % len(columns) if columns else None,
            input_id=str(uuid.uuid4()),
        )


def fill_meeting(engine, room: store.Room, *, cards: int = 12, seed: int = 22) -> store.Room:
    """Six people join; every cards step gets `cards` cards; clusters are made; everyone answers everything."""
    rng = random.Random(seed)
    people = join_people(engine, room, PEOPLE)
    all_steps = rooms.steps(room)
    for step in all_steps:
        if rooms.card_spec(step) is not None:
            add_cards(engine, room, people, step, cards, rng)
    cluster_steps = {
        spec["targets"]["from_step"]
        for s in all_steps
        for _slot, spec in rooms.step_inputs(s)
        if (spec.get("targets") or {}).get("source") == "clusters"
    }
    for step_id in cluster_steps:
        index = next(i for i, s in enumerate(all_steps) if s["id"] == step_id)
        earlier = {s["id"] for s in all_steps[: index + 1] if rooms.card_spec(s) is not None}
        found = [i for i in store.list_inputs(engine, room.id) if i.kind == "card" and i.step_id in earlier]
        for n, theme in enumerate(THEMES):
            rooms.create_cluster(engine, room, step_id, theme, input_ids=[c.id for c in found[n :: len(THEMES)]])
    room = store.get_room(engine, room.id)
    for step in all_steps:
        for slot, spec in rooms.step_inputs(step):
            kind = input_type(spec.get("type"))
            if spec.get("type") == "cards" or kind is None:
                continue
            targets = rooms.valid_targets(engine, room, spec)
            for person in people:
                value = kind.demo_answer(rng, spec, targets)
                if value is not None:
                    kind.save(engine, room, person, step["id"], value, slot=slot)
    return store.get_room(engine, room.id)


# ----------------------------------------------------------------------------------------------
# The projector page


class Projector:
    """One projector page, moved through a room's steps from the store, and what was found wrong on it."""

    def __init__(self, browser, servers, room: store.Room) -> None:
        self.engine = store.connect(servers.db_url)
        self.room = room
        self.context = offline_context(browser, viewport={"width": 1920, "height": 1080})
        self.page = self.context.new_page()
        self.page.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
        self.page.wait_for_selector(".bf-proj-title", timeout=60_000)
        self.problems = Problems()
        self.checked = 0

    def go(self, index: int, **state) -> dict:
        """Move the room to step `index` (and set its state), and wait until the projector shows it all."""
        room = store.get_room(self.engine, self.room.id)
        step = rooms.steps(room)[index]
        if room.step_index != index:
            store.set_step(self.engine, room.id, index)
        if state:
            store.set_step_state(self.engine, room.id, step["id"], **state)
        self.room = store.get_room(self.engine, room.id)
        title = rooms.text(step.get("title"), self.room.language)
        self.page.wait_for_function(
            "t => document.querySelector('.bf-proj-title')?.innerText.trim() === t", arg=title, timeout=15_000
        )
        self.settle()
        return step

    def settle(self) -> None:
        """Wait until the board has stopped changing (the feed's next poll, then the fit)."""
        last, stable_since = None, time.monotonic()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = self.page.evaluate(
                "() => [document.querySelector('.bf-mod')?.innerHTML.length,"
                " document.querySelector('[data-bf-fit]')?.dataset.bfFit || 'none']"
            )
            if now != last:
                last, stable_since = now, time.monotonic()
            elif now[1] != "pending" and time.monotonic() - stable_since > 0.35:
                return
            time.sleep(0.1)

    def check(self, name: str, *, shots: bool = True) -> None:
        """Inspect the page at both screen sizes; keep a screenshot of each."""
        for width, height in VIEWPORTS:
            if self.page.viewport_size != {"width": width, "height": height}:
                self.page.set_viewport_size({"width": width, "height": height})
                self.settle()
            where = f"{name} @{height}p"
            inspect(self.page, where, self.problems)
            self.checked += 1
            if shots:
                screenshot(self.page, f"rehearsal-{name}-{height}p")
        self.page.set_viewport_size({"width": 1920, "height": 1080})

    def close(self) -> None:
        self.context.close()


def rehearse(projector: Projector, room: store.Room, label: str) -> Problems:
    """Every step of the room: before the reveal (if it has results to reveal) and after."""
    problems = projector.problems
    for index, step in enumerate(rooms.steps(room)):
        inputs = rooms.step_inputs(step)
        revealable = inputs and not all(spec.get("type") == "cards" for _slot, spec in inputs)
        name = f"{label}-{index + 1}-{step['id']}"
        if revealable:
            projector.go(index, revealed=False)
            projector.check(f"{name}-waiting")
            waiting = projector.page.locator(".bf-board .bf-waiting").count()
            if waiting != 1:
                problems.other.append(f"{name}: the waiting block is shown {waiting} times")
            projector.go(index, revealed=True)
        else:
            projector.go(index)
        projector.check(name)
    return problems


def assert_fits(problems: Problems) -> None:
    report = problems.report()
    print("\n".join(["[figures]", *problems.figures, report]))
    assert not problems.scroll, report
    assert not problems.cut, report
    assert not problems.overlap, report
    assert not problems.small, report
    assert not problems.other, report


# ----------------------------------------------------------------------------------------------
# The rehearsals


@pytest.mark.parametrize(("programme", "meeting"), [("bifrost", "bif-m1"), ("necto", "necto-lab-b")])
def test_a_whole_meeting_fits_the_projector_at_every_step(browser, servers, programme, meeting):
    engine = store.connect(servers.db_url)
    room = fill_meeting(engine, rooms.open_room(engine, load_library(), programme, meeting))
    projector = Projector(browser, servers, room)
    try:
        rehearse(projector, room, meeting)
        # the evidence cards one at a time, as the moderator shows them while talking
        evidence_step = next(i for i, s in enumerate(rooms.steps(room)) if len(s.get("evidence_cards", [])) > 3)
        projector.go(evidence_step, evidence="one", evidence_index=1)
        projector.check(f"{meeting}-evidence-one")
    finally:
        projector.close()
        store.dispose_all()
    assert_fits(projector.problems)


def test_every_input_type_fits_the_projector(browser, servers):
    engine = store.connect(servers.db_url)
    room = fill_meeting(engine, open_showcase_room(engine, load_library()))
    projector = Projector(browser, servers, room)
    try:
        rehearse(projector, room, "showcase")
    finally:
        projector.close()
        store.dispose_all()
    assert_fits(projector.problems)


def test_40_and_150_cards_are_summarised_on_the_projector(browser, servers):
    """A cards step in columns and one without, with 40 and then 150 cards: the newest shown, the rest counted."""
    engine = store.connect(servers.db_url)
    room = rooms.open_room(engine, load_library(), "bifrost", "bif-m1")
    people = join_people(engine, room, 50)
    rng = random.Random(150)
    all_steps = rooms.steps(room)
    lanes = next(i for i, s in enumerate(all_steps) if ((rooms.card_spec(s) or {}).get("columns") or []))
    grid = next(i for i, s in enumerate(all_steps) if rooms.input_type(s) == "cards" and not s["input"].get("columns"))
    projector = Projector(browser, servers, room)
    problems = projector.problems
    try:
        added = 0
        for total in (40, 150):
            for index in (lanes, grid):
                step = all_steps[index]
                add_cards(engine, room, people, step, total - added, rng, start=added)
                projector.go(index, revealed=True)
                name = f"cards-{total}-{step['id']}"
                projector.check(name)
                shown, more = projector.page.evaluate(
                    "() => [Array.from(document.querySelectorAll('.bf-board .bf-board-card'))"
                    ".filter(c => c.getBoundingClientRect().height > 0).length,"
                    " Array.from(document.querySelectorAll('.bf-board .bf-more')).filter(m => m.offsetHeight > 0)"
                    ".reduce((n, m) => n + parseInt(m.dataset.count || '0', 10), 0)]"
                )
                if shown + more != total:
                    problems.other.append(f"{name}: {shown} cards shown and {more} counted, of {total}")
                if shown < 6:
                    problems.other.append(f"{name}: only {shown} cards shown")
            added = total
    finally:
        projector.close()
        store.dispose_all()
    assert_fits(problems)


def test_carried_commitments_and_good_solutions_fit_the_projector(browser, servers):
    """The 40 commitments M2 opens with (beside its check-in), and a step of good solutions, full."""
    engine = store.connect(servers.db_url)
    library = load_library()
    m1 = rooms.open_room(engine, library, "bifrost", "bif-m1")
    wrap_up = next(s for s in rooms.steps(m1) if s["id"] == "bif-m1-s8")
    add_cards(engine, m1, join_people(engine, m1, 20), wrap_up, 50, random.Random(2))
    store.close_room(engine, m1.id)
    m2 = fill_meeting(engine, rooms.open_room(engine, library, "bifrost", "bif-m2"))
    assert len(m2.content["carried"]["cards"]) == 40
    fioh = rooms.open_room(engine, library, "fioh-yhteistyo", "fi-seuranta", language="fi")
    people = join_people(engine, fioh, 6)
    for seed in range(3):  # 3 × up to 11 solutions: more than the screen holds
        solutions.fill_demo_solutions(engine, fioh, people, rng=random.Random(seed), per_step=11)
    problems = Problems()
    for room, index, label in (
        (m2, 0, "carried"),
        (fioh, next(i for i, s in enumerate(rooms.steps(fioh)) if rooms.input_type(s) == "solution"), "solutions"),
    ):
        projector = Projector(browser, servers, room)
        projector.problems = problems
        try:
            projector.go(index, revealed=True)
            projector.check(label)
            if not projector.page.locator(".bf-board .bf-more:visible").count():
                problems.other.append(f"{label}: a full board does not say how many more there are")
        finally:
            projector.close()
    store.dispose_all()
    assert_fits(problems)


def test_the_join_panel_shrinks_once_people_are_in_and_comes_back_on_demand(browser, servers):
    from bifrost_lab.ui.console.projector import show_join_panel

    engine = store.connect(servers.db_url)
    room = rooms.open_room(engine, load_library(), "bifrost", "bif-m1")
    projector = Projector(browser, servers, room)
    page = projector.page

    def join_height() -> float:
        return page.evaluate("document.querySelector('.bf-join').getBoundingClientRect().height")

    def qr_shown() -> bool:
        return page.evaluate(
            "(() => { const q = document.querySelector('.bf-qr svg'); return !!q && q.getBoundingClientRect().height > 0; })()"
        )

    try:
        projector.settle()
        assert qr_shown() and page.inner_text(".bf-join-code") == room.join_code  # nobody in yet: the whole panel
        screenshot(page, "rehearsal-join-empty-room")
        join_people(engine, room, 3)
        page.wait_for_function("() => document.querySelector('.bf-proj-meta').innerText.includes('3')")
        projector.settle()
        assert not qr_shown(), "the join panel stays full size once people have joined"
        assert join_height() <= 80, f"the join bar is {join_height():.0f} px high at 1080p"
        assert room.join_code in page.inner_text(".bf-join")  # the code stays on the screen, small
        screenshot(page, "rehearsal-join-bar")
        page.keyboard.press("j")  # the moderator's key on the projector window brings it back
        page.wait_for_function("() => document.querySelector('.bf-qr svg')?.getBoundingClientRect().height > 0")
        projector.settle()
        inspect(page, "join panel by key", projector.problems)
        screenshot(page, "rehearsal-join-by-key")
        page.keyboard.press("j")
        page.wait_for_function("() => !(document.querySelector('.bf-qr svg')?.getBoundingClientRect().height > 0)")
        show_join_panel(engine, store.get_room(engine, room.id), True)  # the console's button
        page.wait_for_function("() => document.querySelector('.bf-qr svg')?.getBoundingClientRect().height > 0")
        show_join_panel(engine, store.get_room(engine, room.id), False)
        page.wait_for_function("() => !(document.querySelector('.bf-qr svg')?.getBoundingClientRect().height > 0)")
    finally:
        projector.close()
        store.dispose_all()
    assert_fits(projector.problems)
