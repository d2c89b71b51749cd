"""Issue 21: text with nothing visible is empty, a lone surrogate is refused at every door with a message."""

from __future__ import annotations

import uuid

import pytest

from bifrost_lab import i18n, rooms, solutions, store, textrules

DA, FI, EN = (i18n.gettext_for(lang) for lang in ("da", "fi", "en"))

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200b\u200b\u200b",
    "\u3164",  # HANGUL FILLER
    "\u2800",  # BRAILLE PATTERN BLANK
    "\ufeff\u2060\u200c\u200d",  # BOM, word joiner, ZWNJ, ZWJ
    "\u00ad",  # soft hyphen
    "\u115f\u1160\uffa0",  # more Hangul fillers
    "\u200e\u200f",  # LRM, RLM
    "\ufe0f\U000e0041",  # variation selector, tag character
    " \u3000\u00a0\u2007 ",  # spaces of every width
    "\u0301\u0308",  # combining marks with nothing to sit on
]
SURROGATES = ["\udc80", "a\udcffb", "\ud800", "kort \ud83d", "\ude00 slut"]


@pytest.mark.parametrize("raw", INVISIBLE, ids=ascii)
def test_text_with_nothing_visible_is_empty(raw):
    assert not textrules.visible_text(raw)
    with pytest.raises(rooms.Rejected) as info:
        rooms.clean_text(raw, 140)
    assert info.value.msgid == rooms.MSG_EMPTY
    assert rooms.clean_text(raw, 140, required=False) == ""  # optional fields (names, notes): as if left empty


@pytest.mark.parametrize(
    "raw",
    ["a\u200b", "\u3164x", "😀", "👩\u200d👩\u200d👧", "مرحبا \u200f", "\u0e01", "\u2801", "\ue000", "1"],
    ids=ascii,
)
def test_text_with_something_visible_is_kept_as_typed(raw):
    assert textrules.visible_text(raw)
    assert rooms.clean_text(raw, 140) == raw


@pytest.mark.parametrize("raw", SURROGATES, ids=ascii)
def test_a_lone_surrogate_is_refused_with_its_own_message_in_every_language(raw):
    with pytest.raises(rooms.Rejected) as info:
        rooms.clean_text(raw, 140, required=False)
    assert info.value.msgid == rooms.MSG_BROKEN_CHARACTER
    texts = {info.value.message(gettext) for gettext in (DA, FI, EN)}
    assert len(texts) == 3 and all("{" not in t for t in texts)
    assert "ødelagt tegn" in info.value.message(DA)


@pytest.mark.parametrize("raw", ["\ufffe", "x\uffff", "\ufdd0y", "z\U0001fffe"], ids=ascii)
def test_noncharacters_are_refused_like_control_characters(raw):
    with pytest.raises(rooms.Rejected) as info:
        rooms.clean_text(raw, 140)
    assert info.value.msgid == rooms.MSG_CONTROL


def test_replace_surrogates_joins_split_pairs_and_replaces_lone_halves():
    assert textrules.replace_surrogates("ok") == "ok"
    assert textrules.replace_surrogates("a\udc80b") == "a\ufffdb"
    assert textrules.replace_surrogates("\ud83d\ude00") == "😀"
    assert textrules.scrub({"k\udc80": ["x\ud800", 1, None, {"t": "\udfff"}]}) == {
        "k\ufffd": ["x\ufffd", 1, None, {"t": "\ufffd"}]
    }
    assert textrules.json_may_hold_surrogates('{"t": "\\udc80"}')
    assert textrules.json_may_hold_surrogates(b'{"t": "\\uDC80"}')
    assert not textrules.json_may_hold_surrogates('{"t": "\\u00e6"}')
    assert not textrules.json_may_hold_surrogates('{"t": "\\ud83d\\ude00"}')  # an emoji's pair: no walk
    assert textrules.json_may_hold_surrogates('{"t": "\\ud83d\\ud83d\\ude00"}')


# -- every door -----------------------------------------------------------------------------------------


@pytest.fixture
def m1(sqlite_engine, library):
    return rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1")


def _card_step(room):
    return next(s for s in rooms.steps(room) if rooms.input_type(s) == "cards")


@pytest.mark.parametrize("raw, msgid", [("\u3164", rooms.MSG_EMPTY), ("hej \udc80", rooms.MSG_BROKEN_CHARACTER)])
def test_cards_refuse_invisible_and_broken_text_and_store_nothing(sqlite_engine, m1, raw, msgid):
    me, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    with pytest.raises(rooms.Rejected) as info:
        rooms.submit_card(sqlite_engine, m1, me, _card_step(m1)["id"], raw, input_id=str(uuid.uuid4()))
    assert info.value.msgid == msgid
    assert store.list_inputs(sqlite_engine, m1.id) == []


