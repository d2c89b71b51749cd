"""The one package that speaks SQL (with its parts `db`, the connections, and `schema`, the tables
and migrations). Everything else calls these functions.

Many kernels write the same database at once, so every write is one short transaction that
first bumps the room's `version` (which serialises writers per room and feeds the change feed),
and inserts are idempotent on client-generated ids.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Callers take Database, InvalidURL, safe_url, transaction, LATEST_VERSION, current_schema_version and
# migrate from here: the store's parts are its own business.
from bifrost_lab.store.db import (  # noqa: F401
    Connection,
    Database,
    InvalidURL,
    StoreError,
    load_json,
    read,
    safe_url,
    select_all,
    select_one,
    select_value,
    transaction,
)
from bifrost_lab.store.schema import LATEST_VERSION, TABLES, TABLES_BY_NAME, Table, current_schema_version, migrate  # noqa: F401

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
JOIN_CODE_LENGTH = 6
CLUSTER_CATEGORIES = ("insight", "barrier", "action")

# ----------------------------------------------------------------------------------------------
# Records returned to the rest of the package


@dataclass(frozen=True)
class Room:
    id: str
    programme_id: str
    meeting_id: str
    content_hash: str
    content: dict[str, Any]
    language: str
    join_code: str
    status: str
    step_index: int
    timer_running: bool
    timer_anchor: float | None
    timer_remaining: float
    step_states: dict[str, dict[str, Any]]
    created_at: float
    closed_at: float | None
    version: int
    demo: bool = False  # filled with invented data by `bifrost-lab demo` (migration 4)
    settings: dict[str, Any] = field(default_factory=dict)  # the whole room's settings (migration 5)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds left on the step timer (negative when overrun)."""
        if self.timer_running and self.timer_anchor is not None:
            return self.timer_remaining - ((now or time.time()) - self.timer_anchor)
        return self.timer_remaining


@dataclass(frozen=True)
class Participant:
    id: str
    room_id: str
    role: str
    display_name: str | None
    name_consent: bool
    language: str | None
    joined_at: float
    last_seen_at: float
    version: int


@dataclass(frozen=True)
class Input:
    id: str
    room_id: str
    step_id: str
    participant_id: str | None
    kind: str
    payload: dict[str, Any]
    hidden: bool
    deleted: bool
    seq: int
    created_at: float
    updated_at: float
    version: int
    cluster_id: str | None = None


@dataclass(frozen=True)
class Cluster:
    id: str
    room_id: str
    step_id: str
    label: str
    category: str | None
    position: int
    deleted: bool
    created_at: float
    version: int


@dataclass(frozen=True)
class StepRun:
    step_index: int
    started_at: float
    ended_at: float | None


@dataclass(frozen=True)
class RoomSummary:
    room: Room
    participant_count: int
    input_count: int


@dataclass(frozen=True)
class Changes:
    """What changed in a room since a version: the room row and the changed rows."""

    room: Room
    inputs: tuple[Input, ...] = field(default_factory=tuple)
    participants: tuple[Participant, ...] = field(default_factory=tuple)
    clusters: tuple[Cluster, ...] = field(default_factory=tuple)


class RoomNotFound(StoreError):
    pass


class LimitReached(StoreError):
    """A per-participant limit (e.g. cards per step) would be exceeded."""


class NotOwner(StoreError):
    """The input does not exist or belongs to someone else."""


# ----------------------------------------------------------------------------------------------
# Databases


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def connect(url: str) -> Database:
    """Return the process-wide database for a URL, migrated to the latest schema."""
    with _databases_lock:
        db = _databases.get(url)
        if db is None:
            db = Database(url)
            migrate(db)
            _databases[url] = db
        return db


def dispose_all() -> None:
    """Close every pooled connection (tests, purge)."""
    with _databases_lock:
        for db in _databases.values():
            db.close()
        _databases.clear()


# ----------------------------------------------------------------------------------------------
# Rows -> records


def _room(m: dict[str, Any]) -> Room:
    return Room(
        id=m["id"],
        programme_id=m["programme_id"],
        meeting_id=m["meeting_id"],
        content_hash=m["content_hash"],
        content=_json(m["content"]),
        language=m["language"],
        join_code=m["join_code"],
        status=m["status"],
        step_index=m["step_index"],
        timer_running=bool(m["timer_running"]),
        timer_anchor=m["timer_anchor"],
        timer_remaining=m["timer_remaining"],
        step_states=_json(m["step_states"]),
        created_at=m["created_at"],
        closed_at=m["closed_at"],
        version=m["version"],
        demo=bool(m["demo"]),
        settings=_json(m["settings"]) or {},
    )


def _participant(m: dict[str, Any]) -> Participant:
    return Participant(
        id=m["id"],
        room_id=m["room_id"],
        role=m["role"],
        display_name=m["display_name"],
        name_consent=bool(m["name_consent"]),
        language=m["language"],
        joined_at=m["joined_at"],
        last_seen_at=m["last_seen_at"],
        version=m["version"],
    )


