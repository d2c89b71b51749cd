"""The recipe in docs/input-types.md works: a throwaway input type, written as one module would be,
is validated, stored, shown on the projector, summarised, exported as raw data and filled by the demo."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pytest

from bifrost_lab import aggregation as agg
from bifrost_lab import demo, rooms, store
from bifrost_lab.inputs import registry
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section
from bifrost_lab.markup import esc, tag
from bifrost_lab.ui import results

MSG_YES_OR_NO = "Answer yes or no."


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    if value not in (True, False):
        raise rooms.Rejected(MSG_YES_OR_NO)
    return {"yes": value}


class YesNoSection(Section):
    css = "bf-yes-no"

    def __init__(self, current: dict | None, _: Any, save: Save, **kwargs: Any) -> None:
        super().__init__(_, save, **kwargs)
        self.toggle = w.ToggleButtons(options=[("Ja", True), ("Nej", False)], value=(current or {}).get("yes"))
        self.toggle.observe(lambda _change: self.changed(), names="value")
        self.finish([self.toggle])

    def value(self) -> bool | None:
        return self.toggle.value


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return YesNoSection(current, ctx.gettext, save, **options)


def yes_count(answers: Sequence[agg.Answer]) -> int:
    return sum(1 for a in agg.shown(answers) if a.payload.get("yes") is True)


def projector(ctx: InputContext) -> Any:
    return lambda answers: tag("div", esc(f"ja: {yes_count(answers)} af {agg.respondents(answers)}"), cls="bf-yes")


def summary(data: Any, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    return tag("p", esc(f"ja: {yes_count(answers)} af {agg.respondents(answers)}"), cls="bf-yes-summary")


YES_NO = InputType(
    name="yes_no",
    kind="yes_no",
    label="yes or no",
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=lambda payload: "ja" if payload.get("yes") else "nej",
    demo_answer=lambda rng, spec, targets: rng.choice((True, False)),
)


@pytest.fixture
def yes_no_room(sqlite_engine, library, monkeypatch):
    monkeypatch.setitem(registry.INPUT_TYPES, "yes_no", YES_NO)
    monkeypatch.setitem(registry.BY_KIND, "yes_no", YES_NO)
    content = demo.showcase_content(library)
    content["meeting"]["steps"].append(
        {"id": "s-yes", "type": "plenary", "title": {"da": "Ja eller nej?"}, "input": {"type": "yes_no"}}
    )
    room = store.create_room(
        sqlite_engine,
        programme_id="bifrost",
        meeting_id="bif-m1",
        content=content,
        content_hash=rooms.content_hash(content),
    )
    return sqlite_engine, room


def test_a_new_input_type_is_one_module_and_one_line_in_the_table(yes_no_room):
    engine, room = yes_no_room
    people = [rooms.join_room(engine, room, role=role)[0] for role in ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3]
    with pytest.raises(rooms.Rejected):
        YES_NO.save(engine, room, people[0], "s-yes", "maybe")
    for n, person in enumerate(people):
        YES_NO.save(engine, room, person, "s-yes", n % 2 == 0)
    YES_NO.save(engine, room, None, "s-yes", True, input_id=str(uuid.uuid4()))  # entered for the room

    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    step = rooms.step_by_id(room, "s-yes")
    html = results.spec_results_html(room, board, step, "input", step["input"], "da", lambda s: s)
    assert "ja: 3 af 6" in html and "bf-split" in html  # six shown (the 7th waits), split by role

    context = results.input_context(room, board, step["input"], "da", lambda s: s)
    saved = []
    section = YES_NO.widget(context, {"yes": True}, lambda value: saved.append(value) or True)
    section.toggle.value = False
    assert saved == [False]


def test_the_new_type_reaches_the_summary_the_raw_data_and_the_demo(yes_no_room, tmp_path):
    from bifrost_lab.reports import rawdata
    from bifrost_lab.reports.summary import load_summary_data, section_priorities

    engine, room = yes_no_room
    people = [rooms.join_room(engine, room, role="RESEARCHER")[0] for _ in range(3)]
    assert demo._answer_everything(engine, room, people, random.Random(1)) > 0
    data = load_summary_data(room.id, db_url=engine.url, language="da")
    assert "bf-yes-summary" in section_priorities(data)
    rows = [r for r in rawdata.raw_rows(room.id, db_url=engine.url) if r["kind"] == "yes_no"]
    assert len(rows) == 3 and {r["answer"] for r in rows} <= {"ja", "nej"}
