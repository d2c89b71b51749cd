"""Erasing room data: `bifrost-lab purge ROOM_ID` and `--older-than DAYS`.

A purge deletes every row of a room (room, participants, inputs including votes and answers,
clusters, step runs) and then erases the freed space, so the statements cannot be read back from
the SQLite file or its write-ahead log either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bifrost_lab import store
from bifrost_lab.store import Database


@dataclass(frozen=True)
class PurgeResult:
    room_ids: tuple[str, ...]
    erased: bool  # False: a running server kept the SQLite WAL open; its deleted pages are freed but not yet truncated


def rooms_older_than(engine: Database, days: float, *, now: float | None = None) -> list[str]:
    """Rooms created more than `days` days ago."""
    return store.rooms_created_before(engine, (time.time() if now is None else now) - days * 86400)


def purge_rooms(engine: Database, room_ids: list[str]) -> PurgeResult:
    """Delete everything of these rooms, then erase the freed space in the database files."""
    for room_id in room_ids:
        store.purge_room(engine, room_id)
    erased = store.erase_freed_space(engine)
    return PurgeResult(tuple(room_ids), erased)