def _input(m: dict[str, Any]) -> Input:
    return Input(
        id=m["id"],
        room_id=m["room_id"],
        step_id=m["step_id"],
        participant_id=m["participant_id"],
        kind=m["kind"],
        payload=_json(m["payload"]),
        hidden=bool(m["hidden"]),
        deleted=bool(m["deleted"]),
        seq=m["seq"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        version=m["version"],
        cluster_id=m.get("cluster_id"),
    )


def _cluster(m: dict[str, Any]) -> Cluster:
    return Cluster(
        id=m["id"],
        room_id=m["room_id"],
        step_id=m["step_id"],
        label=m["label"],
        category=m["category"],
        position=m["position"],
        deleted=bool(m["deleted"]),
        created_at=m["created_at"],
        version=m["version"],
    )


def _json(value: Any) -> Any:
    """A JSON column's value: text on SQLite, already decoded by psycopg (with `load_json`) on PostgreSQL."""
    return load_json(value) if isinstance(value, str) else value


def _to_json(value: Any) -> str:
    return json.dumps(value)  # as SQLAlchemy's JSON type wrote it, so old and new rows look alike


def _bump(conn: Connection, room_id: str) -> int:
    """Increment the room's version (locking its row) and return the new value."""
    new = conn.scalar("UPDATE rooms SET version = version + 1 WHERE id = :room_id RETURNING version", room_id=room_id)
    if new is None:
        raise RoomNotFound(room_id)
    return new


def _in(name: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    """`(:name0, :name1, …)` and its parameters, for `column IN …`."""
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return "(" + ", ".join(f":{key}" for key in params) + ")", params


# ----------------------------------------------------------------------------------------------
# Rooms


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def create_room(
    engine: Database,
    *,
    programme_id: str,
    meeting_id: str,
    content: dict[str, Any],
    content_hash: str,
    language: str = "da",
    demo: bool = False,
) -> Room:
    """Open a new room for one meeting; its join code is unique among open rooms.

    demo=True marks a room of invented data (`bifrost-lab demo`): left out of whatever gathers rooms.
    """
    now = time.time()
    first_duration = _step_duration_s(content, 0)
    with transaction(engine) as conn:
        while True:
            code = new_join_code()
            if not conn.one("SELECT id FROM rooms WHERE join_code = :code AND status = 'open'", code=code):
                break
        room_id = secrets.token_hex(4)
        conn.execute(
            "INSERT INTO rooms (id, programme_id, meeting_id, content_hash, content, language, join_code, status,"
            " step_index, timer_running, timer_anchor, timer_remaining, step_states, created_at, closed_at, version,"
            " demo) VALUES (:id, :programme_id, :meeting_id, :content_hash, :content, :language, :join_code, 'open',"
            " 0, :false, NULL, :timer_remaining, :step_states, :now, NULL, 1, :demo)",
            {
                "id": room_id,
                "programme_id": programme_id,
                "meeting_id": meeting_id,
                "content_hash": content_hash,
                "content": _to_json(content),
                "language": language,
                "join_code": code,
                "false": False,
                "timer_remaining": first_duration,
                "step_states": _to_json({}),
                "now": now,
                "demo": demo,
            },
        )
        conn.execute(
            "INSERT INTO step_runs (room_id, step_index, started_at) VALUES (:room_id, 0, :now)",
            {"room_id": room_id, "now": now},
        )
    room = get_room(engine, room_id)
    assert room is not None
    return room


def _step_duration_s(content: dict[str, Any], index: int) -> float:
    steps = content["meeting"]["steps"]
    if 0 <= index < len(steps):
        return float(steps[index].get("duration_min", 0)) * 60
    return 0.0


def get_room(engine: Database | Connection, room_id: str) -> Room | None:
    row = select_one(engine, "SELECT * FROM rooms WHERE id = :room_id", room_id=room_id)
    return _room(row) if row else None


def find_open_room(engine: Database | Connection, join_code: str) -> Room | None:
    """The open room with this join code, or None."""
    row = select_one(engine, "SELECT * FROM rooms WHERE join_code = :code AND status = 'open'", code=join_code)
    return _room(row) if row else None


def latest_room_with_code(engine: Database | Connection, join_code: str) -> Room | None:
    """The newest room, open or closed, that had this join code (to tell a late arrival the meeting has ended)."""
    row = select_one(
        engine, "SELECT * FROM rooms WHERE join_code = :code ORDER BY created_at DESC LIMIT 1", code=join_code
    )
    return _room(row) if row else None


def list_rooms(
    engine: Database, *, status: str | None = None, include_demo: bool = True, limit: int | None = None
) -> list[RoomSummary]:
    """All rooms (or the newest `limit`), newest first, with participant and input counts.

    A list of rooms shows demo rooms (each says it is one: `Room.demo`); whatever gathers the content of
    several rooms (synthesis, carried commitments) passes include_demo=False unless asked otherwise.
    """
    where = [*(["status = :status"] if status else []), *([] if include_demo else ["NOT demo"])]
    rows = select_all(
        engine,
        "SELECT rooms.*,"
        " (SELECT count(*) FROM participants WHERE participants.room_id = rooms.id) AS p_count,"
        " (SELECT count(*) FROM inputs WHERE inputs.room_id = rooms.id AND NOT inputs.deleted) AS i_count"
        " FROM rooms"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY created_at DESC"
        + (" LIMIT :limit" if limit is not None else ""),
        status=status,
        limit=limit,
    )
    return [RoomSummary(_room(r), r["p_count"], r["i_count"]) for r in rows]


def rooms_with_inputs(
    engine: Database, kind: str, *, include_demo: bool = False, status: str | None = None
) -> list[Room]:
    """Rooms holding live inputs of a kind (e.g. the catalogue's solutions), newest first.

    Demo rooms are left out unless include_demo: their invented inputs must not reach a real meeting.
    """
    rows = select_all(
        engine,
        "SELECT * FROM rooms WHERE EXISTS (SELECT 1 FROM inputs WHERE inputs.room_id = rooms.id"
        " AND inputs.kind = :kind AND NOT inputs.deleted)"
        + ("" if include_demo else " AND NOT demo")
        + (" AND status = :status" if status else "")
        + " ORDER BY created_at DESC",
        kind=kind,
        status=status,
    )
    return [_room(r) for r in rows]


def set_room_demo(engine: Database, room_id: str, demo: bool = True) -> Room:
    """Mark a room as demo data (or not), e.g. one `bifrost-lab demo` made before migration 4."""
    with transaction(engine) as conn:
        version = _bump(conn, room_id)
        conn.execute(
            "UPDATE rooms SET demo = :demo, version = :version WHERE id = :room_id",
            {"demo": demo, "version": version, "room_id": room_id},
        )
    return get_room(engine, room_id)  # type: ignore[return-value]


def set_step(engine: Database, room_id: str, step_index: int) -> Room:
    """Move the room to a step. Every step starts paused: at its full time on the first visit, at the time it
    had left when the room comes back to it (kept in the step's state as `timer_left`)."""
    now = time.time()
    with transaction(engine) as conn:
        room = _read_room(conn, room_id)
        steps = room.content["meeting"]["steps"]
        step_index = max(0, min(step_index, len(steps) - 1))
        if step_index == room.step_index:
            return room
        states = {k: dict(v) for k, v in room.step_states.items()}
        states.setdefault(steps[room.step_index]["id"], {})["timer_left"] = room.seconds_left(now)
        left = states.get(steps[step_index]["id"], {}).get("timer_left")
        version = _bump(conn, room_id)
        conn.execute(
            "UPDATE rooms SET step_index = :step_index, timer_running = :false, timer_anchor = NULL,"
            " timer_remaining = :remaining, step_states = :states, version = :version WHERE id = :room_id",
            {
                "step_index": step_index,
                "false": False,
                "version": version,
                "room_id": room_id,
                "remaining": float(left) if left is not None else _step_duration_s(room.content, step_index),
                "states": _to_json(states),
            },
        )
        conn.execute(
            "UPDATE step_runs SET ended_at = :now WHERE room_id = :room_id AND ended_at IS NULL",
            {"now": now, "room_id": room_id},
        )
        conn.execute(
            "INSERT INTO step_runs (room_id, step_index, started_at) VALUES (:room_id, :step_index, :now)",
            {"room_id": room_id, "step_index": step_index, "now": now},
        )
    return get_room(engine, room_id)  # type: ignore[return-value]


def _read_room(conn: Connection, room_id: str) -> Room:
    room = get_room(conn, room_id)
    if room is None:
        raise RoomNotFound(room_id)
    return room


def set_timer(
    engine: Database,
    room_id: str,
    *,
    running: bool | None = None,
    add_seconds: float = 0.0,
    remaining: float | None = None,
) -> Room:
    """Start/pause the step timer, add time, or set what is left."""
    now = time.time()
    with transaction(engine) as conn:
        room = _read_room(conn, room_id)
        left = room.seconds_left(now) if remaining is None else remaining
        left += add_seconds
        run = room.timer_running if running is None else running
        version = _bump(conn, room_id)
        conn.execute(
            "UPDATE rooms SET timer_running = :run, timer_anchor = :anchor, timer_remaining = :left,"
            " version = :version WHERE id = :room_id",
            {"run": run, "anchor": now if run else None, "left": left, "version": version, "room_id": room_id},
        )
    return get_room(engine, room_id)  # type: ignore[return-value]


def set_step_state(engine: Database, room_id: str, step_id: str, **state: Any) -> Room:
    """Merge flags (locked, revealed, anonymous, …) into one step's state."""
    with transaction(engine) as conn:
        room = _read_room(conn, room_id)
        states = {k: dict(v) for k, v in room.step_states.items()}
        states.setdefault(step_id, {}).update(state)
        version = _bump(conn, room_id)
        conn.execute(
            "UPDATE rooms SET step_states = :states, version = :version WHERE id = :room_id",
            {"states": _to_json(states), "version": version, "room_id": room_id},
        )
    return get_room(engine, room_id)  # type: ignore[return-value]


def close_room(engine: Database, room_id: str) -> Room:
    """Close a room: its join code stops working; its data stays until purged."""
    now = time.time()
    with transaction(engine) as conn:
        version = _bump(conn, room_id)
        conn.execute(
            "UPDATE rooms SET status = 'closed', closed_at = :now, timer_running = :false,"
            " version = :version WHERE id = :room_id",
            {"now": now, "false": False, "version": version, "room_id": room_id},
        )
        conn.execute(
            "UPDATE step_runs SET ended_at = :now WHERE room_id = :room_id AND ended_at IS NULL",
            {"now": now, "room_id": room_id},
        )
    return get_room(engine, room_id)  # type: ignore[return-value]


def reopen_room(engine: Database, room_id: str) -> Room:
    """Open a closed room again (the moderator closed it by mistake): its join code works again, or a new one does
    when another open room has taken the code meanwhile. The timer stays paused."""
    now = time.time()
    with transaction(engine) as conn:
        room = _read_room(conn, room_id)
        if room.is_open:
            return room
        code = room.join_code
        while conn.one("SELECT id FROM rooms WHERE join_code = :code AND status = 'open'", code=code):
            code = new_join_code()
        version = _bump(conn, room_id)
        conn.execute(
            "UPDATE rooms SET status = 'open', closed_at = NULL, join_code = :code, version = :version"
            " WHERE id = :room_id",
            {"code": code, "version": version, "room_id": room_id},
        )
        conn.execute(
            "INSERT INTO step_runs (room_id, step_index, started_at) VALUES (:room_id, :step_index, :now)",
            {"room_id": room_id, "step_index": room.step_index, "now": now},
        )
    return get_room(engine, room_id)  # type: ignore[return-value]


def set_room_settings(engine: Database, room_id: str, **settings: Any) -> Room:
    """Merge settings of the whole room (e.g. hide_names) into its settings."""
    with transaction(engine) as conn:
        room = _read_room(conn, room_id)
        version = _bump(conn, room_id)
        conn.execute(
            "UPDATE rooms SET settings = :settings, version = :version WHERE id = :room_id",
            {"settings": _to_json({**room.settings, **settings}), "version": version, "room_id": room_id},
        )
    return get_room(engine, room_id)  # type: ignore[return-value]


def room_version(engine: Database, room_id: str) -> int | None:
    """The room's change counter: the one cheap query every kernel polls."""
    return select_value(engine, "SELECT version FROM rooms WHERE id = :room_id", room_id=room_id)


def fast_version_reader(engine: Database, room_id: str) -> Callable[[], int | None] | None:
    """For SQLite: a function that reads the room's version on its own connection, in microseconds.

    Every kernel polls a few times a second; through the pool and a worker thread a poll costs
    ~0.5 ms of CPU, this ~0.01 ms (measured), so it can run on the kernel's loop. A WAL reader does
    not wait for writers. None for other databases (poll with `room_version` in a thread).
    """
    if engine.path is None:
        return None
    conn = sqlite3.connect(
        f"file:{engine.path}?mode=ro", uri=True, timeout=0.2, check_same_thread=False, isolation_level=None
    )
    sql = "SELECT version FROM rooms WHERE id = ?"

    def read() -> int | None:
        row = conn.execute(sql, (room_id,)).fetchone()
        return row[0] if row else None

    read.close = conn.close  # type: ignore[attr-defined]
    return read


def changes_since(engine: Database, room_id: str, version: int) -> Changes:
    """The room and every input/participant row changed after `version` (deleted rows included)."""

    def changes(conn: Connection) -> Changes:
        # One snapshot on SQLite (PostgreSQL reads each statement's freshly committed data).
        if conn.dialect == "sqlite":
            conn.execute("BEGIN")
        row = conn.one("SELECT * FROM rooms WHERE id = :room_id", room_id=room_id)
        if row is None:
            raise RoomNotFound(room_id)
        params = {"room_id": room_id, "version": version}
        changed_inputs = conn.all(
            "SELECT * FROM inputs WHERE room_id = :room_id AND version > :version ORDER BY seq", **params
        )
        changed_people = conn.all(
            "SELECT * FROM participants WHERE room_id = :room_id AND version > :version", **params
        )
        changed_clusters = conn.all(
            "SELECT * FROM clusters WHERE room_id = :room_id AND version > :version ORDER BY position", **params
        )
        if conn.dialect == "sqlite":
            conn.execute("COMMIT")
        return Changes(
            _room(row),
            tuple(_input(r) for r in changed_inputs),
            tuple(_participant(r) for r in changed_people),
            tuple(_cluster(r) for r in changed_clusters),
        )

    return read(engine, changes)


def step_runs_of(engine: Database, room_id: str) -> list[StepRun]:
    rows = select_all(engine, "SELECT * FROM step_runs WHERE room_id = :room_id ORDER BY id", room_id=room_id)
    return [StepRun(r["step_index"], r["started_at"], r["ended_at"]) for r in rows]


# ----------------------------------------------------------------------------------------------
# Participants


def add_participant(
    engine: Database,
    *,
    room_id: str,
    participant_id: str,
    token_hash: str,
    role: str,
    display_name: str | None = None,
    name_consent: bool = False,
    language: str | None = None,
) -> Participant:
    """Register a participant (idempotent on participant_id)."""
    now = time.time()
    with transaction(engine) as conn:
        existing = conn.one("SELECT * FROM participants WHERE id = :id", id=participant_id)
        if existing:
            return _participant(existing)
        version = _bump(conn, room_id)
        conn.execute(
            "INSERT INTO participants (id, room_id, token_hash, role, display_name, name_consent, language,"
            " joined_at, last_seen_at, version) VALUES (:id, :room_id, :token_hash, :role, :display_name,"
            " :name_consent, :language, :now, :now, :version)",
            {
                "id": participant_id,
                "room_id": room_id,
                "token_hash": token_hash,
                "role": role,
                "display_name": display_name,
                "name_consent": name_consent,
                "language": language,
                "now": now,
                "version": version,
            },
        )
        row = conn.one("SELECT * FROM participants WHERE id = :id", id=participant_id)
    assert row is not None  # written in the same transaction
    return _participant(row)


def participant_by_token(engine: Database, room_id: str, token_hash: str) -> Participant | None:
    row = select_one(
        engine,
        "SELECT * FROM participants WHERE room_id = :room_id AND token_hash = :token_hash",
        room_id=room_id,
        token_hash=token_hash,
    )
    return _participant(row) if row else None


def list_participants(engine: Database, room_id: str) -> list[Participant]:
    rows = select_all(engine, "SELECT * FROM participants WHERE room_id = :room_id ORDER BY joined_at", room_id=room_id)
    return [_participant(r) for r in rows]


def touch_participant(engine: Database, participant_id: str) -> None:
    """Record that a participant is still around (no version bump: nobody needs to re-render)."""
    with transaction(engine) as conn:
        conn.execute(
            "UPDATE participants SET last_seen_at = :now WHERE id = :id", {"now": time.time(), "id": participant_id}
        )


# ----------------------------------------------------------------------------------------------
# Inputs


def add_input(
    engine: Database,
    *,
    input_id: str,
    room_id: str,
    step_id: str,
    participant_id: str | None,
    kind: str,
    payload: dict[str, Any],
    max_per_participant: int | None = None,
) -> tuple[Input, bool]:
    """Store one input exactly once. Returns (input, created); a repeated id returns the stored one."""
    now = time.time()
    with transaction(engine) as conn:
        existing = conn.one("SELECT * FROM inputs WHERE id = :id", id=input_id)
        if existing:
            if existing["room_id"] != room_id or existing["participant_id"] != participant_id:
                raise NotOwner(input_id)
            return _input(existing), False
        if max_per_participant is not None and participant_id is not None:
            count = conn.scalar(
                "SELECT count(*) FROM inputs WHERE room_id = :room_id AND step_id = :step_id AND kind = :kind"
                " AND participant_id = :participant_id AND NOT deleted",
                room_id=room_id,
                step_id=step_id,
                kind=kind,
                participant_id=participant_id,
            )
            if count >= max_per_participant:
                raise LimitReached(f"{count} of {max_per_participant}")
        version = _bump(conn, room_id)
        seq = (conn.scalar("SELECT max(seq) FROM inputs WHERE room_id = :room_id", room_id=room_id) or 0) + 1
        conn.execute(
            "INSERT INTO inputs (id, room_id, step_id, participant_id, kind, payload, hidden, deleted, seq,"
            " created_at, updated_at, version) VALUES (:id, :room_id, :step_id, :participant_id, :kind, :payload,"
            " :false, :false, :seq, :now, :now, :version)",
            {
                "id": input_id,
                "room_id": room_id,
                "step_id": step_id,
                "participant_id": participant_id,
                "kind": kind,
                "payload": _to_json(payload),
                "false": False,
                "seq": seq,
                "now": now,
                "version": version,
            },
        )
        row = conn.one("SELECT * FROM inputs WHERE id = :id", id=input_id)
    assert row is not None  # written in the same transaction
    return _input(row), True


def _owned(conn: Connection, input_id: str, participant_id: str | None) -> Input:
    row = conn.one("SELECT * FROM inputs WHERE id = :id", id=input_id)
    if row is None or row["deleted"] or row["participant_id"] != participant_id:
        raise NotOwner(input_id)
    assert row is not None  # written in the same transaction
    return _input(row)


def update_input(engine: Database, *, input_id: str, participant_id: str | None, payload: dict[str, Any]) -> Input:
    """Change the payload of one's own input."""
    with transaction(engine) as conn:
        current = _owned(conn, input_id, participant_id)
        if current.payload == payload:
            return current
        version = _bump(conn, current.room_id)
        conn.execute(
            "UPDATE inputs SET payload = :payload, updated_at = :now, version = :version WHERE id = :id",
            {"payload": _to_json(payload), "now": time.time(), "version": version, "id": input_id},
        )
        row = conn.one("SELECT * FROM inputs WHERE id = :id", id=input_id)
    assert row is not None  # written in the same transaction
    return _input(row)


def delete_input(engine: Database, *, input_id: str, participant_id: str | None) -> None:
    """Delete one's own input (kept as a tombstone so every page sees the deletion)."""
    with transaction(engine) as conn:
        current = _owned(conn, input_id, participant_id)
        version = _bump(conn, current.room_id)
        conn.execute(
            "UPDATE inputs SET deleted = :true, payload = :payload, updated_at = :now, version = :version"
            " WHERE id = :id",
            {"true": True, "payload": _to_json({}), "now": time.time(), "version": version, "id": input_id},
        )


def set_input_hidden(engine: Database, *, input_id: str, hidden: bool) -> None:
    """Moderator: hide an input from the projector (kept in the data, marked) or show it again."""
    with transaction(engine) as conn:
        row = conn.one("SELECT room_id FROM inputs WHERE id = :id", id=input_id)
        if row is None:
            raise NotOwner(input_id)
        version = _bump(conn, row["room_id"])
        conn.execute(
            "UPDATE inputs SET hidden = :hidden, version = :version WHERE id = :id",
            {"hidden": hidden, "version": version, "id": input_id},
        )


def list_inputs(
    engine: Database,
    room_id: str,
    *,
    step_id: str | None = None,
    participant_id: str | None = None,
    include_deleted: bool = False,
) -> list[Input]:
    """Inputs of a room in order of arrival."""
    sql = "SELECT * FROM inputs WHERE room_id = :room_id"
    if step_id is not None:
        sql += " AND step_id = :step_id"
    if participant_id is not None:
        sql += " AND participant_id = :participant_id"
    if not include_deleted:
        sql += " AND NOT deleted"
    rows = select_all(engine, sql + " ORDER BY seq", room_id=room_id, step_id=step_id, participant_id=participant_id)
    return [_input(r) for r in rows]


# ----------------------------------------------------------------------------------------------
# Clusters (facilitator only). Each function returns what an undo needs; nothing is ever lost:
# deleting or merging a cluster marks it deleted and moves its cards, which an undo moves back.


def list_clusters(
    engine: Database, room_id: str, step_id: str | None = None, *, include_deleted: bool = False
) -> list[Cluster]:
    """Clusters of a room (or of one step), in the facilitator's order."""
    sql = "SELECT * FROM clusters WHERE room_id = :room_id"
    if step_id is not None:
        sql += " AND step_id = :step_id"
    if not include_deleted:
        sql += " AND NOT deleted"
    rows = select_all(engine, sql + " ORDER BY position, created_at", room_id=room_id, step_id=step_id)
    return [_cluster(r) for r in rows]


def get_cluster(engine: Database, cluster_id: str) -> Cluster | None:
    row = select_one(engine, "SELECT * FROM clusters WHERE id = :id", id=cluster_id)
    return _cluster(row) if row else None


def create_cluster(
    engine: Database, *, cluster_id: str, room_id: str, step_id: str, label: str, category: str | None = None
) -> Cluster:
    """Create a cluster (idempotent on cluster_id; an existing, deleted one is restored)."""
    if category is not None and category not in CLUSTER_CATEGORIES:
        raise ValueError(category)
    with transaction(engine) as conn:
        existing = conn.one("SELECT * FROM clusters WHERE id = :id", id=cluster_id)
        version = _bump(conn, room_id)
        if existing:
            if existing["room_id"] != room_id:
                raise NotOwner(cluster_id)
            conn.execute(
                "UPDATE clusters SET deleted = :false, version = :version WHERE id = :id",
                {"false": False, "version": version, "id": cluster_id},
            )
        else:
            position = (
                conn.scalar("SELECT max(position) FROM clusters WHERE room_id = :room_id", room_id=room_id) or 0
            ) + 1
            conn.execute(
                "INSERT INTO clusters (id, room_id, step_id, label, category, position, deleted, created_at, version)"
                " VALUES (:id, :room_id, :step_id, :label, :category, :position, :false, :now, :version)",
                {
                    "id": cluster_id,
                    "room_id": room_id,
                    "step_id": step_id,
                    "label": label,
                    "category": category,
                    "position": position,
                    "false": False,
                    "now": time.time(),
                    "version": version,
                },
            )
        row = conn.one("SELECT * FROM clusters WHERE id = :id", id=cluster_id)
    assert row is not None  # written in the same transaction
    return _cluster(row)


def update_cluster(
    engine: Database,
    cluster_id: str,
    *,
    label: str | None = None,
    category: str | None = None,
    clear_category: bool = False,
    deleted: bool | None = None,
) -> Cluster:
    """Rename, (re)categorise, delete or restore a cluster. Returns the cluster as it was before."""
    with transaction(engine) as conn:
        row = conn.one("SELECT * FROM clusters WHERE id = :id", id=cluster_id)
        if row is None:
            raise NotOwner(cluster_id)
        before = _cluster(row)
        values: dict[str, Any] = {}
        if label is not None:
            values["label"] = label
        if category is not None:
            if category not in CLUSTER_CATEGORIES:
                raise ValueError(category)
            values["category"] = category
        if clear_category:
            values["category"] = None
        if deleted is not None:
            values["deleted"] = deleted
        if values:
            values["version"] = _bump(conn, before.room_id)
            assignments = ", ".join(f"{column} = :{column}" for column in values)  # column names from this code
            conn.execute(
                f"UPDATE clusters SET {assignments} WHERE id = :cluster_id", {**values, "cluster_id": cluster_id}
            )
    return before


def assign_cluster(
    engine: Database, room_id: str, input_ids: Iterable[str], cluster_id: str | None
) -> dict[str, str | None]:
    """Move inputs into a cluster (None = out of every cluster). Returns each input's previous cluster."""
    ids = list(dict.fromkeys(input_ids))
    with transaction(engine) as conn:
        rows = []
        if ids:
            in_ids, params = _in("id", ids)
            rows = conn.all(
                f"SELECT id, cluster_id FROM inputs WHERE room_id = :room_id AND id IN {in_ids}",
                room_id=room_id,
                **params,
            )
        if cluster_id is not None:
            target = conn.one("SELECT room_id FROM clusters WHERE id = :id", id=cluster_id)
            if target is None or target["room_id"] != room_id:
                raise NotOwner(cluster_id)
        previous = {r["id"]: r["cluster_id"] for r in rows}
        if previous:
            version = _bump(conn, room_id)
            in_ids, params = _in("id", list(previous))
            conn.execute(
                f"UPDATE inputs SET cluster_id = :cluster_id, version = :version WHERE id IN {in_ids}",
                {"cluster_id": cluster_id, "version": version, **params},
            )
    return previous


def restore_assignments(engine: Database, room_id: str, previous: dict[str, str | None]) -> None:
    """Put inputs back into the clusters they were in (the undo of `assign_cluster`)."""
    with transaction(engine) as conn:
        version = _bump(conn, room_id)
        for input_id, cluster_id in previous.items():
            conn.execute(
                "UPDATE inputs SET cluster_id = :cluster_id, version = :version WHERE id = :id AND room_id = :room_id",
                {"cluster_id": cluster_id, "version": version, "id": input_id, "room_id": room_id},
            )


def cluster_members(engine: Database, cluster_id: str) -> list[str]:
    rows = select_all(
        engine, "SELECT id FROM inputs WHERE cluster_id = :cluster_id ORDER BY seq", cluster_id=cluster_id
    )
    return [r["id"] for r in rows]


def purge_room(engine: Database, room_id: str) -> None:
    """Delete every row of a room: the room and every table with a room_id (inputs, votes, participants,
    clusters, step runs, and whatever later migrations add)."""
    with transaction(engine) as conn:
        for table in reversed(TABLES):
            if table.has_room_id:
                conn.execute(f"DELETE FROM {table.name} WHERE room_id = :room_id", {"room_id": room_id})
        conn.execute("DELETE FROM rooms WHERE id = :room_id", {"room_id": room_id})


def scrub_for_sharing(engine: Database, room_id: str) -> None:
    """Make a copy of a room fit to leave the organisation (the knowledge package's database, docs/export.md).

    Names stay only of participants who agreed to be named, rejoin tokens are replaced by the participant's
    id, inputs the participants deleted are gone and the join code is blanked. Only ever run on a copy.
    """
    with transaction(engine) as conn:
        params = {"room_id": room_id}
        conn.execute(
            "UPDATE participants SET display_name = NULL WHERE room_id = :room_id AND NOT name_consent", params
        )
        conn.execute("UPDATE participants SET token_hash = id WHERE room_id = :room_id", params)
        conn.execute("DELETE FROM inputs WHERE room_id = :room_id AND deleted", params)
        conn.execute("UPDATE rooms SET join_code = '' WHERE id = :room_id", params)


def seal_sqlite_file(path: str) -> None:
    """Make a closed SQLite file complete on its own (rollback journal, not WAL): fit to zip, mail, open read-only."""
    raw = sqlite3.connect(path)
    try:
        raw.execute("PRAGMA journal_mode=DELETE")
    finally:
        raw.close()


def rooms_created_before(engine: Database, cutoff: float) -> list[str]:
    """Ids of the rooms created before a time (seconds since the epoch), oldest first."""
    rows = select_all(engine, "SELECT id FROM rooms WHERE created_at < :cutoff ORDER BY created_at", cutoff=cutoff)
    return [r["id"] for r in rows]


def count_room_rows(engine: Database | Connection, room_id: str) -> dict[str, int]:
    """Rows that still belong to a room, per table (all zero after a purge)."""
    return {
        table.name: count_rows(engine, table.name, room_id=room_id)
        for table in TABLES
        if table.name == "rooms" or table.has_room_id
    }


def erase_freed_space(engine: Database) -> bool:
    """After deleting: make the deleted bytes unrecoverable from the database files.

    SQLite keeps deleted rows in free pages and in the write-ahead log, so the file is rebuilt (VACUUM,
    with secure_delete) and the WAL is checkpointed and truncated. Returns False when another connection
    kept the WAL from being truncated (a running server: purge again once it has stopped).
    PostgreSQL: VACUUM reclaims the dead rows (docs/security.md says what that does not cover).
    """
    conn, _reused = engine.checkout()  # in autocommit mode, which VACUUM needs
    try:
        if conn.dialect == "sqlite":
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("VACUUM")
            row = conn.one("PRAGMA wal_checkpoint(TRUNCATE)")
            return row is not None and next(iter(row.values())) == 0  # (busy, log, checkpointed)
        for table in TABLES:
            conn.execute(f'VACUUM "{table.name}"')
        return True
    finally:
        engine.checkin(conn)


# ----------------------------------------------------------------------------------------------
# Join attempts (migration 3)


def record_failed_join(engine: Database, source: str, *, keep_seconds: float = 86400) -> None:
    """Remember one wrong join code from a page; attempts older than `keep_seconds` are forgotten."""
    now = time.time()
    with transaction(engine) as conn:
        conn.execute("DELETE FROM join_attempts WHERE at < :cutoff", {"cutoff": now - keep_seconds})
        conn.execute(
            "INSERT INTO join_attempts (source, at) VALUES (:source, :now)", {"source": source[:64], "now": now}
        )


def failed_joins_since(engine: Database, since: float, source: str | None = None) -> tuple[int, float | None]:
    """How many wrong codes were tried since a time (by one page, or by all) and the oldest such time."""
    row = select_one(
        engine,
        "SELECT count(*) AS n, min(at) AS oldest FROM join_attempts WHERE at >= :since"
        + (" AND source = :source" if source is not None else ""),
        since=since,
        source=source,
    )
    assert row is not None
    return int(row["n"] or 0), row["oldest"]


# ----------------------------------------------------------------------------------------------
# Whole tables (db migrate / db copy)


def iter_tables() -> Iterable[Table]:
    """Every table of the schema, parents first."""
    return TABLES


def read_rows(engine: Database | Connection, table: str, *, room_id: str | None = None) -> list[dict[str, Any]]:
    """A table's rows (or one room's) as dicts of Python values, in primary-key order."""
    spec = TABLES_BY_NAME[table]
    sql = f"SELECT {', '.join(spec.columns)} FROM {spec.name}" + _of_room(spec, room_id)
    rows = select_all(engine, sql + f" ORDER BY {spec.key}", room_id=room_id)
    if engine.dialect == "sqlite":  # psycopg returns these decoded already
        for row in rows:
            for column in spec.json_columns:
                row[column] = json.loads(row[column])
            for column in spec.bool_columns:
                row[column] = bool(row[column])
    return rows


def _of_room(spec: Table, room_id: str | None) -> str:
    """The WHERE clause that picks one room's rows (none when room_id is None)."""
    if room_id is None:
        return ""
    return f" WHERE {'id' if spec.name == 'rooms' else 'room_id'} = :room_id"


def count_rows(engine: Database | Connection, table: str, *, room_id: str | None = None) -> int:
    """How many rows a table has (or has for one room)."""
    spec = TABLES_BY_NAME[table]
    return select_value(engine, f"SELECT count(*) FROM {spec.name}" + _of_room(spec, room_id), room_id=room_id) or 0


def copy_row(conn: Connection, table: str, row: dict[str, Any]) -> bool:
    """Insert a row read by `read_rows` from another database unless it is there. Returns whether it was added.

    Rows are found by their id; rows numbered by the database (step runs) by their other columns, and
    they get the target's next number.
    """
    spec = TABLES_BY_NAME[table]
    identity = spec.serial_identity or (spec.key,)
    where = " AND ".join(f"{column} = :{column}" for column in identity)
    if conn.one(f"SELECT {spec.key} FROM {spec.name} WHERE {where}", **{c: row[c] for c in identity}):
        return False
    columns = [c for c in spec.columns if not (spec.serial_identity and c == spec.key)]
    values = {c: _to_json(row[c]) if c in spec.json_columns else row[c] for c in columns}
    conn.execute(
        f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})", values
    )
    return True


def set_join_code(conn: Connection, room_id: str, join_code: str) -> None:
    """Give a room another join code (inside a `transaction`, e.g. while copying it)."""
    conn.execute("UPDATE rooms SET join_code = :code WHERE id = :room_id", {"code": join_code, "room_id": room_id})
