"""Security and privacy rules without a browser: join limits, identity, ownership, validation, purge.

The browser-level doors (network, websocket, XSS in pages) are in tests/e2e/test_security.py.
docs/security.md maps every threat to the test here or there that proves its defence.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bifrost_lab import i18n, rooms, store
from bifrost_lab.inputs import dot_vote
from bifrost_lab.purge import purge_rooms, rooms_older_than

DA = i18n.gettext_for("da")


@pytest.fixture
def m1(engine, library):
    return rooms.open_room(engine, library, "bifrost", "bif-m1")


def _card_step(room):
    return next(s for s in rooms.steps(room) if rooms.input_type(s) == "cards")


def _joined(engine, room, role="RESEARCHER", **kwargs):
    return rooms.join_room(engine, room, role=role, **kwargs)


# -- join codes and join limits ------------------------------------------------------------------------


def test_join_codes_use_an_unambiguous_alphabet_and_are_random(engine):
    assert not set("01OI") & set(store.JOIN_CODE_ALPHABET)
    codes = {store.new_join_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == store.JOIN_CODE_LENGTH and set(c) <= set(store.JOIN_CODE_ALPHABET) for c in codes)


def test_a_code_stops_working_when_its_room_closes(engine, m1):
    assert rooms.find_room_by_code_limited(engine, m1.join_code, "page-a").id == m1.id
    store.close_room(engine, m1.id)
    with pytest.raises(rooms.Rejected) as info:
        rooms.find_room_by_code_limited(engine, m1.join_code, "page-a")
    assert info.value.msgid == rooms.MSG_ROOM_CLOSED  # the code may still be on a screen: say the meeting ended
    me_closed = rooms.Rejected(rooms.MSG_ROOM_CLOSED)
    with pytest.raises(rooms.Rejected) as info:
        rooms.join_room(engine, store.get_room(engine, m1.id), role="RESEARCHER")
    assert info.value.msgid == me_closed.msgid


def _wrong_code(m1) -> str:
    code = "".join(store.JOIN_CODE_ALPHABET[(store.JOIN_CODE_ALPHABET.index(c) + 1) % 32] for c in m1.join_code)
    return code


def test_wrong_codes_are_limited_per_page_with_a_danish_message(engine, m1):
    wrong = _wrong_code(m1)
    for _ in range(rooms.WRONG_CODES_PER_PAGE):
        with pytest.raises(rooms.Rejected) as info:
            rooms.find_room_by_code_limited(engine, wrong, "page-a")
        assert info.value.msgid == rooms.MSG_CODE_UNKNOWN
    # Now even the right code is refused on this page (otherwise the limit would not slow guessing) ...
    with pytest.raises(rooms.Rejected) as info:
        rooms.find_room_by_code_limited(engine, m1.join_code, "page-a")
    assert info.value.msgid == rooms.MSG_TOO_MANY_CODES
    message = info.value.message(DA)
    assert message.startswith("Der er prøvet for mange forkerte koder") and "5 min" in message
    # ... while another page still joins, and the page may try again once the window has passed.
    assert rooms.find_room_by_code_limited(engine, m1.join_code, "page-b").id == m1.id
    rooms.check_join_allowed(engine, "page-a", now=time.time() + rooms.JOIN_WINDOW_SECONDS + 1)


def test_wrong_codes_are_limited_for_the_whole_room_network(engine, m1):
    """Reloading gives a new kernel (a new page), so all pages together have a limit as well."""
    wrong = _wrong_code(m1)
    for attempt in range(rooms.WRONG_CODES_PER_NETWORK):
        with pytest.raises(rooms.Rejected):
            rooms.find_room_by_code_limited(engine, wrong, f"reloaded-page-{attempt}")
    with pytest.raises(rooms.Rejected) as info:
        rooms.find_room_by_code_limited(engine, wrong, "a-fresh-page")
    assert info.value.msgid == rooms.MSG_TOO_MANY_CODES
    assert "Vent" in info.value.message(DA)
    # One guest burning the network limit must not lock the hall out: the right code still joins.
    assert rooms.find_room_by_code_limited(engine, m1.join_code, "another-fresh-page").id == m1.id


def test_malformed_codes_count_too_and_old_attempts_are_forgotten(engine):
    for _ in range(3):
        with pytest.raises(rooms.Rejected) as info:
            rooms.find_room_by_code_limited(engine, "<script>", "page-x")
        assert info.value.msgid == rooms.MSG_CODE_CHARACTERS  # SCRIPT: six characters, but codes have no I
    assert store.failed_joins_since(engine, 0, "page-x")[0] == 3
    store.record_failed_join(engine, "page-y", keep_seconds=-1)  # prunes everything older than "now + 1 s"
    assert store.failed_joins_since(engine, 0)[0] == 1


# -- identity: tokens ------------------------------------------------------------------------------------


def test_rejoin_tokens_are_random_and_only_their_hash_is_stored(sqlite_url, library):
    engine = store.connect(sqlite_url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    tokens = [_joined(engine, room)[1] for _ in range(20)]
    assert len(set(tokens)) == 20 and all(len(t) >= 43 for t in tokens)  # secrets.token_urlsafe(32): 256 bits
    people = store.list_participants(engine, room.id)
    stored = {r["token_hash"] for r in store.read_rows(engine, "participants")}
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    assert len(people) == 20
    store.dispose_all()
    raw = b"".join(p.read_bytes() for p in Path(sqlite_url.removeprefix("sqlite:///")).parent.glob("bifrost.sqlite*"))
    assert not any(t.encode() in raw for t in tokens), "a raw token is in the database files"
    assert all(hashlib.sha256(t.encode()).hexdigest().encode() in raw for t in tokens)


def test_a_token_is_bound_to_its_room_and_forged_tokens_are_nobody(engine, library, m1):
    other = rooms.open_room(engine, library, "bifrost", "bif-m1")
    me, token = _joined(engine, m1)
    assert rooms.rejoin(engine, m1, token).id == me.id
    assert rooms.rejoin(engine, other, token) is None
    for forged in ["", "x" * 5000, hashlib.sha256(token.encode()).hexdigest(), me.id, None, 42, {"a": 1}]:
        assert rooms.rejoin(engine, m1, forged) is None


# -- ownership, also when the widget state is tampered with -----------------------------------------------


def test_nobody_can_edit_or_delete_another_persons_card(engine, m1):
    step = _card_step(m1)
    alice, _ = _joined(engine, m1)
    bob, _ = _joined(engine, m1)
    card = rooms.submit_card(engine, m1, alice, step["id"], "Alices kort", input_id=str(uuid.uuid4()))
    for who in (bob, None):  # None = the moderator's own entries, not a master key
        with pytest.raises(rooms.Rejected) as info:
            rooms.edit_card(engine, m1, who, card.id, "overtaget")
        assert info.value.msgid == rooms.MSG_NOT_YOURS
        with pytest.raises(rooms.Rejected):
            rooms.delete_card(engine, m1, who, card.id)
    # Re-using someone's card id for a "new" card does not overwrite it either.
    with pytest.raises(rooms.Rejected):
        rooms.submit_card(engine, m1, bob, step["id"], "kapret", input_id=card.id)
    assert [i.payload["text"] for i in store.list_inputs(engine, m1.id)] == ["Alices kort"]


def test_forged_widget_callbacks_cannot_touch_another_participants_card(sqlite_engine, library):
    """The page's callbacks called with forged ids, and widget state set as a tampering client would."""
    from bifrost_lab.ui.participant import ParticipantApp

    engine = sqlite_engine
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    step = _card_step(room)
    room = store.set_step(engine, room.id, rooms.steps(room).index(step))
    alice, _ = _joined(engine, room)
    mallory, _ = _joined(engine, room)
    card = rooms.submit_card(engine, room, alice, step["id"], "Alices kort", input_id=str(uuid.uuid4()))

    app = ParticipantApp(engine, "da")
    app.room, app.me = room, mallory
    app._on_delete(card.id, None)
    assert "kan ikke længere ændres" in app.message.value
    app.editing_id = card.id  # what a forged "edit" would need
    app.card_input.set_state({"value": "overtaget"})  # a comm update from the browser
    app._on_submit(None)
    assert "kan ikke længere ændres" in app.message.value
    app.editing_id = None
    app.compose_id = card.id  # a client that re-sends someone else's card id as its own new card
    app._on_submit(None)
    assert "Traceback" not in app.message.value
    assert [(i.participant_id, i.payload["text"]) for i in store.list_inputs(engine, room.id)] == [
        (alice.id, "Alices kort")
    ]

    # A locked step refuses cards even when the hidden submit button is "clicked" over the comm.
    store.set_step_state(engine, room.id, step["id"], locked=True)
    app.room = store.get_room(engine, room.id)
    app.compose_id = str(uuid.uuid4())
    app.card_input.set_state({"value": "efter lås"})
    app.submit_button.click()
    assert "lukket for input" in app.message.value
    assert len(store.list_inputs(engine, room.id)) == 1


