"""The `db` command: migrate a database, and copy rooms from one database to another.

`db copy` is how a laptop's rooms move to a server (SQLite -> PostgreSQL), and it is safe to repeat:
rows already in the target are left alone, new ones are added, and the counts are checked at the end.
It works on whatever tables `store.iter_tables()` lists, so tables added by later migrations are copied too.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from bifrost_lab import config, store
from bifrost_lab.store import Database, safe_url
from bifrost_lab.store.schema import Table

# Not room data: the schema's own bookkeeping (the target's migrations fill it) and the wrong-code
# counter of the join limits (minutes-old scratch rows that would only limit the target's rooms).
NOT_COPIED = frozenset({"schema_version", "join_attempts"})


@dataclass
class TableCount:
    copied: int = 0
    present: int = 0  # already in the target (same id, or same content for tables with numeric ids)


@dataclass
class CopyReport:
    rooms: list[str] = field(default_factory=list)
    tables: dict[str, TableCount] = field(default_factory=dict)
    new_join_codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # room id -> (old, new)
    conflicts: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # verification failures

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.missing


def copied_tables() -> list[Table]:
    """Every table of the schema in foreign-key order (parents first), without schema bookkeeping."""
    return [t for t in store.iter_tables() if t.name not in NOT_COPIED]


def _room_tables() -> list[Table]:
    return [t for t in copied_tables() if t.name == "rooms" or t.has_room_id]


def _other_tables() -> list[Table]:
    return [t for t in copied_tables() if t not in _room_tables()]


def _copy_rows(
    source: Database, target: store.Connection, table: Table, room_id: str | None, count: TableCount
) -> None:
    for row in store.read_rows(source, table.name, room_id=room_id):
        if store.copy_row(target, table.name, row):
            count.copied += 1
        else:
            count.present += 1


def _prepare_room(source_room: dict[str, Any], target: store.Connection, report: CopyReport) -> bool:
    """Check the room can go into the target; give it a new join code if an open room there has its code."""
    room_id = source_room["id"]
    existing = store.get_room(target, room_id)
    if existing is not None:
        if (existing.created_at, existing.programme_id, existing.meeting_id) != (
            source_room["created_at"],
            source_room["programme_id"],
            source_room["meeting_id"],
        ):
            report.conflicts.append(f"room {room_id}: the target has a different room with this id; it was not copied")
            return False
        return True
    if source_room["status"] == "open" and store.find_open_room(target, source_room["join_code"]) is not None:
        code = store.new_join_code()
        while store.find_open_room(target, code) is not None:
            code = store.new_join_code()
        report.new_join_codes[room_id] = (source_room["join_code"], code)
    return True


def copy_rooms(source: Database, target: Database, *, room_ids: list[str] | None = None) -> CopyReport:
    """Copy rooms (all, or those listed) with every row that belongs to them; one transaction per room."""
    report = CopyReport()
    for table in copied_tables():
        report.tables[table.name] = TableCount()
    source_rooms = sorted(store.read_rows(source, "rooms"), key=lambda room: room["created_at"])
    if room_ids:
        source_rooms = [room for room in source_rooms if room["id"] in room_ids]
    unknown = set(room_ids or ()) - {room["id"] for room in source_rooms}
    report.conflicts += [f"room {room_id}: not in the source database" for room_id in sorted(unknown)]
    for source_room in source_rooms:
        with store.transaction(target) as dst:
            if not _prepare_room(source_room, dst, report):
                continue
            for table in _room_tables():
                _copy_rows(source, dst, table, source_room["id"], report.tables[table.name])
            if source_room["id"] in report.new_join_codes:
                store.set_join_code(dst, source_room["id"], report.new_join_codes[source_room["id"]][1])
        report.rooms.append(source_room["id"])
    if not room_ids:
        with store.transaction(target) as dst:
            for table in _other_tables():
                _copy_rows(source, dst, table, None, report.tables[table.name])
    report.missing = verify_copy(source, target, report.rooms, whole_tables=not room_ids)
    return report


def verify_copy(source: Database, target: Database, room_ids: list[str], *, whole_tables: bool) -> list[str]:
    """Every room's row count per table must be the same in the target (and no smaller for other tables)."""
    problems = []
    for room_id in room_ids:
        for table in _room_tables():
            expected = store.count_rows(source, table.name, room_id=room_id)
            found = store.count_rows(target, table.name, room_id=room_id)
            if expected != found:
                problems.append(
                    f"room {room_id}, table {table.name}: {expected} rows in the source, {found} in the target"
                )
    if whole_tables:
        for table in _other_tables():
            expected, found = store.count_rows(source, table.name), store.count_rows(target, table.name)
            if found < expected:
                problems.append(f"table {table.name}: {expected} rows in the source, only {found} in the target")
    return problems


