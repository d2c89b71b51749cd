"""Demo rooms (`bifrost-lab demo`): marked as demo, kept apart from real meetings, and naming no one real."""

from __future__ import annotations

import uuid

import pytest

from bifrost_lab import demo, rooms, store
from bifrost_lab.markup import demo_banner_html


def test_a_demo_room_is_marked_as_demo(sqlite_engine, library):
    room = demo.create_demo_room(sqlite_engine, library, participants=3, inputs=4, seed=1)
    assert room.demo and store.get_room(sqlite_engine, room.id).demo
    assert not rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1").demo


def test_a_demo_rooms_commitments_are_not_carried_into_a_real_meeting(sqlite_engine, library):
    m1 = demo.create_demo_room(sqlite_engine, library, meeting_id="bif-m1", participants=3, inputs=2, seed=1)
    me, _token = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    rooms.submit_card(sqlite_engine, m1, me, "bif-m1-s8", "Opdigtet tilsagn", input_id=str(uuid.uuid4()))
    assert "carried" not in rooms.open_room(sqlite_engine, library, "bifrost", "bif-m2").content
    demo_m2 = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m2", demo=True)
    assert "Opdigtet tilsagn" in demo_m2.content["carried"]["cards"]  # a demo meeting may follow a demo meeting


@pytest.mark.parametrize(
    "language, text",
    [("da", "DEMO – opdigtede data"), ("en", "DEMO – invented data"), ("fi", "DEMO – keksittyä aineistoa")],
)
def test_the_demo_banner_speaks_the_language(language, text):
    banner = demo_banner_html(language)
    assert f">{text}</div>" in banner and 'class="bf-demo-banner"' in banner and 'role="note"' in banner


def test_the_participant_page_of_a_demo_room_says_demo_on_top(sqlite_engine, library):
    import asyncio

    from own_thread import in_own_thread

    from bifrost_lab.ui.participant import ParticipantApp

    room = demo.create_demo_room(sqlite_engine, library, participants=2, inputs=2, seed=1)

    async def scenario() -> None:  # joining starts the page's change feed, which needs an event loop
        app = ParticipantApp(sqlite_engine, "da")
        app.bridge.set_state({"query": f"?code={room.join_code}", "stored": {}})
        app._on_bridge_ready({"new": True})
        assert app.header.value.startswith('<div class="bf-demo-banner"')  # from the code onwards
        assert "DEMO – opdigtede data" in app.header.value
        app.role_input.value = "RESEARCHER"
        app._on_join(None)
        try:
            assert app.me is not None and app.header.value.startswith('<div class="bf-demo-banner"')
            app.language_switch.value = "fi"  # the page re-renders in the participant's language
            assert "DEMO – keksittyä aineistoa" in app.header.value
        finally:
            app.feed.stop()

        real = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1")
        app = ParticipantApp(sqlite_engine, "da")
        app.bridge.set_state({"query": f"?code={real.join_code}", "stored": {}})
        app._on_bridge_ready({"new": True})
        app.role_input.value = "RESEARCHER"
        app._on_join(None)
        try:
            assert "bf-demo-banner" not in app.header.value
            store.set_room_demo(sqlite_engine, real.id)  # an old demo room marked while a phone follows it
            app._refresh_now()
            assert app.header.value.startswith('<div class="bf-demo-banner"')
        finally:
            app.feed.stop()

    in_own_thread(asyncio.run, scenario())
