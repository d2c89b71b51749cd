"""The store behind pgbouncer in transaction mode: many kernels share a few PostgreSQL connections.

docs/deploy.md recommends this for large events. Six processes (kernels, in effect) poll and write
one room through a pgbouncer that has two server connections; nothing may fail.
"""

from __future__ import annotations

import multiprocessing
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from helpers import free_port

from bifrost_lab import store

pytestmark = pytest.mark.postgres

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture
def pgbouncer(pg_admin):
    if not Path(PGBOUNCER).exists():
        pytest.fail("pgbouncer is missing: run `make pgbouncer` (apt-get install pgbouncer).")
    server = pg_admin.parts
    folder = Path(tempfile.mkdtemp(prefix="bifrost-pgbouncer-"))
    port = free_port()
    (folder / "users.txt").write_text(f'"{server.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n* = host={server.hostname} port={server.port or 5432}\n[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\nauth_file = {folder}/users.txt\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 200\nunix_socket_dir =\n"
        f"logfile = {folder}/pgbouncer.log\n"
    )
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root; -u makes it drop to postgres itself
        folder.chmod(0o755)
        postgres = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        command = [PGBOUNCER, "-u", "postgres", str(folder / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "listening on" not in _read(folder / "pgbouncer.log"):
            time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)  # immediate shutdown
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _kernel(url: str, room_id: str, seconds: float, results: multiprocessing.Queue) -> None:
    engine = store.connect(url)
    done, errors, first = 0, 0, ""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            store.room_version(engine, room_id)
            store.changes_since(engine, room_id, 0)
            store.set_step_state(engine, room_id, "s1", locked=bool(done % 2))
            done += 1
        except Exception as error:  # noqa: BLE001 - counted and reported below
            errors += 1
            first = first or f"{type(error).__name__}: {str(error)[:300]}"
    results.put((done, errors, first))


def test_kernels_share_a_transaction_mode_pgbouncer(pgbouncer, pg_admin):
    name = f"bifrost_pgbouncer_{uuid.uuid4().hex[:10]}"
    pg_admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = pg_admin.database_url(name, port=pgbouncer)
        engine = store.connect(url)
        room = store.create_room(
            engine, programme_id="p", meeting_id="m", content_hash="h", content={"meeting": {"steps": []}}
        )
        store.dispose_all()
        spawn = multiprocessing.get_context("spawn")  # fresh processes, like kernels (no forked pools)
        results = spawn.Queue()
        kernels = [spawn.Process(target=_kernel, args=(url, room.id, 3, results)) for _ in range(6)]
        for kernel in kernels:
            kernel.start()
        outcomes = [results.get(timeout=60) for _ in kernels]
        for kernel in kernels:
            kernel.join(10)
        assert all(errors == 0 for _done, errors, _first in outcomes), outcomes
        writes = sum(done for done, _errors, _first in outcomes)
        assert writes > 6 and store.room_version(store.connect(url), room.id) == 1 + writes
    finally:
        store.dispose_all()
        pg_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
