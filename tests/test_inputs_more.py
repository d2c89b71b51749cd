"""Issue 17's input types (budget, words, shift): validation, figures under the k >= 3 rule, projector, summary."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bifrost_lab import aggregation as agg
from bifrost_lab import demo, rooms, store
from bifrost_lab.inputs import budget, rating, shift, words
from bifrost_lab.ui import results

LABS = Path(__file__).resolve().parent.parent / "labs"

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


# ----------------------------------------------------------------------------------------------
# words


def test_words_are_normalised_for_danish_english_and_finnish():
    def stems(text, language):
        return [stem for stem, _form in words.tokens(text, language)]

    assert stems("«Lederen», LEDERNE og ledere!", "da") == stems("leder leder leder", "da")  # case, punctuation, forms
    assert len(set(stems("Lederen lederne ledere", "da"))) == 1
    assert stems("og det er", "da") == []  # stop words
    assert stems("Leaders, leader; the LEADER", "en") == ["leader"] * 3
    assert len(set(stems("johtaja johtajat johtajan", "fi"))) == 1
    assert stems("ja on", "fi") == [] and stems("— ! …", "da") == []
    assert [form for _stem, form in words.tokens("TTA-forløb (Stress)", "da")] == ["tta-forløb", "stress"]
    assert stems("stress", "xx") == stems("stress", "da")  # an unknown language is counted as Danish


def test_words_takes_one_to_three_short_answers(sqlite_engine, room):
    (a,) = _people(sqlite_engine, room, ["RESEARCHER"])
    saved = words.save(sqlite_engine, room, a, "s-words", ["  Tillid ", "", "travle   dage", "tillid"])
    assert saved.payload == {"words": ["Tillid", "travle dage"], "language": "da"}  # blanks and repeats go
    assert words.save(sqlite_engine, room, a, "s-words", "stress").payload["words"] == ["stress"]
    too_long = _reject(words.MSG_WORDS, words.save, sqlite_engine, room, a, "s-words", ["alt for mange ord her"])
    assert too_long.params == {"answer": "alt for mange ord her", "count": 5, "limit": 3}
    _reject(words.MSG_ANSWERS, words.save, sqlite_engine, room, a, "s-words", ["a", "b", "c", "d"])
    _reject(rooms.MSG_EMPTY, words.save, sqlite_engine, room, a, "s-words", [])
    _reject(rooms.MSG_EMPTY, words.save, sqlite_engine, room, a, "s-words", ["   ", None])
    _reject(rooms.MSG_EMPTY, words.save, sqlite_engine, room, a, "s-words", [3])
    _reject(rooms.MSG_EMPTY, words.save, sqlite_engine, room, a, "s-words", {"0": "x"})
    _reject(rooms.MSG_TOO_LONG, words.save, sqlite_engine, room, a, "s-words", ["x" * 41])
    _reject(rooms.MSG_CONTROL, words.save, sqlite_engine, room, a, "s-words", ["ok\u202eko"])


@FUZZ
@given(value=JSON)
def test_words_refuses_or_accepts_any_value_never_fails(sqlite_engine, room, value):
    spec = rooms.step_by_id(room, "s-words")["input"]
    try:
        payload = words.parse(sqlite_engine, room, spec, value)
    except rooms.Rejected as rejected:
        assert rejected.message(lambda s: s)
        return
    assert 1 <= len(payload["words"]) <= 3 and all(len(t.split()) <= 3 for t in payload["words"])


def test_word_counts_count_people_over_whole_blocks():
    answers = _answers(
        [
            {"words": ["Stress", "stress!", "stressen"], "language": "da"},  # one person counts once
            {"words": ["tillid", "stress"], "language": "da"},
            {"words": ["Tillid"], "language": "da"},
            {"words": ["tillid"], "language": "da"},  # the 4th waits for two more
        ]
    )
    found = {c.word: c.count for c in words.counts(answers)}
    assert found == {"stress": 2, "tillid": 2}
    assert words.counts(answers[:2]) == []
    junk = _answers([{"words": "stress"}, {"words": [1, None]}, {"language": 3, "words": ["ro"]}])
    assert [(c.word, c.count) for c in words.counts(junk)] == [("ro", 1)]


def test_the_most_common_written_form_is_shown():
    answers = _answers([{"words": [w], "language": "da"} for w in ("lederne", "lederne", "lederen")])
    (only,) = words.counts(answers)
    assert only.word == "lederne" and only.count == 3


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.text("abcdefghijklmnopqrstuvwxyzæøåMW-", min_size=1, max_size=40), st.integers(1, 60)),
        min_size=1,
        max_size=80,
    )
)
def test_a_cloud_places_at_least_40_words_inside_the_canvas_without_overlap(given_words):
    from bifrost_lab.reports.charts import cloud_layout, text_width

    ordered = sorted(given_words, key=lambda wc: -wc[1])
    placed = cloud_layout(ordered, 1800, 500, min_size=30, max_size=120, keep=40)
    assert len(placed) >= min(40, len(ordered))
    boxes = []
    for word, _count, x, y, size in placed:
        half = text_width(word, size) / 2
        box = (x - half, y - 0.95 * size, x + half, y + 0.25 * size)
        assert box[0] >= -0.01 and box[2] <= 1800.01 and box[1] >= -0.01 and box[3] <= 500.01, (word, box)
        boxes.append(box)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] + 0.01 or b[2] <= a[0] + 0.01 or a[3] <= b[1] + 0.01 or b[3] <= a[1] + 0.01


def test_the_projector_draws_the_cloud_as_svg_sized_by_count_and_escaped(sqlite_engine, room):
    people = _people(sqlite_engine, room, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3)
    given = [["tillid", "<b>stress</b>"], ["Tillid"], ["tillid", "ro"], ["stress"], ["ro"], ["travlt"]]
    for person, answer in zip(people, given):
        words.save(sqlite_engine, room, person, "s-words", answer)
    html = _chart(sqlite_engine, room, "s-words")
    assert "<svg" in html and 'role="img"' in html and "<b>" not in html and "b&gt;stress&lt;/b" in html
    sizes = {
        m[1]: float(m[0]) for m in re.findall(r'font-size="([\d.]+)"[^>]*><title>[^<]*</title>([^<]+)</text>', html)
    }
    assert sizes["tillid"] > sizes["ro"] > sizes["travlt"] and sizes["stress"] == sizes["travlt"]
    assert "tillid: 3" in html and "bf-split" not in html  # no cloud per role on the projector


def test_sixty_different_words_show_at_least_forty(sqlite_engine, room):
    people = _people(sqlite_engine, room, ["OTHER"] * 21)
    for n, person in enumerate(people):
        words.save(sqlite_engine, room, person, "s-words", [f"ord{n}a", f"ord{n}b", f"ord{n}c"])
    html = _chart(sqlite_engine, room, "s-words")
    assert html.count("</text>") >= 40


def test_words_widget_sends_with_the_button(sqlite_engine, room):
    context = results.input_context(
        room, _board(sqlite_engine, room), rooms.step_by_id(room, "s-words")["input"], "da", lambda s: s
    )
    saved = []
    section = words.widget(context, {"words": ["ro"]}, lambda value: saved.append(value) or True)
    assert [f.value for f in section.fields] == ["ro", "", ""] and "saved" in section.status.value
    section.fields[1].value = "travle dage"
    assert saved == []  # nothing is sent while typing
    button = next(c for c in section.box.children if "bf-section-save" in getattr(c, "_dom_classes", ()))
    button.click()
    assert saved == [["ro", "travle dage"]]
    behalf = words.widget(context, None, lambda value: saved.append(value) or True, autosave=False)
    behalf.fields[0].value = "papir"
    behalf.commit()
    assert saved[-1] == ["papir"] and behalf.status.value == ""


def test_words_summary_has_the_cloud_its_counts_in_words_and_a_role_split(tmp_path, library):
    from bifrost_lab.reports import rawdata
    from bifrost_lab.reports.summary import load_summary_data, section_priorities

    url = f"sqlite:///{tmp_path / 'words.sqlite'}"
    engine = store.connect(url)
    room = demo.open_showcase_room(engine, library)
    people = _people(engine, room, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3)
    for person in people:
        words.save(engine, room, person, "s-words", ["tillid", "travlt"])
    data = load_summary_data(room.id, db_url=url, language="da")
    html = section_priorities(data)
    part = html[html.index("<h3>Ord</h3>") :]
    assert 'aria-label="Ord og hvor mange der brugte dem: tillid: 6; travlt: 6"' in part
    assert "Mest brugt: tillid (6); travlt (6)" in part and "Fordelt på roller" in part
    raw = [r for r in rawdata.raw_rows(room.id, db_url=url) if r["kind"] == "words"]
    assert {r["answer"] for r in raw} == {"tillid; travlt"}
    store.dispose_all()


def test_a_phone_page_does_not_load_the_stemmer():
    code = "import sys, bifrost_lab.ui.participant; print('snowballstemmer' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"


# ----------------------------------------------------------------------------------------------
# shift (before/after)


def _rate_before_and_after(engine, room, people, before, after):
    """Each person rates s-rate (before) and then s-shift (after); None skips that answer."""
    for person, value in zip(people, before):
        if value is not None:
            rating.save(engine, room, person, "s-rate", value, slot="input")
    for person, value in zip(people, after):
        if value is not None:
            shift.save(engine, room, person, "s-shift", value)


def test_shift_takes_a_rating_like_any_rating(sqlite_engine, room):
    (a,) = _people(sqlite_engine, room, ["RESEARCHER"])
    assert shift.save(sqlite_engine, room, a, "s-shift", {"0": 4, "1": 2}).payload == {"ratings": {"0": 4, "1": 2}}
    assert shift.save(sqlite_engine, room, a, "s-shift", {"1": 5}).kind == "shift"
    _reject(rooms.MSG_RATING_RANGE, shift.save, sqlite_engine, room, a, "s-shift", {"0": 6})
    _reject(rooms.MSG_RATING_RANGE, shift.save, sqlite_engine, room, a, "s-shift", {})
    _reject(rooms.MSG_UNKNOWN_TARGET, shift.save, sqlite_engine, room, a, "s-shift", {"2": 3})
    _reject(rooms.MSG_NO_INPUT_HERE, shift.save, sqlite_engine, room, a, "s-rate", {"0": 3})


@FUZZ
@given(value=JSON)
def test_shift_refuses_or_accepts_any_value_never_fails(sqlite_engine, room, value):
    spec = rooms.step_by_id(room, "s-shift")["input"]
    try:
        payload = shift.parse(sqlite_engine, room, spec, value)
    except rooms.Rejected as rejected:
        assert rejected.message(lambda s: s)
        return
    assert payload["ratings"] and all(1 <= v <= 5 for v in payload["ratings"].values())


def test_shift_projector_compares_only_people_who_answered_both(sqlite_engine, room):
    people = _people(sqlite_engine, room, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3 + ["OTHER"])
    _rate_before_and_after(
        sqlite_engine,
        room,
        people,
        [{"0": 2, "1": 3}] * 7,
        [{"0": 4, "1": 3}, {"0": 4, "1": 4}, None, {"0": 5}, {"0": 5}, {"0": 5}, {"0": 1, "1": 1}],
    )
    html = _chart(sqlite_engine, room, "s-shift")
    # item 0: the researchers' block lacks one answer after, the managers' block pairs; the 7th waits before
    assert "2,0 → 5,0 (+3,0) · n=3" in html
    assert "Punkt 1</div>–" in html  # item 1: no whole block of three answered it both times
    assert "bf-split" in html and "Forsker</h4>" in html and "Ejerleder" in html
    assert html.count("mean 1,0") == 0  # the 7th person's after answer is in no figure


def test_shift_projector_waits_for_a_whole_block(sqlite_engine, room):
    people = _people(sqlite_engine, room, ["RESEARCHER"] * 3)
    _rate_before_and_after(sqlite_engine, room, people, [{"0": 2}] * 3, [{"0": 4}, {"0": 4}, None])
    html = _chart(sqlite_engine, room, "s-shift")
    assert "Not enough people have answered both yet" in html and "<svg" not in html


def test_shift_widget_says_it_asks_again(sqlite_engine, room):
    context = results.input_context(
        room, _board(sqlite_engine, room), rooms.step_by_id(room, "s-shift")["input"], "da", lambda s: s
    )
    saved = []
    section = shift.widget(context, None, lambda value: saved.append(value) or True)
    assert "earlier in the meeting" in section.box.children[0].value
    section.buttons[1].value = "4"
    assert saved == [{"1": 4}]


def test_shift_summary_compares_the_same_people_and_splits_by_the_before_step_s_roles(tmp_path, library):
    from bifrost_lab.reports import rawdata
    from bifrost_lab.reports.summary import load_summary_data, section_priorities

    url = f"sqlite:///{tmp_path / 'shift.sqlite'}"
    engine = store.connect(url)
    room = demo.open_showcase_room(engine, library)
    people = _people(engine, room, ["RESEARCHER"] * 3 + ["SME_MANAGER"] * 3)
    _rate_before_and_after(
        engine, room, people, [{"0": 2, "1": 3}] * 6, [{"0": 4, "1": 3}] * 3 + [{"0": 3, "1": 3}] * 3
    )
    data = load_summary_data(room.id, db_url=url, language="da")
    html = section_priorities(data)
    part = html[html.index("<h3>Vurder igen</h3>") :]
    assert "Sammenlignet med «Vurder»" in part
    assert "Punkt 0: 2,0 før, 3,5 efter, 6 personer" in part and "<svg" in part
    assert "2,0 → 4,0 (n=3)" in part and "2,0 → 3,0 (n=3)" in part  # researchers, managers
    raw = [r for r in rawdata.raw_rows(room.id, db_url=url) if r["kind"] == "shift"]
    assert len(raw) == 6 and raw[0]["answer"].startswith("item:0 = ")
    english = section_priorities(load_summary_data(room.id, db_url=url, language="en"))
    assert "Punkt 0: 2.0 before, 3.5 after, 6 people" in english
    store.dispose_all()


def test_the_demo_fills_every_new_type_and_the_summary_shows_them(tmp_path, library):
    from bifrost_lab.reports.summary import load_summary_data, section_priorities

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    engine = store.connect(url)
    room = demo.open_showcase_room(engine, library)
    demo.fill_room(engine, room, participants=9, inputs=10, seed=5)
    kinds = {i.kind for i in store.list_inputs(engine, room.id)}
    assert {"budget", "words", "shift"} <= kinds
    html = section_priorities(load_summary_data(room.id, db_url=url, language="da"))
    for marker in ("Point pr. punkt", "Ord og hvor mange der brugte dem", "Gennemsnit før og efter"):
        assert marker in html
    store.dispose_all()


def _validate_bifrost_with(tmp_path, change):
    import shutil

    import yaml

    from bifrost_lab.programme import validate_paths

    labs = tmp_path / "labs"
    shutil.copytree(LABS / "evidence", labs / "evidence", dirs_exist_ok=True)
    shutil.copy(LABS / "roles.yaml", labs / "roles.yaml")
    data = yaml.safe_load((LABS / "bifrost.yaml").read_text(encoding="utf-8"))
    m3 = next(m for m in data["meetings"] if m["id"] == "bif-m3")
    change({s["id"]: s for s in m3["steps"]})
    (labs / "bifrost.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return [str(p) for p in validate_paths([labs / "bifrost.yaml"])]


def test_a_shift_must_name_an_earlier_rating_step_with_as_many_items(tmp_path):
    assert _validate_bifrost_with(tmp_path, lambda steps: None) == []

    def later(steps):
        steps["bif-m3-s6"]["input"]["before"] = "bif-m3-s8"

    (problem,) = _validate_bifrost_with(tmp_path, later)
    assert "steps[5].input.before" in problem and "'bif-m3-s8' comes later" in problem

    def unknown(steps):
        steps["bif-m3-s6"]["input"]["before"] = "bif-m3-s0"

    (problem,) = _validate_bifrost_with(tmp_path, unknown)
    assert "no step 'bif-m3-s0'" in problem and "bif-m3-s1, bif-m3-s2" in problem

    def not_a_rating(steps):
        steps["bif-m3-s6"]["input"]["before"] = "bif-m3-s3"

    (problem,) = _validate_bifrost_with(tmp_path, not_a_rating)
    assert "step 'bif-m3-s3' has no rating" in problem

    def fewer_items(steps):
        steps["bif-m3-s6"]["input"]["items"] = steps["bif-m3-s6"]["input"]["items"][:1]

    (problem,) = _validate_bifrost_with(tmp_path, fewer_items)
    assert "rates 2 item(s) and this shift 1" in problem and "items: *name" in problem

    def no_before(steps):
        del steps["bif-m3-s6"]["input"]["before"]

    (problem,) = _validate_bifrost_with(tmp_path, no_before)
    assert "a shift needs `before: <step id>`" in problem


def test_new_types_check_their_options(tmp_path):
    def budget_without_items(steps):
        steps["bif-m3-s7"]["input"] = {"type": "budget", "points": 5, "items": [{"da": "a", "en": "a"}]}

    (problem,) = _validate_bifrost_with(tmp_path, budget_without_items)
    assert "points is 5" in problem  # the option is checked before the type's own rule

    def budget_of_one(steps):
        steps["bif-m3-s7"]["input"] = {"type": "budget", "items": [{"da": "a", "en": "a"}]}

    (problem,) = _validate_bifrost_with(tmp_path, budget_of_one)
    assert "a budget has 1 items — give 2 to 10" in problem

    def words_with_four(steps):
        steps["bif-m3-s7"]["input"] = {"type": "words", "max_answers": 4}

    (problem,) = _validate_bifrost_with(tmp_path, words_with_four)
    assert "max_answers is 4" in problem

    def typo(steps):
        steps["bif-m3-s7"]["input"] = {"type": "word_cloud"}

    (problem,) = _validate_bifrost_with(tmp_path, typo)
    assert "did you mean 'words'?" in problem
