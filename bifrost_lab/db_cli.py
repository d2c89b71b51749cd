"""The `db` command: migrate a database, and copy rooms from one database to another.

`db copy` is how a laptop's rooms move to a server (SQLite -> PostgreSQL), and it is safe to repeat:
rows already in the target are left alone, new ones are added, and the counts are checked at the end.
It works on whatever tables `store.metadata` holds, so tables added by later migrations are copied too.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import config, store

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


def copied_tables() -> list[sa.Table]:
    """Every table of the schema in foreign-key order (parents first), without schema bookkeeping."""
    return [t for t in store.metadata.sorted_tables if t.name not in NOT_COPIED]


def _numeric_key(table: sa.Table) -> sa.Column | None:
    """The table's auto-numbered primary key, if it has one: such ids are re-numbered by the target."""
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, sa.Integer) and keys[0].autoincrement in (True, "auto"):
        return keys[0]
    return None


def _identity(table: sa.Table) -> list[sa.Column]:
    """The columns that say whether a row is already in the target."""
    numeric = _numeric_key(table)
    if numeric is None:
        return list(table.primary_key.columns)
    # JSON has no equality operator on PostgreSQL; the scalar columns identify a row well enough.
    return [c for c in table.columns if c is not numeric and not c.nullable and not isinstance(c.type, sa.JSON)]


def _room_filter(table: sa.Table, room_id: str) -> Any:
    if table.name == store.rooms.name:
        return table.c.id == room_id
    return table.c.room_id == room_id


def _room_tables() -> list[sa.Table]:
    return [t for t in copied_tables() if t.name == store.rooms.name or "room_id" in t.c]


def _other_tables() -> list[sa.Table]:
    return [t for t in copied_tables() if t not in _room_tables()]


def _copy_rows(source: Connection, target: Connection, table: sa.Table, where: Any,
               id_maps: dict[str, dict[Any, Any]], count: TableCount) -> None:
    numeric = _numeric_key(table)
    identity = _identity(table)
    query = sa.select(table)
    if where is not None:
        query = query.where(where)
    for row in source.execute(query.order_by(*table.primary_key.columns)):
        values = dict(row._mapping)
        for column in table.columns:
            for fk in column.foreign_keys:
                mapping = id_maps.get(fk.column.table.name)
                if mapping is not None and values[column.name] is not None:
                    values[column.name] = mapping[values[column.name]]
        found = target.execute(
            sa.select(numeric if numeric is not None else identity[0])
            .where(*(c == values[c.name] for c in identity)).limit(1)
        ).first() if identity else None  # nothing identifies such a row: always copy it
        if found is not None:
            count.present += 1
            if numeric is not None:
                id_maps.setdefault(table.name, {})[values[numeric.name]] = found[0]
            continue
        if numeric is not None:
            old_id = values.pop(numeric.name)
            new_id = target.execute(table.insert().values(**values).returning(numeric)).scalar()
            id_maps.setdefault(table.name, {})[old_id] = new_id
        else:
            target.execute(table.insert().values(**values))
        count.copied += 1


def _prepare_room(source_room: Any, target: Connection, report: CopyReport) -> bool:
    """Check the room can go into the target; give it a new join code if an open room there has its code."""
    existing = target.execute(sa.select(store.rooms).where(store.rooms.c.id == source_room.id)).first()
    if existing is not None:
        if (existing.created_at, existing.programme_id, existing.meeting_id) != (
                source_room.created_at, source_room.programme_id, source_room.meeting_id):
            report.conflicts.append(f"room {source_room.id}: the target has a different room with this id; "
                                    "it was not copied")
            return False
        return True
    if source_room.status == "open":
        taken = target.execute(sa.select(store.rooms.c.id).where(
            store.rooms.c.join_code == source_room.join_code, store.rooms.c.status == "open")).first()
        if taken is not None:
            code = store.new_join_code()
            while target.execute(sa.select(store.rooms.c.id).where(
                    store.rooms.c.join_code == code, store.rooms.c.status == "open")).first():
                code = store.new_join_code()
            report.new_join_codes[source_room.id] = (source_room.join_code, code)
    return True


