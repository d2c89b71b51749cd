"""The storage seam, on a real SQLite file and on a real PostgreSQL database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from bifrost_lab import rooms, store


def _content(steps: int = 3) -> dict:
    return {
        "programme": {"id": "p", "title": {"da": "P", "en": "P"}},
        "meeting": {
            "id": "m",
            "title": {"da": "M", "en": "M"},
            "steps": [{"id": f"s{i}", "duration_min": 10 + i, "input": {"type": "cards"}} for i in range(steps)],
        },
        "roles": [{"id": "RESEARCHER", "label": {"da": "Forsker", "en": "Researcher"}}],
        "cards": {},
    }


def _room(engine) -> store.Room:
    return store.create_room(engine, programme_id="p", meeting_id="m", content=_content(), content_hash="h")


def _person(engine, room, role="RESEARCHER") -> store.Participant:
    return store.add_participant(
        engine, room_id=room.id, participant_id=str(uuid.uuid4()), token_hash=uuid.uuid4().hex, role=role
    )


def test_migrate_creates_every_table_and_records_the_version(engine):
    assert store.current_schema_version(engine) == store.LATEST_VERSION
    for table in store.iter_tables():
        assert store.count_rows(engine, table.name) >= 0  # the table is there
    assert store.migrate(engine) == store.LATEST_VERSION  # running again changes nothing


def test_new_room_has_a_join_code_from_the_unambiguous_alphabet(engine):
    room = _room(engine)
    assert len(room.join_code) == store.JOIN_CODE_LENGTH
    assert set(room.join_code) <= set(store.JOIN_CODE_ALPHABET)
    assert not set("01IO") & set(store.JOIN_CODE_ALPHABET)
    assert store.find_open_room(engine, room.join_code).id == room.id
    assert room.step_index == 0 and room.timer_remaining == 600


def test_closed_room_code_no_longer_finds_the_room(engine):
    room = _room(engine)
    store.close_room(engine, room.id)
    assert store.find_open_room(engine, room.join_code) is None


def test_add_input_is_idempotent_on_the_client_id(engine):
    room = _room(engine)
    me = _person(engine, room)
    input_id = str(uuid.uuid4())
    first, created = store.add_input(
        engine,
        input_id=input_id,
        room_id=room.id,
        step_id="s0",
        participant_id=me.id,
        kind="card",
        payload={"text": "a"},
    )
    again, created_again = store.add_input(
        engine,
        input_id=input_id,
        room_id=room.id,
        step_id="s0",
        participant_id=me.id,
        kind="card",
        payload={"text": "a"},
    )
    assert created and not created_again and again.id == first.id
    assert len(store.list_inputs(engine, room.id)) == 1


def test_someone_else_cannot_reuse_or_change_an_input(engine):
    room = _room(engine)
    me, other = _person(engine, room), _person(engine, room)
    card, _ = store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=room.id,
        step_id="s0",
        participant_id=me.id,
        kind="card",
        payload={"text": "mine"},
    )
    with pytest.raises(store.NotOwner):
        store.add_input(
            engine,
            input_id=card.id,
            room_id=room.id,
            step_id="s0",
            participant_id=other.id,
            kind="card",
            payload={"text": "stolen"},
        )
    with pytest.raises(store.NotOwner):
        store.update_input(engine, input_id=card.id, participant_id=other.id, payload={"text": "x"})
    with pytest.raises(store.NotOwner):
        store.delete_input(engine, input_id=card.id, participant_id=other.id)
    assert store.list_inputs(engine, room.id)[0].payload == {"text": "mine"}


def test_limit_per_participant_and_step(engine):
    room = _room(engine)
    me = _person(engine, room)
    for _ in range(2):
        store.add_input(
            engine,
            input_id=str(uuid.uuid4()),
            room_id=room.id,
            step_id="s0",
            participant_id=me.id,
            kind="card",
            payload={"text": "x"},
            max_per_participant=2,
        )
    with pytest.raises(store.LimitReached):
        store.add_input(
            engine,
            input_id=str(uuid.uuid4()),
            room_id=room.id,
            step_id="s0",
            participant_id=me.id,
            kind="card",
            payload={"text": "x"},
            max_per_participant=2,
        )


def test_change_feed_returns_only_changed_rows_and_tombstones(engine):
    room = _room(engine)
    me = _person(engine, room)
    start = store.room_version(engine, room.id)
    card, _ = store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=room.id,
        step_id="s0",
        participant_id=me.id,
        kind="card",
        payload={"text": "a"},
    )
    after_add = store.changes_since(engine, room.id, start)
    assert [i.id for i in after_add.inputs] == [card.id] and after_add.room.version > start
    assert store.changes_since(engine, room.id, after_add.room.version).inputs == ()
    store.delete_input(engine, input_id=card.id, participant_id=me.id)
    after_delete = store.changes_since(engine, room.id, after_add.room.version)
    assert after_delete.inputs[0].deleted
    board = rooms.Board.empty()
    board.apply(after_add)
    board.apply(after_delete)
    assert board.cards("s0") == []


def test_every_step_starts_paused_and_keeps_its_time_left_and_changes_are_logged(engine):
    room = _room(engine)
    assert not room.timer_running and room.timer_remaining == 10 * 60
    moved = store.set_step(engine, room.id, 2)
    assert moved.step_index == 2 and not moved.timer_running and moved.timer_remaining == 12 * 60
    assert store.set_step(engine, room.id, 99).step_index == 2  # clamped to the last step
    running = store.set_timer(engine, room.id, running=True, remaining=15 * 60 + 27)
    assert running.timer_running
    back = store.set_step(engine, room.id, 1)
    assert not back.timer_running and back.timer_remaining == 11 * 60  # a step not yet visited: its full time
    forward = store.set_step(engine, room.id, 2)  # back to the step left at 15:27: that time, paused
    assert not forward.timer_running and forward.timer_remaining == pytest.approx(15 * 60 + 27, abs=2)
    assert store.set_timer(engine, room.id, add_seconds=60).timer_remaining == pytest.approx(
        forward.timer_remaining + 60
    )
    runs = store.step_runs_of(engine, room.id)
    assert [r.step_index for r in runs] == [0, 2, 1, 2] and runs[0].ended_at is not None


def test_a_closed_room_can_be_reopened_with_its_code_or_a_new_one(engine):
    room = _room(engine)
    closed = store.close_room(engine, room.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert store.latest_room_with_code(engine, room.join_code).id == room.id  # a late arrival is told it ended
    reopened = store.reopen_room(engine, room.id)
    assert reopened.is_open and reopened.closed_at is None and reopened.join_code == room.join_code
    assert store.find_open_room(engine, room.join_code).id == room.id
    store.close_room(engine, room.id)
    other = _room(engine)  # takes the code while the first room is closed
    with store.transaction(engine) as conn:
        conn.execute("UPDATE rooms SET join_code = :code WHERE id = :id", {"code": room.join_code, "id": other.id})
    again = store.reopen_room(engine, room.id)
    assert again.is_open and again.join_code != room.join_code
    assert store.find_open_room(engine, room.join_code).id == other.id


def test_room_settings_are_merged_and_start_empty(engine):
    room = _room(engine)
    assert room.settings == {}
    changed = store.set_room_settings(engine, room.id, hide_names=True)
    assert changed.settings == {"hide_names": True} and changed.version > room.version
    assert store.set_room_settings(engine, room.id, other=1).settings == {"hide_names": True, "other": 1}


def test_list_rooms_can_stop_after_the_newest(engine):
    made = [_room(engine) for _ in range(3)]
    assert [s.room.id for s in store.list_rooms(engine, limit=2)] == [r.id for r in made[::-1][:2]]


def test_concurrent_writers_store_every_input_exactly_once(engine):
    room = _room(engine)
    people = [_person(engine, room) for _ in range(8)]
    ids = [[str(uuid.uuid4()) for _ in range(25)] for _ in people]
    errors: list[Exception] = []

    def write(person, person_ids):
        try:
            for input_id in person_ids + person_ids[:5]:  # the first five are sent twice (retries)
                store.add_input(
                    engine,
                    input_id=input_id,
                    room_id=room.id,
                    step_id="s0",
                    participant_id=person.id,
                    kind="card",
                    payload={"text": input_id},
                )
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=write, args=(p, i)) for p, i in zip(people, ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = store.list_inputs(engine, room.id)
    assert len(stored) == 200 and len({i.id for i in stored}) == 200
    assert sorted(i.seq for i in stored) == list(range(1, 201))


def test_list_rooms_counts_people_and_live_inputs(engine):
    room = _room(engine)
    me = _person(engine, room)
    card, _ = store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=room.id,
        step_id="s0",
        participant_id=me.id,
        kind="card",
        payload={"text": "a"},
    )
    store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=room.id,
        step_id="s0",
        participant_id=me.id,
        kind="card",
        payload={"text": "b"},
    )
    store.delete_input(engine, input_id=card.id, participant_id=me.id)
    [summary] = store.list_rooms(engine)
    assert (summary.participant_count, summary.input_count) == (1, 1)


def _solution(engine, room) -> store.Input:
    row, _created = store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=room.id,
        step_id="s0",
        participant_id=None,
        kind="solution",
        payload={"problem": "p", "solution": "s"},
    )
    return row


def test_a_demo_room_is_marked_and_left_out_where_rooms_are_gathered(engine):
    real = _room(engine)
    demo = store.create_room(engine, programme_id="p", meeting_id="m", content=_content(), content_hash="h", demo=True)
    assert (real.demo, demo.demo) == (False, True)
    assert store.get_room(engine, demo.id).demo and store.find_open_room(engine, demo.join_code).demo
    # A list of rooms shows every room and says which are demo; gathering leaves demo rooms out.
    assert {s.room.id: s.room.demo for s in store.list_rooms(engine)} == {real.id: False, demo.id: True}
    assert [s.room.id for s in store.list_rooms(engine, include_demo=False)] == [real.id]
    assert [s.room.id for s in store.list_rooms(engine, status="open", include_demo=False)] == [real.id]
    assert store.rooms_with_inputs(engine, "solution") == []  # no room has solutions yet
    _solution(engine, real)
    _solution(engine, demo)
    assert [r.id for r in store.rooms_with_inputs(engine, "solution")] == [real.id]
    assert {r.id for r in store.rooms_with_inputs(engine, "solution", include_demo=True)} == {real.id, demo.id}
    assert store.rooms_with_inputs(engine, "card", include_demo=True) == []


def test_an_old_demo_room_can_be_marked_and_every_page_sees_it(engine):
    room = _room(engine)
    marked = store.set_room_demo(engine, room.id)
    assert marked.demo and marked.version == room.version + 1  # the change feed carries the mark to open pages
    assert store.changes_since(engine, room.id, room.version).room.demo
    assert [s.room.id for s in store.list_rooms(engine, include_demo=False)] == []
    with pytest.raises(store.RoomNotFound):
        store.set_room_demo(engine, "nosuchroom")


def test_purge_room_leaves_no_row(engine):
    room, keep = _room(engine), _room(engine)
    me = _person(engine, room)
    store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=room.id,
        step_id="s0",
        participant_id=me.id,
        kind="card",
        payload={"text": "a"},
    )
    store.purge_room(engine, room.id)
    assert set(store.count_room_rows(engine, room.id).values()) == {0}
    assert store.get_room(engine, room.id) is None and store.get_room(engine, keep.id) is not None


def test_a_write_that_fails_half_way_leaves_nothing_behind(engine):
    # PostgreSQL reads run in autocommit; writes must still be one transaction each.
    room = _room(engine)
    before = store.room_version(engine, room.id)
    with pytest.raises(RuntimeError):
        with store.transaction(engine) as conn:
            store._bump(conn, room.id)
            raise RuntimeError("the second statement failed")
    assert store.room_version(engine, room.id) == before


# -- databases made by the SQLAlchemy store (before 2026-11) -------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OLD_ROOM = "315a6865"  # in fixtures/sqlalchemy_store.sqlite.sql: one room at step 2, a hidden card in a cluster


def _old_sqlite(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "sqlalchemy_store.sqlite.sql").read_text(encoding="utf-8"))
    conn.close()
    return f"sqlite:///{path}"


@pytest.fixture
def old_db_url(db_url, tmp_path) -> str:
    """A database whose schema and rows the SQLAlchemy store made, on SQLite or PostgreSQL."""
    old_sqlite = _old_sqlite(tmp_path / "old.sqlite")
    if db_url.startswith("sqlite"):
        return old_sqlite
    import psycopg

    with psycopg.connect(db_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute((FIXTURES / "sqlalchemy_store.postgresql.sql").read_text(encoding="utf-8"))
    from bifrost_lab.cli.db import copy_rooms  # the rows, as `db copy` moves them

    assert copy_rooms(store.connect(old_sqlite), store.connect(db_url)).ok
    return db_url


def _columns(url: str) -> dict[str, list[tuple]]:
    """Every table's columns (name, type, nullable, default) and index names, as the database reports them."""
    db = store.Database(url)
    conn, _reused = db.checkout()
    try:
        if db.dialect == "sqlite":
            return {
                t.name: [tuple(r.values()) for r in conn.all(f"PRAGMA table_xinfo({t.name})")]
                + sorted(r["name"] for r in conn.all(f"PRAGMA index_list({t.name})"))
                for t in store.iter_tables()
            }
        return {
            t.name: [
                tuple(r.values())
                for r in conn.all(
                    "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default"
                    " FROM information_schema.columns WHERE table_name = :t ORDER BY ordinal_position",
                    t=t.name,
                )
            ]
            + sorted(
                r["indexname"] for r in conn.all("SELECT indexname FROM pg_indexes WHERE tablename = :t", t=t.name)
            )
            for t in store.iter_tables()
        }
    finally:
        db.checkin(conn)
        db.close()