def _open(url: str, what: str, out: TextIO) -> Database | None:
    try:
        return store.connect(url)
    except store.InvalidURL:
        print(
            f"bifrost-lab db: the {what} '{url}' is not a database URL. Examples: "
            "sqlite:////path/to/bifrost-lab.sqlite, postgresql+psycopg://user@host:5432/bifrost",
            file=out,
        )
    except Exception as error:  # noqa: BLE001 - the driver's error (sqlite3, psycopg): say why and stop
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"bifrost-lab db: cannot open the {what} {safe_url(url)}: {reason}", file=out)
    return None


def run_migrate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    url = args.url or config.db_url()
    try:
        probe = Database(url)
        try:
            before = store.current_schema_version(probe)
        finally:
            probe.close()
    except Exception:  # noqa: BLE001 - _open below says what is wrong
        before = None
    if before is not None and before > store.LATEST_VERSION:
        print(
            f"bifrost-lab db: {safe_url(url)} has schema version {before}, newer than this bifrost-lab "
            f"({store.LATEST_VERSION}). Update bifrost-lab on this machine.",
            file=sys.stderr,
        )
        return 2
    if _open(url, "database", sys.stderr) is None:
        return 2
    if before == store.LATEST_VERSION:
        print(f"{safe_url(url)}: schema version {before}, already up to date.", file=out)
    else:
        print(f"{safe_url(url)}: schema version {before or 0} -> {store.LATEST_VERSION}.", file=out)
    return 0


def _same_database(first: str, second: str) -> bool:
    try:
        one, other = Database(first), Database(second)
    except store.InvalidURL:
        return first == second
    return (one.dialect, one.address) == (other.dialect, other.address)


def run_copy(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if _same_database(args.source, args.target):
        print("bifrost-lab db copy: --from and --to are the same database.", file=sys.stderr)
        return 2
    source = _open(args.source, "source", sys.stderr)
    target = _open(args.target, "target", sys.stderr) if source is not None else None
    if source is None or target is None:
        return 2
    report = copy_rooms(source, target, room_ids=args.room or None)
    print(f"Copied {len(report.rooms)} room(s) from {safe_url(args.source)} to {safe_url(args.target)}.", file=out)
    print(f"  {'TABLE':<20} {'COPIED':>7} {'ALREADY THERE':>14}", file=out)
    for name, count in report.tables.items():
        print(f"  {name:<20} {count.copied:>7} {count.present:>14}", file=out)
    for room_id, (old, new) in report.new_join_codes.items():
        print(
            f"  room {room_id}: join code {old} is used by an open room in the target; its new code is {new}.", file=out
        )
    for problem in report.conflicts + report.missing:
        print(f"bifrost-lab db copy: {problem}", file=sys.stderr)
    if report.ok:
        print("Verified: every copied room has the same number of rows in each table in both databases.", file=out)
    return 0 if report.ok else 1


def add_db_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `db migrate [--url URL]` and `db copy --from URL --to URL [--room ID…]`."""
    parser = subparsers.add_parser(
        "db",
        help="migrate the database, or copy rooms to another database",
        description="Database maintenance: migrate a schema, copy rooms between databases.",
    )
    commands = parser.add_subparsers(dest="db_command", metavar="{migrate,copy}", required=True)
    migrate = commands.add_parser("migrate", help="create or upgrade the schema (the apps also do this on start)")
    migrate.add_argument("--url", default="", help="database URL (default: $BIFROST_DB_URL or the local SQLite file)")
    migrate.set_defaults(func=run_migrate)
    copy = commands.add_parser("copy", help="copy rooms with all their rows; safe to repeat; verifies the counts")
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="database to copy from")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="database to copy to (migrated first)")
    copy.add_argument("--room", action="append", default=[], metavar="ID", help="copy only this room (repeatable)")
    copy.set_defaults(func=run_copy)
    return parser
