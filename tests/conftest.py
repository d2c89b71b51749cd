"""Shared fixtures: a real SQLite file per test, and the same tests on a real PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from bifrost_lab import store
from bifrost_lab.programme import load_library

PG_ADMIN_URL = os.environ.get("BIFROST_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_HOWTO = (
    "PostgreSQL is not reachable at 127.0.0.1:5432 (trust auth, database 'test'). Start it with "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set "
    "BIFROST_TEST_PG_URL to another server."
)


@dataclass(frozen=True)
class PgServer:
    """The test PostgreSQL server, reached as its admin user (autocommit, one connection per call)."""

    url: str

    @property
    def parts(self) -> Any:
        return urlsplit(self.url)

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url.replace("+psycopg", ""), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def database_url(self, name: str, *, port: int | None = None) -> str:
        """This server's URL for another database (and port, e.g. a pgbouncer in front of it)."""
        parts = self.parts
        netloc = parts.netloc
        if port is not None:
            netloc = f"{netloc if parts.port is None else netloc.rpartition(':')[0]}:{port}"
        return parts._replace(netloc=netloc, path=f"/{name}").geturl()


@pytest.fixture(scope="session")
def pg_admin():
    server = PgServer(PG_ADMIN_URL)
    try:
        server.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{PG_HOWTO} ({error.__class__.__name__})")
        pytest.skip(PG_HOWTO)
    return server


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bifrost.sqlite'}"


@pytest.fixture
def pg_url(request):
    admin = request.getfixturevalue("pg_admin")
    name = f"bifrost_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    yield admin.database_url(name)
    store.dispose_all()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """The store suite runs once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def engine(db_url):
    yield store.connect(db_url)
    store.dispose_all()


@pytest.fixture
def sqlite_engine(sqlite_url):
    yield store.connect(sqlite_url)
    store.dispose_all()


@pytest.fixture(scope="session")
def library():
    return load_library()
