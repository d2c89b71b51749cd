"""Reliability of the store under many writers at once and while the database is busy (real processes, real DBs)."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import hold_write_lock

from bifrost_lab import rooms, store
from bifrost_lab.programme import load_library

WORKERS = 10
PEOPLE_PER_WORKER = 10
CARDS_EACH = 10  # the programme's per-step limit: 10 x 10 x 10 = 1,000 cards
RETRIES_EACH = 3  # the same card sent again (double click, lost reply): must not duplicate


def _open_card_room(db_url: str) -> store.Room:
    engine = store.connect(db_url)
    library = load_library()
    opened = rooms.open_room(engine, library, "bifrost", library.programme("bifrost").meetings[0].id)
    return rooms.go_to_step(engine, opened, 2)  # step 3 collects cards


def _writer(db_url: str, room_id: str, worker: int, start, results) -> None:
    """One process: joins its people, then sends their cards as fast as it can once `start` is set."""
    engine = store.connect(db_url)
    room = store.get_room(engine, room_id)
    assert room is not None
    step_id = rooms.current_step(room)["id"]
    roles = [r["id"] for r in room.content["roles"]]
    people = [rooms.join_room(engine, room, role=roles[(worker + i) % len(roles)])[0] for i in range(PEOPLE_PER_WORKER)]
    start.wait(60)
    sent, repeated = [], 0
    for card in range(CARDS_EACH):
        for person in people:
            card_id = str(uuid.uuid4())
            rooms.submit_card(engine, room, person, step_id, f"w{worker} {person.id[:8]} kort {card}", input_id=card_id)
            sent.append(card_id)
            if card < RETRIES_EACH:
                again = rooms.submit_card(engine, room, person, step_id, "changed on retry", input_id=card_id)
                assert again.payload["text"] != "changed on retry"  # the stored card wins
                repeated += 1
    results.put((worker, sent, repeated))
    store.dispose_all()


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_thousand_cards_from_many_processes_at_once_are_stored_exactly_once(db, request):
    db_url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    room = _open_card_room(db_url)
    engine = store.connect(db_url)
    projector = rooms.Board.empty()
    projector.apply(store.changes_since(engine, room.id, 0))
    seen_version = room.version

    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_writer, args=(db_url, room.id, w, start, results)) for w in range(WORKERS)]
    for worker in workers:
        worker.start()
    time.sleep(1)
    started = time.monotonic()
    start.set()
    reports, polls = [], 0
    while len(reports) < WORKERS and time.monotonic() - started < 180:
        # the projector's change feed runs while the writers write
        changes = store.changes_since(engine, room.id, seen_version)
        seen_version = changes.room.version
        projector.apply(changes)
        polls += 1
        while not results.empty():
            reports.append(results.get())
        time.sleep(0.05)
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0, f"a writer process failed (exit code {worker.exitcode})"
    while len(reports) < WORKERS:
        reports.append(results.get(timeout=10))
    elapsed = time.monotonic() - started
    projector.apply(store.changes_since(engine, room.id, seen_version))

    sent = [card_id for _worker, ids, _repeated in reports for card_id in ids]
    assert len(sent) == len(set(sent)) == WORKERS * PEOPLE_PER_WORKER * CARDS_EACH == 1000
    assert sum(repeated for *_, repeated in reports) == WORKERS * PEOPLE_PER_WORKER * RETRIES_EACH

    stored = store.list_inputs(engine, room.id, include_deleted=True)
    assert len(stored) == 1000
    assert {i.id for i in stored} == set(sent)
    assert sorted(i.seq for i in stored) == list(range(1, 1001))  # arrival order has no gaps or twins
    assert len({i.payload["text"] for i in stored}) == 1000
    step_id = rooms.current_step(room)["id"]
    assert len(projector.cards(step_id)) == 1000  # what the projector shows, built from the feed alone
    assert polls > 3
    summary = store.list_rooms(engine)[0]
    assert summary.input_count == 1000 and summary.participant_count == WORKERS * PEOPLE_PER_WORKER
    print(f"\n[figures] {db}: 1,000 cards from {WORKERS} processes in {elapsed:.1f} s")
    store.dispose_all()


def test_a_card_sent_while_the_database_is_locked_is_stored_once_when_the_lock_goes(sqlite_url):
    room = _open_card_room(sqlite_url)
    engine = store.connect(sqlite_url)
    person, _token = rooms.join_room(engine, room, role=room.content["roles"][0]["id"])
    step_id = rooms.current_step(room)["id"]
    context = multiprocessing.get_context("spawn")
    locked = context.Event()
    holder = context.Process(target=hold_write_lock, args=(store.Database(sqlite_url).path, 2.0, locked))
    holder.start()
    assert locked.wait(30)
    card_id = str(uuid.uuid4())
    started = time.monotonic()
    rooms.submit_card(engine, room, person, step_id, "sendt mens basen var optaget", input_id=card_id)
    waited = time.monotonic() - started
    holder.join(10)
    assert waited >= 1.0, "the write did not wait for the lock: the test held nothing"
    stored = store.list_inputs(engine, room.id)
    assert [i.id for i in stored] == [card_id]
    store.dispose_all()


def test_the_change_feed_polls_sqlite_on_the_loop_and_falls_back_to_a_thread(sqlite_url):
    import asyncio

    from bifrost_lab import live

    room = _open_card_room(sqlite_url)
    engine = store.connect(sqlite_url)
    seen: list[int] = []

    async def scenario() -> None:
        feed = live.RoomFeed(
            engine,
            room.id,
            lambda changes: seen.append(changes.room.version),
            since_version=room.version,
            interval=0.05,
        ).start()
        await asyncio.sleep(0.2)
        assert feed._reader is not None  # SQLite: the cheap reader is in use
        await asyncio.to_thread(rooms.go_to_step, engine, room, 3)
        await asyncio.sleep(0.3)
        assert seen == [room.version + 1]
        feed._reader.close()  # a broken reader: the next polls go through the store in a thread
        await asyncio.to_thread(rooms.go_to_step, engine, room, 4)
        await asyncio.sleep(0.3)
        assert seen == [room.version + 1, room.version + 2]
        started = time.process_time()
        feed._reader = store.fast_version_reader(engine, room.id)
        for _ in range(200):
            await feed.poll_once()
        assert (time.process_time() - started) / 200 < 0.001  # well under a millisecond of CPU per poll
        feed.stop()

    with ThreadPoolExecutor(max_workers=1) as thread:  # a session's Playwright may own this thread's loop
        thread.submit(asyncio.run, scenario()).result()
    store.dispose_all()


def test_sqlite_changes_are_read_on_the_kernels_loop_without_a_thread_hop(sqlite_url, monkeypatch):
    import asyncio

    from bifrost_lab import live

    room = _open_card_room(sqlite_url)
    engine = store.connect(sqlite_url)
    hops: list[str] = []
    real_to_thread = asyncio.to_thread

    async def counting_to_thread(function, *args, **kwargs):
        hops.append(function.__name__)
        return await real_to_thread(function, *args, **kwargs)

    monkeypatch.setattr(live.asyncio, "to_thread", counting_to_thread)
    seen: list[int] = []

    async def scenario() -> None:
        feed = live.RoomFeed(
            engine,
            room.id,
            lambda changes: seen.append(changes.room.version),
            since_version=room.version,
            interval=0.05,
        )
        store.set_step(engine, room.id, 3)
        assert await feed.poll_once() and seen == [room.version + 1]
        assert hops == []  # version and changes both read on the loop
        broken = store.changes_since

        def failing_once(*args):
            monkeypatch.setattr(store, "changes_since", broken)
            raise sqlite3.OperationalError("database table is locked")

        monkeypatch.setattr(store, "changes_since", failing_once)
        store.set_step(engine, room.id, 4)
        assert await feed.poll_once() and seen == [room.version + 1, room.version + 2]
        assert hops == ["changes_since"]  # the failed loop read was retried in a worker thread
        feed.stop()

    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, scenario()).result()
    store.dispose_all()