def test_a_forged_stored_token_does_not_make_you_someone_else(sqlite_engine, library):
    from bifrost_lab.ui.participant import ParticipantApp

    engine = sqlite_engine
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    alice, _token = _joined(engine, room)
    app = ParticipantApp(engine, "da")
    app.bridge.set_state(
        {
            "query": f"?code={room.join_code}",
            "stored": {"tokens": {room.join_code: hashlib.sha256(b"guess").hexdigest()}},
        }
    )
    app._on_bridge_ready({"new": True})
    assert app.me is None and app.join_button in app.body.children  # the join form, not Alice's cards


# -- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, msgid",
    [
        ("", rooms.MSG_EMPTY),
        ("\u200b" * 0 + "   ", rooms.MSG_EMPTY),
        ("x" * 10_000, rooms.MSG_TOO_LONG),
        ("nul\x00byte", rooms.MSG_CONTROL),
        ("esc\x1b[31m", rooms.MSG_CONTROL),
        ("del\x7f", rooms.MSG_CONTROL),
        ("c1\x85c1", rooms.MSG_CONTROL),
        ("abc\u202egnp.exe", rooms.MSG_CONTROL),
        ("iso\u2066late\u2069", rooms.MSG_CONTROL),
    ],
)
def test_validation_rejects_with_a_clear_danish_message(raw, msgid):
    with pytest.raises(rooms.Rejected) as info:
        rooms.clean_text(raw, rooms.CARD_MAX_CHARS)
    assert info.value.msgid == msgid
    danish = info.value.message(DA)
    assert danish != info.value.message(i18n.gettext_for("en")) and "{" not in danish


