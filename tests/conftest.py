"""Shared fixtures: a real SQLite file per test, and the same tests on a real PostgreSQL database."""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from bifrost_lab import store
from bifrost_lab.programme import load_library

PG_ADMIN_URL = os.environ.get("BIFROST_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_HOWTO = ("PostgreSQL is not reachable at 127.0.0.1:5432 (trust auth, database 'test'). Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set "
            "BIFROST_TEST_PG_URL to another server.")


def _admin_engine() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


@pytest.fixture(scope="session")
def pg_admin():
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001
        engine.dispose()
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{PG_HOWTO} ({error.__class__.__name__})")
        pytest.skip(PG_HOWTO)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bifrost.sqlite'}"


@pytest.fixture
def pg_url(request):
    admin = request.getfixturevalue("pg_admin")
    name = f"bifrost_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    store.dispose_all()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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
