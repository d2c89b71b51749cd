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
