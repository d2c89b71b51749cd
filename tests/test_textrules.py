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
