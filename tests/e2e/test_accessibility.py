"""axe-core finds no serious or critical WCAG 2.1 A/AA violation on the pages people use."""

from __future__ import annotations

import pytest

from bifrost_lab import demo, rooms, store
from bifrost_lab.programme import INPUT_TYPES, load_library
from bifrost_lab.reports.export import export_room_html

from .axe import axe_violations, describe
from .conftest import offline_context, screenshot

pytestmark = pytest.mark.e2e


def _check(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe(violations)}"


def test_participant_console_projector_and_export_pass_axe(browser, servers):
    engine = store.connect(servers.db_url)
    room = rooms.open_room(engine, load_library(), "bifrost", "bif-m1")
    card_step = next(i for i, s in enumerate(rooms.steps(room)) if rooms.input_type(s) == "cards")
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{servers.participant_url}?code={room.join_code}")
    phone.wait_for_selector(".bf-role-input select", timeout=60_000)
    _check(phone, "participant join form")
    phone.select_option(".bf-role-input select", index=1)
    phone.click(".bf-join-button")
    phone.wait_for_selector(".bf-question")
    _check(phone, f"participant step {rooms.steps(room)[0]['id']} ({rooms.input_type(rooms.steps(room)[0])})")
    store.set_step(engine, room.id, card_step)
    phone.wait_for_selector(".bf-card-input textarea", timeout=10_000)
    phone.fill(".bf-card-input textarea", "Et kort til tavlen")
    phone.click(".bf-submit")
    phone.wait_for_selector(".bf-mycard")
    _check(phone, "participant card step")

    desk = offline_context(browser, viewport={"width": 1920, "height": 1080})
    console = desk.new_page()
    console.goto(f"{servers.moderator_url}?room={room.id}")
    console.wait_for_selector(".bf-join-code", timeout=60_000)
    _check(console, "moderator console")
    projector = desk.new_page()
    projector.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
    projector.wait_for_selector(".bf-join-code", timeout=60_000)
    projector.wait_for_function("document.querySelector('.bf-board').innerText.includes('Et kort til tavlen')")
    _check(projector, "projector")
    dark = desk.new_page()
    dark.goto(f"{servers.moderator_url}?view=projector&room={room.id}&look=dark")
    dark.wait_for_selector(".bf-theme-dark .bf-join-code", timeout=60_000)
    dark.wait_for_function("document.querySelector('.bf-board').innerText.includes('Et kort til tavlen')")
    assert dark.evaluate("getComputedStyle(document.querySelector('.bf-mod')).backgroundColor") == "rgb(0, 0, 0)"
    _check(dark, "dark projector")
    screenshot(dark, "projector-dark")

    summary = desk.new_page()
    summary.set_content(export_room_html(room.id, db_url=servers.db_url))
    _check(summary, "exported summary")
    store.dispose_all()
    context.close()
    desk.close()


def test_a_demo_rooms_phone_and_summary_say_demo_on_the_first_screen_and_pass_axe(browser, servers):
    engine = store.connect(servers.db_url)
    room = demo.create_demo_room(engine, load_library(), participants=3, inputs=4, seed=4)
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{servers.participant_url}?code={room.join_code}")
    phone.wait_for_selector(".bf-role-input select", timeout=60_000)

    def banner_on_first_screen() -> None:
        banner = phone.locator(".bf-demo-banner")
        assert banner.is_visible() and banner.inner_text() == "DEMO – opdigtede data"
        box = banner.bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844

    banner_on_first_screen()
    _check(phone, "participant join form of a demo room")
    phone.select_option(".bf-role-input select", index=1)
    phone.click(".bf-join-button")
    phone.wait_for_selector(".bf-question")
    banner_on_first_screen()
    _check(phone, "participant step of a demo room")
    screenshot(phone, "participant-demo-room")

    desk = offline_context(browser, viewport={"width": 1920, "height": 1080})
    summary = desk.new_page()
    summary.set_content(export_room_html(room.id, db_url=servers.db_url))
    box = summary.locator(".bf-demo-banner").bounding_box()
    assert box is not None and box["y"] < summary.locator("h1").bounding_box()["y"]
    _check(summary, "exported summary of a demo room")
    store.dispose_all()
    context.close()
    desk.close()


# Real meetings that, between them, have a step of every input type the programme schema knows.
MEETINGS_WITH_EVERY_STEP_TYPE = (
    ("soroe-spredning", "soroe-med"),
    ("fioh-yhteistyo", "fi-tyopaja"),
    ("bifrost", "bif-m3"),  # before/after (issue 17)
    ("bifrost", "bif-m5"),  # points budget
    ("bifrost", "bif-m6"),  # word cloud
)


def _saved(page) -> None:
    page.wait_for_selector(".bf-saved", timeout=10_000)


def _answer_rating(page) -> None:
    scales = page.locator(".bf-rate-buttons")
    for index in range(scales.count()):
        scales.nth(index).get_by_text("4", exact=True).click()
    _saved(page)


def _answer_cards(page) -> None:
    page.fill(".bf-card-input textarea", "Et kort fra telefonen")
    page.click(".bf-submit")
    page.wait_for_selector(".bf-mycard", timeout=10_000)


def _answer_vote(page) -> None:
    plus = page.locator(".bf-vote-row").first.locator(".bf-dot-plus")
    plus.click()
    _saved(page)
    for _dot in range(5):  # on to the limit, so that the warning is checked too
        plus.click()
        page.wait_for_timeout(300)
        if page.locator(".bf-section-status .bf-hint").count():
            break
    page.wait_for_selector(".bf-section-status .bf-hint")


