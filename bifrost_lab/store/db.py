"""The store's connections: the DB-API drivers behind one small interface (part of the store).

SQLite through the standard library's sqlite3; PostgreSQL through psycopg 3, imported only when a
PostgreSQL URL is opened. No ORM: a participant kernel loads only what it uses (docs/benchmarks.md).
SQL is written once with `:name` parameters; psycopg gets them as `%(name)s`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bifrost_lab import config, textrules

T = TypeVar("T")


class StoreError(Exception):
    """Base class of the store's own errors."""


class InvalidURL(StoreError, ValueError):
    """Not a database URL this store can open."""


class Connection:
    """One driver connection (sqlite3 or psycopg) that takes the store's SQL (`:name` parameters)
    and returns rows as dicts."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw = raw
        self.dialect = dialect

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        """Run one statement; returns the driver's cursor."""
        if self.dialect == "postgresql":
            sql = _pg_sql(sql)
        return self.raw.execute(sql, params or {})

    def one(self, sql: str, **params: Any) -> dict[str, Any] | None:
        cursor = self.execute(sql, params)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()  # a sqlite3 statement stays active until its cursor is closed

    def all(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        cursor = self.execute(sql, params)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def scalar(self, sql: str, **params: Any) -> Any:
        row = self.one(sql, **params)
        return next(iter(row.values())) if row else None

    @property
    def in_transaction(self) -> bool:
        if self.dialect == "sqlite":
            return self.raw.in_transaction
        return self.raw.info.transaction_status != 0  # psycopg.pq.TransactionStatus.IDLE

    @property
    def broken(self) -> bool:
        """Lost (PostgreSQL went away): never reuse it."""
        return self.dialect == "postgresql" and (self.raw.closed or self.raw.broken)


@functools.lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """`:name` parameters as psycopg's `%(name)s` (and literal % doubled), translated once per statement."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


def load_json(text: str | bytes) -> Any:
    """A JSON column's value, with any lone surrogate an old row holds replaced (it would stop every
    page and export that meets it: no UTF-8 file, websocket message or spreadsheet can carry one)."""
    value = json.loads(text)
    return textrules.scrub(value) if textrules.json_may_hold_surrogates(text) else value


def _decode_text(raw: bytes) -> str:
    """SQLite TEXT that is not UTF-8 (written by another tool) is read with U+FFFD, not refused."""
    return raw.decode("utf-8", "replace")


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row)}


class Database:
    """A database URL and a few idle connections to reuse; what every store function takes.

    Connections are opened on demand, one per concurrent user (thread), and up to `keep_idle` are kept.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect, self.address = _parse_url(url)
        self.keep_idle = 5 if self.dialect == "sqlite" else 2
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._transient: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)
        self._keep_alive: Connection | None = None
        if self.dialect == "postgresql":
            import psycopg  # only PostgreSQL users pay for the driver

            self._transient = (psycopg.OperationalError,)
        elif self.path is None:  # an in-memory database lives as long as one connection to it
            self._keep_alive = self._open()

    def __repr__(self) -> str:
        return f"Database({safe_url(self.url)!r})"

    @property
    def path(self) -> str | None:
        """The SQLite file (None for PostgreSQL and for in-memory SQLite)."""
        if self.dialect != "sqlite" or self.address.startswith("file:"):
            return None
        return self.address

    def _open(self) -> Connection:
        if self.dialect == "sqlite":
            busy = float(config.setting("db_busy_timeout"))
            # isolation_level=None: the driver opens no transactions of its own; we emit BEGIN (IMMEDIATE).
            raw = sqlite3.connect(
                self.address,
                timeout=busy,
                isolation_level=None,
                check_same_thread=False,
                uri=self.address.startswith("file:"),
            )
            raw.row_factory = _dict_row
            raw.text_factory = _decode_text
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            raw.execute("PRAGMA foreign_keys=ON")
            return Connection(raw, "sqlite")
        import psycopg
        from psycopg.rows import dict_row
        from psycopg.types.json import set_json_loads

        # Reads run in autocommit: a poll is one round trip instead of BEGIN/SELECT/ROLLBACK, and under
        # READ COMMITTED each statement saw freshly committed data anyway. Writes emit BEGIN.
        # No server-side prepared statements (psycopg makes them after 5 runs of a query): they break
        # behind a transaction-mode pooler such as pgbouncer, and planning these small queries costs
        # next to nothing.
        pg = psycopg.connect(self.address, autocommit=True, prepare_threshold=None, row_factory=dict_row)
        set_json_loads(load_json, pg)  # PostgreSQL's JSON type keeps a "\\udc80" escape as written
        return Connection(pg, "postgresql")

    def checkout(self) -> tuple[Connection, bool]:
        """A connection for this thread alone, and whether it was reused from the idle ones."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._open(), False

    def checkin(self, conn: Connection) -> None:
        """Give a connection back: rolled back if a transaction was left open, closed if broken or surplus."""
        try:
            if not conn.broken and conn.in_transaction:
                conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - a connection that cannot roll back is not reused
            _close(conn)
            return
        if conn.broken:
            _close(conn)
            return
        with self._lock:
            if len(self._idle) < self.keep_idle:
                self._idle.append(conn)
                return
        _close(conn)

    def is_transient(self, error: BaseException) -> bool:
        """A locked SQLite file or a lost/refused database connection: worth trying again."""
        return isinstance(error, self._transient)

    def close(self) -> None:
        """Close the idle connections (the database stays usable: new ones are opened on demand)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close(conn)