def test_validation_normalises_to_nfc_and_keeps_ordinary_right_to_left_text():
    assert rooms.clean_text("A\u030arhus", 140) == "\u00c5rhus"
    assert rooms.clean_text("مرحبا \u200f שלום", 140) == "مرحبا \u200f שלום"


def test_names_are_validated_like_cards(engine, m1):
    with pytest.raises(rooms.Rejected) as info:
        _joined(engine, m1, display_name="x" * 41, name_consent=True)
    assert info.value.msgid == rooms.MSG_TOO_LONG
    with pytest.raises(rooms.Rejected):
        _joined(engine, m1, display_name="Ann\x00e", name_consent=True)


def test_max_cards_per_step_holds(engine, m1):
    step = _card_step(m1)
    me, _ = _joined(engine, m1)
    limit = int(rooms.input_spec(step).get("max_per_participant") or rooms.CARDS_PER_STEP)
    for n in range(limit):
        rooms.submit_card(engine, m1, me, step["id"], f"kort {n}", input_id=str(uuid.uuid4()))
    with pytest.raises(rooms.Rejected) as info:
        rooms.submit_card(engine, m1, me, step["id"], "et for meget", input_id=str(uuid.uuid4()))
    assert str(limit) in info.value.message(DA)


# -- privacy ----------------------------------------------------------------------------------------------


