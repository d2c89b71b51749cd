"""Room rules: validation with clear messages, limits enforced server-side, identity by token hash."""

from __future__ import annotations

import uuid

import pytest

from bifrost_lab import rooms, store


@pytest.fixture
def m1(sqlite_engine, library):
    return rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1")


def _card_step(room):
    return next(s for s in rooms.steps(room) if rooms.input_type(s) == "cards")


@pytest.mark.parametrize(
    "raw, msgid",
    [
        ("", rooms.MSG_EMPTY),
        ("   \n ", rooms.MSG_EMPTY),
        (None, rooms.MSG_EMPTY),
        (42, rooms.MSG_EMPTY),
        ("x" * 141, rooms.MSG_TOO_LONG),
        ("hej\x00med", rooms.MSG_CONTROL),
        ("bell\x07", rooms.MSG_CONTROL),
    ],
)
def test_clean_text_rejects_with_a_message(raw, msgid):
    with pytest.raises(rooms.Rejected) as info:
        rooms.clean_text(raw, 140)
    assert info.value.msgid == msgid


def test_clean_text_normalises_to_nfc_and_keeps_line_breaks():
    decomposed = "Sm\u00e5" if False else "Sma\u030a"  # 'å' as a + combining ring
    assert rooms.clean_text(f"  {decomposed}\nting ", 140) == "Sm\u00e5\nting"


def test_rejection_messages_are_translated_to_danish():
    from bifrost_lab.i18n import gettext_for

    error = rooms.Rejected(rooms.MSG_TOO_LONG, count=150, limit=140)
    assert error.message(gettext_for("da")) != error.message(gettext_for("en"))
    assert "150" in error.message(gettext_for("da"))


def test_room_snapshot_holds_the_meeting_roles_and_cards(m1):
    content = m1.content
    assert content["meeting"]["id"] == "bif-m1" and len(content["meeting"]["steps"]) == 8
    assert any(r["id"] == rooms.OTHER_ROLE for r in content["roles"])
    assert set(content["cards"]) >= {"BIF-01", "BIF-05"}
    assert m1.content_hash == rooms.content_hash(content)


@pytest.mark.parametrize("typed", ["k7p 2qx", "K7P-2QX", " k7p2qx "])
def test_codes_are_normalised(typed):
    assert rooms.normalise_code(typed) == "K7P2QX"


def test_join_by_code_and_rejoin_by_token(sqlite_engine, m1):
    found = rooms.find_room_by_code(sqlite_engine, m1.join_code.lower())
    me, token = rooms.join_room(sqlite_engine, found, role="RESEARCHER", display_name="Anne")
    assert rooms.rejoin(sqlite_engine, found, token).id == me.id
    assert rooms.rejoin(sqlite_engine, found, token + "x") is None
    assert me.display_name is None and not me.name_consent  # no consent: the name is not kept
    [stored] = [row["token_hash"] for row in store.read_rows(sqlite_engine, "participants")]
    assert stored == rooms.hash_token(token) and token not in stored


@pytest.mark.parametrize(
    "code, msgid",
    [("ABC", rooms.MSG_CODE_FORMAT), ("O0I1AB", rooms.MSG_CODE_CHARACTERS), ("ZZZZZZ", rooms.MSG_CODE_UNKNOWN)],
)
def test_bad_codes_get_a_clear_message(sqlite_engine, m1, code, msgid):
    with pytest.raises(rooms.Rejected) as info:
        rooms.find_room_by_code(sqlite_engine, code)
    assert info.value.msgid == msgid


def test_join_needs_a_valid_role_and_an_open_room(sqlite_engine, m1):
    with pytest.raises(rooms.Rejected, match="role"):
        rooms.join_room(sqlite_engine, m1, role="")
    with pytest.raises(rooms.Rejected):
        rooms.join_room(sqlite_engine, m1, role="ADMIN")
    closed = store.close_room(sqlite_engine, m1.id)
    with pytest.raises(rooms.Rejected):
        rooms.join_room(sqlite_engine, closed, role="RESEARCHER")


def test_cards_submit_edit_delete_and_ownership(sqlite_engine, m1):
    step = _card_step(m1)
    me, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    other, _ = rooms.join_room(sqlite_engine, m1, role="OTHER")
    card = rooms.submit_card(sqlite_engine, m1, me, step["id"], "Første kort", column=2, input_id=str(uuid.uuid4()))
    assert card.payload == {"text": "Første kort", "column": 2}
    with pytest.raises(rooms.Rejected):
        rooms.edit_card(sqlite_engine, m1, other, card.id, "overtaget")
    with pytest.raises(rooms.Rejected):
        rooms.delete_card(sqlite_engine, m1, other, card.id)
    edited = rooms.edit_card(sqlite_engine, m1, me, card.id, "Rettet kort", column=99)
    assert edited.payload == {"text": "Rettet kort", "column": 0}  # an unknown column falls back to the first
    rooms.delete_card(sqlite_engine, m1, me, card.id)
    assert store.list_inputs(sqlite_engine, m1.id) == []


def test_a_double_click_stores_one_card(sqlite_engine, m1):
    step = _card_step(m1)
    me, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    input_id = str(uuid.uuid4())
    for _ in range(3):
        rooms.submit_card(sqlite_engine, m1, me, step["id"], "Én gang", input_id=input_id)
    assert len(store.list_inputs(sqlite_engine, m1.id)) == 1


def test_card_limits_hold_even_when_the_widget_is_bypassed(sqlite_engine, m1):
    step = _card_step(m1)
    me, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    for i in range(rooms.CARDS_PER_STEP):
        rooms.submit_card(sqlite_engine, m1, me, step["id"], f"kort {i}", input_id=str(uuid.uuid4()))
    with pytest.raises(rooms.Rejected) as info:
        rooms.submit_card(sqlite_engine, m1, me, step["id"], "et for meget", input_id=str(uuid.uuid4()))
    assert info.value.msgid == rooms.MSG_CARD_LIMIT


def test_no_cards_on_steps_without_card_input_or_when_locked(sqlite_engine, m1):
    me, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    no_input = next(s for s in rooms.steps(m1) if rooms.input_type(s) == "none")
    with pytest.raises(rooms.Rejected):
        rooms.submit_card(sqlite_engine, m1, me, no_input["id"], "hej")
    step = _card_step(m1)
    locked = store.set_step_state(sqlite_engine, m1.id, step["id"], locked=True)
    with pytest.raises(rooms.Rejected) as info:
        rooms.submit_card(sqlite_engine, locked, me, step["id"], "hej")
    assert info.value.msgid == rooms.MSG_LOCKED


def test_hostile_client_ids_do_not_break_the_store(sqlite_engine, m1):
    step = _card_step(m1)
    me, _ = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    card = rooms.submit_card(sqlite_engine, m1, me, step["id"], "ok", input_id="'; DROP TABLE inputs; --")
    assert uuid.UUID(card.id)