def test_editing_a_card_to_nothing_visible_is_refused(sqlite_engine, m1):
    me, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    card = rooms.submit_card(sqlite_engine, m1, me, _card_step(m1)["id"], "Synlig", input_id=str(uuid.uuid4()))
    with pytest.raises(rooms.Rejected) as info:
        rooms.edit_card(sqlite_engine, m1, me, card.id, "\u2800\u2800")
    assert info.value.msgid == rooms.MSG_EMPTY


def test_names_refuse_a_broken_character_and_keep_no_invisible_name(sqlite_engine, m1):
    with pytest.raises(rooms.Rejected) as info:
        rooms.join_room(sqlite_engine, m1, role="RESEARCHER", display_name="Ann\udc80", name_consent=True)
    assert info.value.msgid == rooms.MSG_BROKEN_CHARACTER
    person, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER", display_name="\u200b\u3164", name_consent=True)
    assert person.display_name is None and not person.name_consent


@pytest.mark.parametrize("raw, msgid", [("\u200b", rooms.MSG_CLUSTER_LABEL), ("\udc80", rooms.MSG_BROKEN_CHARACTER)])
def test_cluster_labels_refuse_invisible_and_broken_text(sqlite_engine, m1, raw, msgid):
    with pytest.raises(rooms.Rejected) as info:
        rooms.create_cluster(sqlite_engine, m1, _card_step(m1)["id"], raw)
    assert info.value.msgid == msgid
    cluster, _undo = rooms.create_cluster(sqlite_engine, m1, _card_step(m1)["id"], "Tema")
    with pytest.raises(rooms.Rejected) as info:
        rooms.rename_cluster(sqlite_engine, cluster.id, raw)
    assert info.value.msgid == msgid


@pytest.mark.parametrize(
    "field, raw, msgid",
    [
        ("problem", "\u3164\u3164", solutions.MSG_FIELD_EMPTY),
        ("solution", "\u2800", solutions.MSG_FIELD_EMPTY),
        ("solution", "Godt \udc80", solutions.MSG_FIELD_BROKEN),
        ("where", "\ud800", solutions.MSG_FIELD_BROKEN),
    ],
)
def test_solution_fields_refuse_invisible_and_broken_text_naming_the_field(sqlite_engine, library, field, raw, msgid):
    room = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    step = next(s for s in rooms.steps(room) if rooms.input_type(s) == "solution")
    person, _ = rooms.join_room(sqlite_engine, room, role="EMPLOYEE_REP")
    fields = {"problem": "Et problem", "solution": "En løsning", field: raw}
    with pytest.raises(rooms.Rejected) as info:
        solutions.submit_solution(sqlite_engine, room, person, step["id"], fields)
    assert info.value.msgid == msgid
    danish = info.value.message(DA)
    assert "{" not in danish and DA(solutions.FIELD_LABELS[field]) in danish


def test_a_forged_rejoin_token_with_a_broken_character_is_nobody(sqlite_engine, m1):
    assert rooms.rejoin(sqlite_engine, m1, "\udc80" * 10) is None


# -- properties: arbitrary Unicode through every validator ---------------------------------------------

import unicodedata  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from unicode_texts import TEXTS  # noqa: E402

REFUSALS = {rooms.MSG_EMPTY, rooms.MSG_TOO_LONG, rooms.MSG_CONTROL, rooms.MSG_BROKEN_CHARACTER}
FIELD_REFUSALS = {
    solutions.MSG_FIELD_EMPTY,
    solutions.MSG_FIELD_TOO_LONG,
    solutions.MSG_FIELD_CONTROL,
    solutions.MSG_FIELD_BROKEN,
}
STORE_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _explained(rejected: rooms.Rejected, allowed: set[str]) -> None:
    """A refusal the user can act on: a known message, complete, in every language."""
    assert rejected.msgid in allowed
    for gettext in (DA, FI, EN):
        text = rejected.message(gettext)
        assert text and "{" not in text
        text.encode("utf-8")


def _clean(value: str, limit: int) -> None:
    """What the rules promise about text they keep."""
    value.encode("utf-8")  # no surrogate: every file, row and message can carry it
    assert value == unicodedata.normalize("NFC", value) == value.strip()
    assert textrules.visible_text(value) and len(value) <= limit
    assert not any(textrules.is_forbidden_control(ch) for ch in value)


@settings(max_examples=400, deadline=None)
@given(raw=TEXTS, limit=st.sampled_from([40, 80, 120, 140, 400, 4000]), required=st.booleans())
def test_clean_text_refuses_with_a_message_or_keeps_clean_text(raw, limit, required):
    try:
        value = rooms.clean_text(raw, limit, required=required)
    except rooms.Rejected as rejected:
        _explained(rejected, REFUSALS)
        return
    if value == "":
        assert not required and not textrules.visible_text(raw)
        return
    _clean(value, limit)
    assert rooms.clean_text(value, limit, required=required) == value  # a second pass changes nothing


