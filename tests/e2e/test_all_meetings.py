"""Every meeting and lab in labs/ runs: open its room from the console's picker, fill it with demo
answers, and step through every step (revealing results) without an error or a traceback."""

from __future__ import annotations

import pytest

from bifrost_lab import demo, store
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot

pytestmark = pytest.mark.e2e


def advance(page, expected: str) -> None:
    """Click Next once and wait for the step; a second click on a slow machine would skip a step."""
    page.click(".bf-next")
    page.wait_for_function(
        "t => document.querySelector('.bf-proj-meta').innerText.includes(t)", arg=expected, timeout=45_000
    )


def test_every_meeting_opens_and_steps_through(browser, servers):
    library = load_library()
    engine = store.connect(servers.db_url)
    context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(servers.moderator_url)
    page.wait_for_selector(".bf-open-room", timeout=60_000)
    seen = 0
    for programme in library.programmes.values():
        for meeting in programme.meetings:
            page.select_option(".bf-programme-input select", value=programme.title.get("da"))
            label = f"{meeting.title.get('da')} ({meeting.duration_min} min)"
            page.wait_for_function(
                "([s, v]) => Array.from(document.querySelector(s).options).some(o => o.value === v)",
                arg=[".bf-meeting-input select", label],
            )
            page.select_option(".bf-meeting-input select", value=label)
            page.click(".bf-open-room")
            page.wait_for_selector(".bf-next")
            room = store.list_rooms(engine)[0].room
            assert room.meeting_id == meeting.id
            demo.fill_room(engine, room, participants=6, seed=seen)
            total = len(meeting.steps)
            for index, step in enumerate(meeting.steps):
                try:
                    page.wait_for_function(
                        "t => document.querySelector('.bf-proj-meta').innerText.includes(t)",
                        arg=f"Trin {index + 1} af {total}",
                        timeout=45_000,
                    )
                except Exception:  # noqa: BLE001 - any failure: keep a screenshot, then fail
                    screenshot(page, f"all-meetings-stuck-{meeting.id}")
                    raise AssertionError(
                        (meeting.id, step.id, page.inner_text(".bf-proj-meta"), page.inner_text(".bf-status"))
                    ) from None
                if step.inputs and "Vis resultater" in page.inner_text(".bf-reveal"):
                    page.click(".bf-reveal")
                    page.wait_for_function("() => document.querySelector('.bf-reveal').innerText.includes('Skjul')")
                body = page.inner_text("body")
                assert page.locator(".bf-msg-error").count() == 0, (meeting.id, step.id, body[-500:])
                assert "Traceback" not in body and "Error" not in body, (meeting.id, step.id)
                if index + 1 < total:
                    advance(page, f"Trin {index + 2} af {total}")
            if seen == 0:
                screenshot(page, "console-last-step")
            seen += 1
            page.click(".bf-back")
            page.wait_for_selector(".bf-open-room")
    assert seen >= 9
    assert context.blocked == []
    context.close()
    store.dispose_all()