def _answer_ranking(page) -> None:
    first = page.locator(".bf-rank-row .bf-item-label").first.inner_text()
    page.locator(".bf-rank-row").first.locator(".bf-down").click()
    page.wait_for_function(
        "t => document.querySelectorAll('.bf-rank-row .bf-item-label')[1].innerText === t", arg=first
    )
    page.click(".bf-section-save")
    _saved(page)


def _answer_matrix(page) -> None:
    item = page.locator(".bf-matrix-item").first
    item.locator(".bf-impact").get_by_text("5", exact=True).click()
    item.locator(".bf-effort").get_by_text("1", exact=True).click()
    _saved(page)


def _answer_choice(page) -> None:
    page.locator(".bf-choice-option").first.click()
    _saved(page)


def _answer_solution(page) -> None:
    page.fill(".bf-sol-problem textarea", "Lange ventetider på hjælpemidler")
    page.fill(".bf-sol-solution textarea", "Et fælles lager med de mest brugte hjælpemidler")
    page.fill(".bf-sol-where input", "Hjemmeplejen")
    page.select_option(".bf-sol-sector select", index=1)
    page.click(".bf-sol-send")
    page.wait_for_selector(".bf-mysolutions .bf-mycard", timeout=10_000)


def _answer_budget(page) -> None:
    page.locator(".bf-budget-row").first.locator(".bf-budget-plus").click()
    _saved(page)
    field = page.locator(".bf-budget-row").nth(1).locator("input")
    field.fill("100")  # more than is left: the warning is checked too
    field.press("Enter")
    page.wait_for_selector(".bf-section-status .bf-hint")


def _answer_words(page) -> None:
    page.locator(".bf-words-field input").first.fill("tillid")
    page.click(".bf-section-save")
    _saved(page)


SCROLL_TO_END = "() => { const box = document.getElementById('rendered_cells'); box.scrollTop = box.scrollHeight; }"
SCROLLED_TO_TOP = "() => document.getElementById('rendered_cells').scrollTop === 0"
ANSWER = {
    "none": lambda page: page.wait_for_selector(".bf-calm"),
    "cards": _answer_cards,
    "rating": _answer_rating,
    "dot_vote": _answer_vote,
    "ranking": _answer_ranking,
    "matrix_2x2": _answer_matrix,
    "choice": _answer_choice,
    "solution": _answer_solution,
    "budget": _answer_budget,
    "words": _answer_words,
    "shift": _answer_rating,
}


def test_every_step_type_passes_axe_on_the_phone_and_the_projector(browser, servers):
    """A real step of each input type: the phone after answering it (saved states, own cards), and the projector
    with the results revealed (charts, boards)."""
    engine = store.connect(servers.db_url)
    library = load_library()
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    desk = offline_context(browser, viewport={"width": 1920, "height": 1080})
    projector = desk.new_page()
    checked: dict[str, str] = {}
    for programme_id, meeting_id in MEETINGS_WITH_EVERY_STEP_TYPE:
        room = rooms.open_room(engine, library, programme_id, meeting_id)
        demo.fill_room(engine, room, participants=4, inputs=16, seed=9)  # cards and clusters to vote on, rank, place
        projector.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
        page.goto(f"{servers.participant_url}?code={room.join_code}")
        page.wait_for_selector(".bf-role-input select", timeout=60_000)
        page.select_option(".bf-role-input select", index=1)
        page.click(".bf-join-button")
        page.wait_for_selector(".bf-step-title")
        projector.wait_for_selector(".bf-proj-title", timeout=60_000)
        for index, step in enumerate(rooms.steps(room)):
            kinds = [spec["type"] for _slot, spec in rooms.step_inputs(step)] or ["none"]
            if all(kind in checked for kind in kinds):
                continue
            title = rooms.text(step["title"], room.language).strip()
            page.evaluate(SCROLL_TO_END)
            store.set_step(engine, room.id, index)
            page.wait_for_function(
                "t => document.querySelector('.bf-step-title')?.innerText.trim() === t", arg=title, timeout=10_000
            )
            page.wait_for_function(SCROLLED_TO_TOP)  # a new step shows its question first
            for kind in kinds:
                ANSWER[kind](page)
            where = f"{meeting_id}/{step['id']} ({' + '.join(kinds)})"
            assert page.locator(".bf-msg-error").count() == 0, f"{where}: {page.inner_text('.bf-p-body')}"
            _check(page, f"participant step {where}")
            screenshot(page, f"axe-phone-{'-'.join(kinds)}")
            store.set_step_state(engine, room.id, step["id"], revealed=True)
            projector.wait_for_function(
                "t => document.querySelector('.bf-proj-title')?.innerText.trim() === t"
                " && !document.querySelector('.bf-waiting')",
                arg=title,
                timeout=10_000,
            )
            _check(projector, f"projector step {where}, results revealed")
            screenshot(projector, f"axe-projector-{'-'.join(kinds)}")
            for kind in kinds:
                checked.setdefault(kind, where)
    assert set(checked) == set(INPUT_TYPES), f"no step of {sorted(set(INPUT_TYPES) - set(checked))} was checked"
    for used in (context, desk):
        assert used.blocked == [], used.blocked
    store.dispose_all()
    context.close()
    desk.close()