def _close(conn: Connection) -> None:
    try:
        conn.raw.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone either way
        pass


def _parse_url(url: str) -> tuple[str, str]:
    """(dialect, address): a SQLite path (or shared in-memory URI) or a libpq connection URI."""
    scheme, sep, rest = url.partition("://")
    name, _, driver = scheme.partition("+")
    if sep and name == "sqlite" and driver in ("", "pysqlite") and (rest == "" or rest.startswith("/")):
        path = rest[1:].partition("?")[0]
        if path in ("", ":memory:"):
            return "sqlite", f"file:bifrost-memory-{secrets.token_hex(8)}?mode=memory&cache=shared"
        return "sqlite", path
    if sep and name == "postgresql" and driver in ("", "psycopg"):
        return "postgresql", f"postgresql://{rest}"
    raise InvalidURL(
        f"'{url}' is not a database URL this version understands. Examples: "
        "sqlite:////path/to/bifrost-lab.sqlite, postgresql+psycopg://user@host:5432/bifrost"
    )


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{host}").geturl()


Handle = Database | Connection  # reads take either; on a Connection they see its open transaction


def read(handle: Handle, work: Callable[[Connection], T]) -> T:
    """Run a read. A reused PostgreSQL connection found dead is replaced once (reads can repeat)."""
    if isinstance(handle, Connection):
        return work(handle)
    while True:
        conn, reused = handle.checkout()
        try:
            return work(conn)
        except Exception:
            if not (reused and conn.broken):
                raise
        finally:
            handle.checkin(conn)


def select_one(handle: Handle, sql: str, **params: Any) -> dict[str, Any] | None:
    return read(handle, lambda conn: conn.one(sql, **params))


def select_all(handle: Handle, sql: str, **params: Any) -> list[dict[str, Any]]:
    return read(handle, lambda conn: conn.all(sql, **params))


def select_value(handle: Handle, sql: str, **params: Any) -> Any:
    return read(handle, lambda conn: conn.scalar(sql, **params))


def begin_write(db: Database) -> Connection:
    """Open a write transaction, retrying while the database is locked or briefly unreachable.

    Retrying here is always safe: nothing of the transaction has run yet. (A failure later in the
    transaction rolls it back and reaches the caller; inputs carry client ids, so sending again
    stores them once.) Writers take SQLite's lock up front (BEGIN IMMEDIATE), so two writers never
    deadlock upgrading read locks; PostgreSQL runs the transaction in READ COMMITTED.
    """
    deadline = time.monotonic() + float(config.setting("db_retry_seconds"))
    delay = 0.05
    while True:
        conn = None
        try:
            conn, _reused = db.checkout()
            conn.execute("BEGIN IMMEDIATE" if db.dialect == "sqlite" else "BEGIN")
            return conn
        except Exception as error:
            if conn is not None:
                db.checkin(conn)
            if not db.is_transient(error) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Connection]:
    """One write transaction on its own connection: committed at the end, rolled back on an error."""
    conn = begin_write(db)
    try:
        yield conn
        conn.execute("COMMIT")
    finally:
        db.checkin(conn)  # rolls back whatever is still open
