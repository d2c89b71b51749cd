"""Issue 17's input types (budget, words, shift): validation, figures under the k >= 3 rule, projector, summary."""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bifrost_lab import aggregation as agg
from bifrost_lab import demo, rooms, store
from bifrost_lab.inputs import budget
from bifrost_lab.ui import results

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def room(sqlite_engine, library):
    content = demo.showcase_content(library)
    content["meeting"]["steps"].append(
        {
            "id": "s-budget-cards",
            "type": "prioritisation",
            "title": {"da": "Point på kort"},
            "input": {"type": "budget", "points": 10, "targets": {"from_step": "s-cards", "source": "cards"}},
        }
    )
    return store.create_room(
        sqlite_engine,
        programme_id="bifrost",
        meeting_id="bif-m1",
        content=content,
        content_hash=rooms.content_hash(content),
    )


def _people(engine, room, roles):
    return [rooms.join_room(engine, room, role=role)[0] for role in roles]


def _reject(msgid, fn, *args, **kwargs):
    with pytest.raises(rooms.Rejected) as info:
        fn(*args, **kwargs)
    assert info.value.msgid == msgid, info.value.msgid
    return info.value


def _board(engine, room):
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    return board


def _chart(engine, room, step_id, language="da"):
    room = store.get_room(engine, room.id)
    step = rooms.step_by_id(room, step_id)
    return results.spec_results_html(room, _board(engine, room), step, "input", step["input"], language, lambda s: s)


def _answers(payloads, roles=None):
    roles = roles or [None] * len(payloads)
    return [agg.Answer(f"p{i:02d}", role, payload, float(i)) for i, (payload, role) in enumerate(zip(payloads, roles))]


# ----------------------------------------------------------------------------------------------
# budget


def test_budget_takes_partial_budgets_and_refuses_more_than_the_points(sqlite_engine, room):
    (a,) = _people(sqlite_engine, room, ["RESEARCHER"])
    saved = budget.save(sqlite_engine, room, a, "s-budget", {"item:0": 60, "item:2": 0, "item:3": 25.0})
    assert saved.payload == {"points": {"item:0": 60, "item:3": 25}}  # 85 of 100: a partial budget is an answer
    moved = budget.save(sqlite_engine, room, a, "s-budget", {"item:1": 100})
    assert moved.id == saved.id and moved.payload == {"points": {"item:1": 100}}
    assert budget.save(sqlite_engine, room, a, "s-budget", {}).payload == {"points": {}}
    over = _reject(
        budget.MSG_OVER_BUDGET, budget.save, sqlite_engine, room, a, "s-budget", {"item:0": 60, "item:1": 41}
    )
    assert over.params == {"count": 101, "limit": 100}
    assert "101" in over.message(lambda s: s)
    for bad in ({"item:0": -5}, {"item:0": 2.5}, {"item:0": True}, {"item:0": "50"}, [50, 50], "x"):
        _reject(budget.MSG_WHOLE_POINTS, budget.save, sqlite_engine, room, a, "s-budget", bad)
    _reject(rooms.MSG_UNKNOWN_TARGET, budget.save, sqlite_engine, room, a, "s-budget", {"item:4": 10})
    _reject(rooms.MSG_UNKNOWN_TARGET, budget.save, sqlite_engine, room, a, "s-budget", {"card:forged": 10})


def test_budget_on_the_cards_of_an_earlier_step(sqlite_engine, room):
    a, b = _people(sqlite_engine, room, ["RESEARCHER", "OTHER"])
    card = rooms.submit_card(sqlite_engine, room, a, "s-cards", "Kort", input_id=str(uuid.uuid4()))
    saved = budget.save(sqlite_engine, room, b, "s-budget-cards", {f"card:{card.id}": 10})
    assert saved.payload == {"points": {f"card:{card.id}": 10}}
    _reject(budget.MSG_OVER_BUDGET, budget.save, sqlite_engine, room, b, "s-budget-cards", {f"card:{card.id}": 11})
    rooms.hide_input(sqlite_engine, card.id)  # a hidden card is no longer a target
    _reject(rooms.MSG_UNKNOWN_TARGET, budget.save, sqlite_engine, room, b, "s-budget-cards", {f"card:{card.id}": 1})


@FUZZ
@given(value=JSON)
def test_budget_refuses_or_accepts_any_value_never_fails(sqlite_engine, room, value):
    spec = rooms.step_by_id(room, "s-budget")["input"]
    try:
        payload = budget.parse(sqlite_engine, room, spec, value)
    except rooms.Rejected as rejected:
        assert rejected.message(lambda s: s)
        return
    assert sum(payload["points"].values()) <= 100 and all(n > 0 for n in payload["points"].values())