def test_names_are_kept_only_with_consent_and_never_exported_without_it(sqlite_url, library):
    from bifrost_lab.reports.export import export_room_html

    engine = store.connect(sqlite_url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    step = _card_step(room)
    anonymous, _ = _joined(engine, room, display_name="Uden Samtykke-Ulla", name_consent=False)
    named, _ = _joined(engine, room, display_name="Med Samtykke-Mads", name_consent=True)
    plain, _ = _joined(engine, room)
    assert anonymous.display_name is None and not anonymous.name_consent
    assert named.display_name == "Med Samtykke-Mads" and named.name_consent
    assert plain.display_name is None and not plain.name_consent
    for person in (anonymous, named, plain):
        rooms.submit_card(engine, room, person, step["id"], f"kort fra {person.id[:4]}", input_id=str(uuid.uuid4()))
    store.dispose_all()
    raw = b"".join(p.read_bytes() for p in Path(sqlite_url.removeprefix("sqlite:///")).parent.glob("bifrost.sqlite*"))
    assert b"Uden Samtykke-Ulla" not in raw
    html = export_room_html(room.id, db_url=sqlite_url)
    assert "kort fra" in html
    assert "Uden Samtykke-Ulla" not in html, "a name without consent must not be in the exported summary"
    store.dispose_all()


# -- purge ------------------------------------------------------------------------------------------------

MARKER = "PURGE-MARKER-7f3a9c"


def _fill_room(engine, library, marker: str):
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    step = _card_step(room)
    for n in range(12):
        me, _ = _joined(engine, room, display_name=f"{marker}-navn-{n}", name_consent=True)
        rooms.submit_card(engine, room, me, step["id"], f"{marker} kort {n} " + "ø" * 40, input_id=str(uuid.uuid4()))
        card = rooms.submit_card(engine, room, me, step["id"], f"{marker} slettet {n}", input_id=str(uuid.uuid4()))
        rooms.delete_card(engine, room, me, card.id)
        store.add_input(
            engine,
            input_id=str(uuid.uuid4()),
            room_id=room.id,
            step_id=step["id"],
            participant_id=me.id,
            kind="vote",
            payload={"dots": {f"item:{n}": 1}, "note": marker},
        )
    if hasattr(store, "create_cluster"):
        store.create_cluster(
            engine, cluster_id=str(uuid.uuid4()), room_id=room.id, step_id=step["id"], label=f"{marker} klynge"
        )
    return room


def _raw_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.glob("bifrost.sqlite*")) if p.is_file())


def test_purge_leaves_no_row_and_no_byte_in_the_sqlite_file_or_its_wal(sqlite_url, library, tmp_path):
    engine = store.connect(sqlite_url)
    keep = _fill_room(engine, library, "KEEP-MARKER-11aa")
    gone = _fill_room(engine, library, MARKER)
    # A second connection that has read the room (like a kernel of a running server) is open meanwhile.
    reader = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    reader.execute("SELECT count(*) FROM inputs").fetchone()
    assert MARKER.encode() in _raw_bytes(tmp_path) and (tmp_path / "bifrost.sqlite-wal").exists()
    assert (tmp_path / "bifrost.sqlite-wal").stat().st_size > 0

    result = purge_rooms(engine, [gone.id])
    reader.close()

    assert result.room_ids == (gone.id,) and result.erased
    assert set(store.count_room_rows(engine, gone.id).values()) == {0}
    assert sum(store.count_room_rows(engine, keep.id).values()) > 0
    assert MARKER.encode() not in _raw_bytes(tmp_path), "the purged room can still be read from the files"
    assert MARKER.encode("utf-16-le") not in _raw_bytes(tmp_path)
    assert b"KEEP-MARKER-11aa" in _raw_bytes(tmp_path)
    assert (tmp_path / "bifrost.sqlite-wal").stat().st_size == 0
    assert len(store.list_inputs(engine, keep.id)) == 24
    store.dispose_all()


def test_purge_on_every_database_leaves_no_row(engine, library):
    keep = _fill_room(engine, library, "KEEP")
    gone = _fill_room(engine, library, MARKER)
    purge_rooms(engine, [gone.id])
    assert set(store.count_room_rows(engine, gone.id).values()) == {0}
    assert "inputs" in store.count_room_rows(engine, gone.id) and "participants" in store.count_room_rows(
        engine, gone.id
    )
    assert store.count_room_rows(engine, keep.id)["inputs"] == 36


def test_rooms_older_than(engine, library):
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    assert rooms_older_than(engine, 1) == []
    assert rooms_older_than(engine, 1, now=time.time() + 2 * 86400) == [room.id]