def test_the_schema_is_the_one_the_sqlalchemy_store_made(old_db_url, tmp_path, request):
    if old_db_url.startswith("sqlite"):
        fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        fresh = request.getfixturevalue("pg_admin").database_url(f"bifrost_fresh_{uuid.uuid4().hex[:10]}")
        request.getfixturevalue("pg_admin").execute(f'CREATE DATABASE "{fresh.rsplit("/", 1)[1]}"')
    try:
        store.connect(fresh)
        store.connect(old_db_url)  # and the migrations since (4: rooms.demo) bring both to the same schema
        assert _columns(fresh) == _columns(old_db_url)
    finally:
        store.dispose_all()
        if not fresh.startswith("sqlite"):
            request.getfixturevalue("pg_admin").execute(
                f'DROP DATABASE IF EXISTS "{fresh.rsplit("/", 1)[1]}" WITH (FORCE)'
            )


def test_a_database_made_by_the_sqlalchemy_store_reads_and_writes_the_same(old_db_url):
    engine = store.connect(old_db_url)
    assert store.current_schema_version(engine) == store.LATEST_VERSION
    room = store.get_room(engine, OLD_ROOM)
    assert (room.step_index, room.timer_running, room.timer_remaining, room.version) == (1, True, 300.0, 8)
    assert room.step_states == {"s0": {"locked": True}} and room.content["meeting"]["steps"][1]["id"] == "s1"
    [person] = store.list_participants(engine, OLD_ROOM)
    assert (person.display_name, person.name_consent, person.language) == ("Åse", True, "da")
    [card] = store.list_inputs(engine, OLD_ROOM)
    assert card.payload == {"text": "æøå <b>"} and card.hidden and not card.deleted
    assert card.cluster_id == "33333333-3333-3333-3333-333333333333" and card.seq == 1
    [cluster] = store.list_clusters(engine, OLD_ROOM)
    assert (cluster.label, cluster.category, cluster.deleted) == ("Tema", "insight", False)
    assert [r.step_index for r in store.step_runs_of(engine, OLD_ROOM)] == [0, 1]
    assert store.find_open_room(engine, room.join_code).id == OLD_ROOM
    assert room.demo is False  # migration 4: rooms made before it count as real

    second, created = store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=OLD_ROOM,
        step_id="s1",
        participant_id=person.id,
        kind="card",
        payload={"text": "ny"},
    )
    assert created and second.seq == 2 and second.version == 9
    store.set_input_hidden(engine, input_id=card.id, hidden=False)
    store.set_step(engine, OLD_ROOM, 0)
    changes = store.changes_since(engine, OLD_ROOM, 8)
    assert {i.id for i in changes.inputs} == {card.id, second.id}
    assert not next(i for i in changes.inputs if i.id == card.id).hidden
    assert [r.step_index for r in store.step_runs_of(engine, OLD_ROOM)] == [0, 1, 0]
    [summary] = store.list_rooms(engine)
    assert (summary.participant_count, summary.input_count) == (1, 2)
    if engine.dialect == "sqlite":  # stored as the SQLAlchemy store stored them: JSON text, booleans 0/1
        raw = (
            sqlite3.connect(engine.path)
            .execute("SELECT typeof(payload), payload, hidden, typeof(hidden) FROM inputs WHERE id = ?", (second.id,))
            .fetchone()
        )
        assert raw == ("text", '{"text": "ny"}', 0, "integer")


