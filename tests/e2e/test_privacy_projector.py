"""The projector lets nobody work out one person's answer: the 3 advisers / 3 employees / 1 owner case."""

from __future__ import annotations

import re

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.demo import open_showcase_room
from bifrost_lab.inputs import rating
from bifrost_lab.programme import load_library

from .conftest import offline_context, screenshot

pytestmark = pytest.mark.e2e


def test_three_advisers_three_employees_and_one_owner_rating_a_step(browser, servers):
    engine = store.connect(servers.db_url)
    room = open_showcase_room(engine, load_library())
    room = rooms.go_to_step(engine, room, next(i for i, s in enumerate(rooms.steps(room)) if s["id"] == "s-rate"))
    values = {"OHS_ADVISER": 2, "EMPLOYEE": 4, "SME_MANAGER": 5}
    for role, count in (("OHS_ADVISER", 3), ("EMPLOYEE", 3), ("SME_MANAGER", 1)):
        for _ in range(count):
            person, _token = rooms.join_room(engine, store.get_room(engine, room.id), role=role)
            rating.save(engine, store.get_room(engine, room.id), person, "s-rate", {"0": values[role]}, slot="input")
    store.set_step_state(engine, room.id, "s-rate", revealed=True)

    context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    projector = context.new_page()
    projector.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
    projector.wait_for_selector(".bf-split", timeout=60_000)
    text = projector.inner_text(".bf-board")
    screenshot(projector, "privacy-projector-3-3-1")
    # the total is over the first six answers (mean of 2,2,2,4,4,4 = 3,0), the owner's answer waits for two more
    assert re.search(r"gns\. 3,0", text), text
    assert "6 af 7 svar vises" in text
    # the split shows the two groups of three and nothing else: total minus groups is nobody
    assert text.count("(n=3)") == 2 and "(n=1)" not in text and "Øvrige" not in text
    assert "gns. 5,0" not in text and "5,0" not in text  # the owner's 5 appears nowhere
    context.close()
    store.dispose_all()
