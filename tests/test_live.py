"""The change feed: how often kernels look, and that a participant's page follows the room."""

from __future__ import annotations

import asyncio

import pytest
from helpers import in_own_thread

from bifrost_lab import rooms, store
from bifrost_lab.ui.participant import ParticipantApp


@pytest.mark.parametrize("setting, expected", [(None, 1.0), ("2.5", 2.5)])
def test_a_participant_kernel_polls_less_often_than_the_projector_and_still_follows_the_room(
    sqlite_engine, library, monkeypatch, setting, expected
):
    if setting:
        monkeypatch.setenv("BIFROST_PARTICIPANT_POLL_INTERVAL", setting)
    engine = sqlite_engine
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    me, _token = rooms.join_room(engine, room, role="RESEARCHER")

    async def scenario() -> None:
        app = ParticipantApp(engine, "da")
        app.room = room
        app._start_following(me)
        try:
            assert app.feed is not None and app.feed.interval == expected
            assert app.feed.interval > 0.3  # the moderator's kernels keep BIFROST_POLL_INTERVAL (0.3 s)
            store.set_step(engine, room.id, 2)
            for _ in range(int(expected * 10) + 30):
                if app.room.step_index == 2:
                    break
                await asyncio.sleep(0.1)
            assert app.room.step_index == 2  # the phone followed the moderator within its interval
        finally:
            app.feed.stop()

    in_own_thread(asyncio.run, scenario())