def copy_rooms(source: Engine, target: Engine, *, room_ids: list[str] | None = None) -> CopyReport:
    """Copy rooms (all, or those listed) with every row that belongs to them; one transaction per room."""
    report = CopyReport()
    for table in copied_tables():
        report.tables[table.name] = TableCount()
    with source.connect() as src:
        query = sa.select(store.rooms).order_by(store.rooms.c.created_at)
        if room_ids:
            query = query.where(store.rooms.c.id.in_(room_ids))
        source_rooms = src.execute(query).all()
        unknown = set(room_ids or ()) - {r.id for r in source_rooms}
        report.conflicts += [f"room {room_id}: not in the source database" for room_id in sorted(unknown)]
        for source_room in source_rooms:
            with store._Tx(target) as dst:  # noqa: SLF001 - the store's write transaction (BEGIN IMMEDIATE on SQLite)
                if not _prepare_room(source_room, dst, report):
                    continue
                id_maps: dict[str, dict[Any, Any]] = {}
                for table in _room_tables():
                    _copy_rows(src, dst, table, _room_filter(table, source_room.id), id_maps,
                               report.tables[table.name])
                if source_room.id in report.new_join_codes:
                    dst.execute(store.rooms.update().where(store.rooms.c.id == source_room.id)
                                .values(join_code=report.new_join_codes[source_room.id][1]))
            report.rooms.append(source_room.id)
        if not room_ids:
            with store._Tx(target) as dst:  # noqa: SLF001
                for table in _other_tables():
                    _copy_rows(src, dst, table, None, {}, report.tables[table.name])
    report.missing = verify_copy(source, target, report.rooms, whole_tables=not room_ids)
    return report


def _count(conn: Connection, table: sa.Table, where: Any) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    return conn.execute(query if where is None else query.where(where)).scalar() or 0


def verify_copy(source: Engine, target: Engine, room_ids: list[str], *, whole_tables: bool) -> list[str]:
    """Every room's row count per table must be the same in the target (and no smaller for other tables)."""
    problems = []
    with source.connect() as src, target.connect() as dst:
        for room_id in room_ids:
            for table in _room_tables():
                where = _room_filter(table, room_id)
                expected, found = _count(src, table, where), _count(dst, table, where)
                if expected != found:
                    problems.append(f"room {room_id}, table {table.name}: {expected} rows in the source, "
                                    f"{found} in the target")
        if whole_tables:
            for table in _other_tables():
                expected, found = _count(src, table, None), _count(dst, table, None)
                if found < expected:
                    problems.append(f"table {table.name}: {expected} rows in the source, only {found} in the target")
    return problems


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _open(url: str, what: str, out: TextIO) -> Engine | None:
    try:
        return store.connect(url)
    except sa.exc.ArgumentError:
        print(f"bifrost-lab db: the {what} '{url}' is not a database URL. Examples: "
              "sqlite:////path/to/bifrost-lab.sqlite, postgresql+psycopg://user@host:5432/bifrost", file=out)
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        print(f"bifrost-lab db: cannot open the {what} {safe_url(url)}: {reason}", file=out)
    return None


def run_migrate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    url = args.url or config.db_url()
    try:
        probe = sa.create_engine(url)
        before = store.current_schema_version(probe)
        probe.dispose()
    except sa.exc.SQLAlchemyError:
        before = None  # _open below says what is wrong
    if before is not None and before > store.LATEST_VERSION:
        print(f"bifrost-lab db: {safe_url(url)} has schema version {before}, newer than this bifrost-lab "
              f"({store.LATEST_VERSION}). Update bifrost-lab on this machine.", file=sys.stderr)
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
        return sa.make_url(first) == sa.make_url(second)
    except sa.exc.ArgumentError:
        return first == second


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
        print(f"  room {room_id}: join code {old} is used by an open room in the target; its new code is {new}.",
              file=out)
    for problem in report.conflicts + report.missing:
        print(f"bifrost-lab db copy: {problem}", file=sys.stderr)
    if report.ok:
        print("Verified: every copied room has the same number of rows in each table in both databases.", file=out)
    return 0 if report.ok else 1


def add_db_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `db migrate [--url URL]` and `db copy --from URL --to URL [--room ID…]`."""
    parser = subparsers.add_parser("db", help="migrate the database, or copy rooms to another database",
                                   description="Database maintenance: migrate a schema, copy rooms between databases.")
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