def test_a_participant_kernel_imports_no_sqlalchemy():
    # Every participant has a kernel of its own: SQLAlchemy would cost each one ~15 MiB (docs/benchmarks.md).
    code = "import sys, bifrost_lab.ui.participant; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "'bifrost_lab'" in loaded and "sqlalchemy" not in loaded and "psycopg" not in loaded


def test_a_lone_surrogate_in_an_old_row_is_read_as_a_replacement_character(engine):
    """Issue 21 §5: rows written before the text rules refused it must not stop every page and export."""
    room = _room(engine)
    person = _person(engine, room)
    broken = {"text": "a\udc80b \ud83d\ude00 \ud800", "list": ["\udcff"], "k\udc80": 1}
    card, _ = store.add_input(
        engine, input_id=str(uuid.uuid4()), room_id=room.id, step_id="s0", participant_id=person.id,
        kind="card", payload=broken,
    )  # fmt: skip
    store.set_step_state(engine, room.id, "s0", note="note \udc80")
    expected = {"text": "a\ufffdb 😀 \ufffd", "list": ["\ufffd"], "k\ufffd": 1}
    assert store.list_inputs(engine, room.id)[0].payload == expected
    assert store.changes_since(engine, room.id, 0).inputs[0].payload == expected
    assert store.get_room(engine, room.id).step_states["s0"]["note"] == "note \ufffd"
    assert card.id == store.list_inputs(engine, room.id)[0].id


def test_sqlite_text_that_is_not_utf8_is_read_with_replacement_characters(sqlite_engine):
    room = _room(sqlite_engine)
    person = _person(sqlite_engine, room)
    with store.transaction(sqlite_engine) as conn:  # as another tool might have written it
        conn.execute(
            "UPDATE participants SET display_name = CAST(x'416e6eff' AS TEXT) WHERE id = :id", {"id": person.id}
        )
    assert store.list_participants(sqlite_engine, room.id)[0].display_name == "Ann\ufffd"