def test_budget_totals_and_means_use_whole_blocks_of_three():
    answers = _answers(
        [
            {"points": {"item:0": 60, "item:1": 40}},
            {"points": {"item:1": 100}},
            {"points": {}},
            {"points": {"item:0": 100}},
        ]
    )
    found = {
        r.target: (r.total, round(r.mean, 2), r.n) for r in agg.budget_results(answers, ["item:0", "item:1", "item:2"])
    }
    # the 4th answer waits for two more; a partial (here empty) budget counts as 0 in the mean
    assert found == {"item:1": (140.0, 46.67, 2), "item:0": (60.0, 20.0, 1), "item:2": (0.0, 0.0, 0)}
    assert [r.target for r in agg.budget_results(answers, ["item:0", "item:1"])][0] == "item:1"
    junk = _answers([{"points": {"item:0": True, "item:1": "9"}}, {"points": [1]}, {}])
    assert [(r.target, r.total) for r in agg.budget_results(junk)] == []


def test_budget_projector_shows_totals_and_means_split_by_role(sqlite_engine, room):
    people = _people(sqlite_engine, room, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3 + ["OTHER"])
    for n, person in enumerate(people):
        budget.save(sqlite_engine, room, person, "s-budget", {"item:0": 50, "item:1": 5 * n})
    html = _chart(sqlite_engine, room, "s-budget")
    assert "300 pts · mean 50,0" in html  # 6 shown: the 7th waits
    assert "75 pts · mean 12,5" in html  # item 1: 0+5+...+25
    assert "bf-split" in html and html.count("(n=3)") == 2 and "(n=1)" not in html
    assert "6 of 7 answers shown" in html


def test_budget_widget_shows_what_is_left_and_refuses_more(sqlite_engine, room):
    context = results.input_context(
        room, _board(sqlite_engine, room), rooms.step_by_id(room, "s-budget")["input"], "da", lambda s: s
    )
    saved = []
    section = budget.widget(context, {"points": {"item:0": 70}}, lambda value: saved.append(value) or True)
    assert "30 of 100 points left" in section.left.value
    section.fields["item:1"].value = 40  # 110: refused, the field goes back, nothing is saved
    assert saved == [] and section.fields["item:1"].value == 0
    assert "110" in section.status.value and "100" in section.status.value
    section.fields["item:1"].value = 25
    assert saved == [{"item:0": 70, "item:1": 25}] and "5 of 100 points left" in section.left.value
    section._step_by("item:2", +5, None)
    assert saved[-1] == {"item:0": 70, "item:1": 25, "item:2": 5}
    section._step_by("item:3", +5, None)  # nothing left: refused
    assert len(saved) == 2 and "alert" in section.status.value
    section._step_by("item:0", -5, None)
    assert saved[-1]["item:0"] == 65
    refused = budget.widget(context, None, lambda value: False)
    refused.fields["item:0"].value = 10  # the room refused (e.g. the step closed): the field goes back
    assert refused.fields["item:0"].value == 0 and refused.value() == {}


def test_budget_on_behalf_of_the_room_saves_with_the_button(sqlite_engine, room):
    context = results.input_context(
        room, _board(sqlite_engine, room), rooms.step_by_id(room, "s-budget")["input"], "da", lambda s: s
    )
    saved = []
    section = budget.widget(context, None, lambda value: saved.append(value) or True, autosave=False)
    section.fields["item:2"].value = 30
    assert saved == []
    button = next(c for c in section.box.children if "bf-section-save" in getattr(c, "_dom_classes", ()))
    button.click()
    assert saved == [{"item:2": 30}]


def test_budget_summary_raw_data_and_demo(tmp_path, library):
    from bifrost_lab.reports import rawdata
    from bifrost_lab.reports.summary import load_summary_data, section_priorities

    url = f"sqlite:///{tmp_path / 'budget.sqlite'}"
    engine = store.connect(url)
    room = demo.open_showcase_room(engine, library)
    people = _people(engine, room, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3)
    assert demo._answer_everything(engine, room, people, random.Random(4)) > 0
    rows = [i for i in store.list_inputs(engine, room.id, step_id="s-budget")]
    assert len(rows) == 6 and all(0 < sum(r.payload["points"].values()) <= 100 for r in rows)
    data = load_summary_data(room.id, db_url=url, language="da")
    html = section_priorities(data)
    part = html[html.index("Fordel point") :]
    assert "Point pr. punkt: Punkt 0:" in part and "Gns. pr. deltager" in part and "Fordelt på roller" in part
    raw = [r for r in rawdata.raw_rows(room.id, db_url=url) if r["kind"] == "budget"]
    assert len(raw) == 6 and all(r["answer"].startswith("item:") and " = " in r["answer"] for r in raw)
    store.dispose_all()