def _cli(*args: str, db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bifrost_lab.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "BIFROST_DB_URL": db_url},
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_purge_command(sqlite_url, library, tmp_path):
    engine = store.connect(sqlite_url)
    old = _fill_room(engine, library, MARKER)
    new = _fill_room(engine, library, "NEW-ROOM-MARKER")
    with store.transaction(engine) as conn:  # make one room 40 days old
        conn.execute("UPDATE rooms SET created_at = :t WHERE id = :id", {"t": time.time() - 40 * 86400, "id": old.id})
    store.dispose_all()

    missing = _cli("purge", "nosuchroom", "-y", db_url=sqlite_url)
    assert missing.returncode == 2 and "no room nosuchroom" in missing.stderr and "Traceback" not in missing.stderr
    assert _cli("purge", db_url=sqlite_url).returncode == 2

    done = _cli("purge", "--older-than", "30", "-y", db_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert old.id in done.stdout and new.id not in done.stdout
    assert MARKER.encode() not in _raw_bytes(tmp_path)
    assert b"NEW-ROOM-MARKER" in _raw_bytes(tmp_path)

    done = _cli("purge", new.id, "-y", db_url=sqlite_url)
    assert done.returncode == 0 and new.id in done.stdout
    assert b"NEW-ROOM-MARKER" not in _raw_bytes(tmp_path)
    engine = store.connect(sqlite_url)
    assert store.list_rooms(engine) == []
    store.dispose_all()


def test_max_dots_hold_against_forged_votes(engine, library, m1):
    vote_index = next(i for i, s in enumerate(rooms.steps(m1)) if rooms.input_type(s) == "dot_vote")
    step = rooms.steps(m1)[vote_index]
    spec = rooms.input_spec(step)
    clusters = [rooms.create_cluster(engine, m1, spec["targets"]["from_step"], f"tema {n}")[0] for n in range(5)]
    room = store.set_step(engine, m1.id, vote_index)
    me, _ = _joined(engine, room)
    targets = [f"cluster:{c.id}" for c in clusters]
    forged = [
        ({t: 1 for t in targets[:4]}, rooms.MSG_TOO_MANY_DOTS),  # 4 dots of 3
        ({targets[0]: 2}, rooms.MSG_DOTS_PER_TARGET),  # 2 on one option (max 1)
        ({targets[0]: -5, targets[1]: 1}, rooms.MSG_DOTS_PER_TARGET),  # negative dots
        ({targets[0]: 1.5}, rooms.MSG_DOTS_PER_TARGET),
        ({targets[0]: "1e9"}, rooms.MSG_DOTS_PER_TARGET),
        ({"cluster:not-a-cluster": 1}, rooms.MSG_UNKNOWN_TARGET),
        ({"item:0": 1}, rooms.MSG_UNKNOWN_TARGET),
        (["not", "a", "dict"], rooms.MSG_UNKNOWN_TARGET),
    ]
    for dots, msgid in forged:
        with pytest.raises(rooms.Rejected) as info:
            dot_vote.save(engine, room, me, step["id"], dots)
        assert info.value.msgid == msgid, dots
        assert "{" not in info.value.message(DA)
    vote = dot_vote.save(engine, room, me, step["id"], {t: 1 for t in targets[:3]})
    assert sum(vote.payload["dots"].values()) == 3
    assert [i.kind for i in store.list_inputs(engine, room.id)] == ["vote"]


def test_database_errors_do_not_carry_participants_text_into_the_log(engine, m1):
    """Errors are logged for the admin: the drivers' messages carry no statement parameters."""
    secret = "Min leder ved ikke at jeg er sygemeldt med stress"
    with pytest.raises(Exception) as info:
        with store.transaction(engine) as conn:  # a NOT NULL column left out: the insert fails inside the database
            conn.execute(
                "INSERT INTO inputs (id, room_id, step_id, kind, payload) VALUES (:id, :room, 's', 'card', :p)",
                {"id": str(uuid.uuid4()), "room": m1.id, "p": json.dumps({"text": secret})},
            )
    assert "null" in str(info.value).lower()
    if engine.dialect == "sqlite":
        assert secret not in str(info.value)
    # PostgreSQL itself adds "DETAIL: Failing row contains (…)" to constraint errors: see docs/security.md.
