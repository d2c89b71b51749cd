"""What the change feed costs the database: room_version polls per second from several processes.

Every participant kernel polls its room's version every 0.3 s (config poll_interval), so N kernels
make N / 0.3 queries per second. This runs P processes (each a kernel-like engine) polling one room
as fast as they can for D seconds, on SQLite and on PostgreSQL, and prints throughput and latency.

    .venv/bin/python benchmarks/feed_poll.py [--processes 4] [--seconds 3]
PostgreSQL: BIFROST_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test); a
scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from urllib.parse import urlsplit

import psycopg

from bifrost_lab import store
from bifrost_lab.demo import create_demo_room
from bifrost_lab.programme import load_library

PG_ADMIN_URL = os.environ.get("BIFROST_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _poll(url: str, room_id: str, seconds: float, queue: multiprocessing.Queue) -> None:
    engine = store.connect(url)
    latencies = []
    version = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        current = store.room_version(engine, room_id)
        if current != version:
            store.changes_since(engine, room_id, version)
            version = current
        latencies.append(time.perf_counter() - started)
    queue.put(latencies)


def measure(url: str, processes: int, seconds: float) -> dict[str, float]:
    engine = store.connect(url)
    room = create_demo_room(engine, load_library(), participants=40, inputs=300, seed=1)
    store.dispose_all()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_poll, args=(url, room.id, seconds, queue)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    latencies = [value for _ in workers for value in queue.get()]
    for worker in workers:
        worker.join()
    latencies.sort()
    return {
        "polls_per_s": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {"sqlite": measure(f"sqlite:///{folder}/feed.sqlite", args.processes, args.seconds)}
    admin_url = PG_ADMIN_URL.replace("+psycopg", "")
    name = f"bifrost_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = urlsplit(PG_ADMIN_URL)._replace(path=f"/{name}").geturl()
        results["postgresql"] = measure(url, args.processes, args.seconds)
        engine = store.connect(url)
        room_id = store.list_rooms(engine)[0].room.id
        with psycopg.connect(urlsplit(admin_url)._replace(path=f"/{name}").geturl()) as conn:
            plan = [
                row[0]
                for row in conn.execute("EXPLAIN SELECT * FROM inputs WHERE room_id = %s AND version > 5", (room_id,))
            ]
        store.dispose_all()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{args.processes} polling processes, {args.seconds:.0f} s each, on {os.cpu_count()} cores")
    for db, figures in results.items():
        kernels = figures["polls_per_s"] * 0.3
        print(
            f"  {db:<11} {figures['polls_per_s']:8.0f} polls/s  p50 {figures['p50_ms']:.2f} ms  "
            f"p99 {figures['p99_ms']:.2f} ms  = the polling of ~{kernels:.0f} kernels at 0.3 s"
        )
    print("  changes_since plan on PostgreSQL: " + " / ".join(line.strip() for line in plan))


if __name__ == "__main__":
    main()
