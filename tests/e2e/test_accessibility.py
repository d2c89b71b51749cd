"""axe-core finds no serious or critical WCAG 2.1 A/AA violation on the pages people use."""
from __future__ import annotations

import pytest

from bifrost_lab import room as rooms, store
from bifrost_lab.export import export_room_html
from bifrost_lab.programme import load_library

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