@settings(max_examples=200, deadline=None)
@given(value=TEXTS)
def test_scrub_makes_any_text_writable_and_leaves_writable_text_alone(value):
    scrubbed = textrules.scrub({"t": value, "l": [value]})
    scrubbed["t"].encode("utf-8")
    assert scrubbed["l"] == [scrubbed["t"]]
    if not textrules.has_lone_surrogate(value):
        assert scrubbed["t"] == value
    assert "\ufffe" not in textrules.xml_safe(value) and not textrules.has_lone_surrogate(textrules.xml_safe(value))


@pytest.fixture
def room_and_person(sqlite_engine, library):
    room = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1")
    return sqlite_engine, room


@STORE_SETTINGS
@given(raw=TEXTS)
def test_a_card_is_refused_with_a_message_or_stored_intact(room_and_person, raw):
    engine, room = room_and_person
    me, _ = rooms.join_room(engine, room, role="RESEARCHER")
    step = _card_step(room)
    try:
        card = rooms.submit_card(engine, room, me, step["id"], raw, input_id=str(uuid.uuid4()))
    except rooms.Rejected as rejected:
        _explained(rejected, REFUSALS)
        assert store.list_inputs(engine, room.id, participant_id=me.id) == []
        return
    expected = rooms.clean_text(raw, rooms.CARD_MAX_CHARS)
    assert card.payload["text"] == expected
    [stored] = store.list_inputs(engine, room.id, participant_id=me.id)
    assert stored.payload["text"] == expected


@STORE_SETTINGS
@given(raw=TEXTS)
def test_a_name_is_refused_with_a_message_or_kept_intact(room_and_person, raw):
    engine, room = room_and_person
    try:
        person, _ = rooms.join_room(engine, room, role="RESEARCHER", display_name=raw, name_consent=True)
    except rooms.Rejected as rejected:
        _explained(rejected, REFUSALS)
        return
    name = rooms.clean_text(raw, rooms.NAME_MAX_CHARS, required=False) if raw else ""
    assert person.display_name == (name or None)
    assert {p.id: p.display_name for p in store.list_participants(engine, room.id)}[person.id] == (name or None)


@STORE_SETTINGS
@given(raw=TEXTS)
def test_a_cluster_label_is_refused_with_a_message_or_kept_intact(room_and_person, raw):
    engine, room = room_and_person
    try:
        cluster, _undo = rooms.create_cluster(engine, room, _card_step(room)["id"], raw)
    except rooms.Rejected as rejected:
        _explained(rejected, REFUSALS | {rooms.MSG_CLUSTER_LABEL})
        return
    assert cluster.label == rooms.clean_text(raw, rooms.CLUSTER_LABEL_MAX_CHARS)
    assert store.get_cluster(engine, cluster.id).label == cluster.label


@STORE_SETTINGS
@given(raw=TEXTS)
def test_a_facilitators_note_is_refused_with_a_message_or_kept_intact(room_and_person, raw):
    """The console saves a note as rooms.clean_text(typed, 4000, required=False) into the step's state."""
    engine, room = room_and_person
    try:
        note = rooms.clean_text(raw, 4000, required=False)
    except rooms.Rejected as rejected:
        _explained(rejected, REFUSALS)
        return
    store.set_step_state(engine, room.id, "bif-m1-s3", note=note)
    assert rooms.step_state(store.get_room(engine, room.id), "bif-m1-s3")["note"] == note


@pytest.fixture
def solution_room(sqlite_engine, library):
    room = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    return sqlite_engine, room, next(s for s in rooms.steps(room) if rooms.input_type(s) == "solution")


@STORE_SETTINGS
@given(raw=TEXTS, field=st.sampled_from([*solutions.FIELDS, "topic"]))
def test_a_solution_field_is_refused_naming_the_field_or_stored_intact(solution_room, raw, field):
    engine, room, step = solution_room
    person, _ = rooms.join_room(engine, room, role="EMPLOYEE_REP")
    fields = {"problem": "Et problem", "solution": "En løsning", field: raw}
    try:
        saved = solutions.submit_solution(engine, room, person, step["id"], fields, input_id=str(uuid.uuid4()))
    except rooms.Rejected as rejected:
        _explained(rejected, FIELD_REFUSALS | {solutions.MSG_UNKNOWN_TOPIC})
        return
    [stored] = store.list_inputs(engine, room.id, participant_id=person.id)
    assert stored.payload == saved.payload
    if field != "topic" or not solutions.topic_options(step):
        limit = solutions.field_limit(field, rooms.input_spec(step))
        assert saved.payload[field] in (rooms.clean_text(raw, limit, required=False), None)


def test_the_replacement_character_a_browser_sends_for_a_broken_character_is_refused_too():
    with pytest.raises(rooms.Rejected) as refused:
        rooms.clean_text("kort \ufffd", 140)
    assert refused.value.msgid == rooms.MSG_BROKEN_CHARACTER
