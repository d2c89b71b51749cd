"""A full room under load: N participants on real Voila participant pages, a projector, a few Chromium pages.

    .venv/bin/python benchmarks/room_load.py --participants 50

Every participant is a real page: an HTTP GET of the participant app (kernel from the preheated
pool or freshly started), then the kernel websocket driven with the ipywidgets comm protocol
(benchmarks/widget_client.py): browser bridge, role, Join, cards. The projector is a real
moderator kernel (`?room=`), watched the same way; with --chromium K, K participants and one
projector are real Chromium pages as well (end-to-end figures).

Phases, each on a fresh server so they do not share kernels:
 1. hello: the same arrival pattern against a bare Voila server (same options, same pool size)
    whose notebook shows one Label: the baseline for the join ratio.
 2. join: N participants arrive uniformly within --burst seconds.
 3. live: every participant sends --cards cards at random moments within --live seconds; the
    latency is click -> the card's text is in the projector's board.
 4. memory and CPU of the kernels and servers.
Prints figures and goals, and writes them as JSON (--json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import procs, profile
from benchmarks import widget_client as wc
from bifrost_lab import (
    rooms,
    store,
)
from bifrost_lab.programme import load_library

CHROMIUM = os.environ.get("BIFROST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
CARD_STEP = 2  # BIFROST M1 "Fælles afsæt": step 3 collects cards in the five TTA phases


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values) if values else float("nan"),
        "mean": statistics.fmean(values) if values else float("nan"),
    }


class CpuMeter:
    """CPU seconds of the Voila servers and their kernels between start() and stop()."""

    def __init__(self, servers: list[psutil.Process]):
        self.servers = servers

    def _kernels(self) -> dict[int, float]:
        out = {}
        for server in self.servers:
            for kernel in procs.kernels_of(server):
                out[kernel.pid] = procs.cpu_seconds([kernel])
        return out

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.server0 = procs.cpu_seconds(self.servers)
        self.kernels0 = self._kernels()
        self.system0 = psutil.cpu_times()

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self.t0
        kernels = self._kernels()
        kernel_cpu = sum(v - self.kernels0.get(pid, 0.0) for pid, v in kernels.items())
        system = psutil.cpu_times()
        busy = sum(getattr(system, f) - getattr(self.system0, f) for f in ("user", "system", "nice"))
        return {
            "wall_s": wall,
            "voila_servers_cores": (procs.cpu_seconds(self.servers) - self.server0) / wall,
            "kernels_cores": kernel_cpu / wall,
            "machine_busy_cores": busy / wall,
        }


async def arrive(count: int, window: float, start: float, make) -> list:
    """Start `make(i)` for i in range(count) at uniform moments within `window` seconds."""

    async def one(index: int):
        await asyncio.sleep(max(0.0, start + window * index / max(1, count) - time.monotonic()))
        try:
            return await make(index)
        except Exception as error:  # noqa: BLE001 - a failed participant is a figure, not a crash
            return error

    return await asyncio.gather(*(one(i) for i in range(count)))


# -- phase 1: hello ---------------------------------------------------------------------------------


async def hello_phase(url: str, count: int, window: float) -> tuple[list[float], list[wc.Page]]:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=200)) as http:

        async def make(_index: int):
            page = wc.Page(url)
            started = time.monotonic()
            await page.load(http)
            await page.wait_for(lambda: page.with_class("hello"), what="the hello label")
            return page, time.monotonic() - started

        results = await arrive(count, window, time.monotonic(), make)
    pages = [r[0] for r in results if isinstance(r, tuple)]
    return [r[1] for r in results if isinstance(r, tuple)], pages


# -- phases 2 and 3: the room -------------------------------------------------------------------------


async def room_phases(serve: procs.Serve, room: store.Room, args: argparse.Namespace) -> dict:
    roles = [r["label"] for r in room.content["roles"]]
    join_url = f"{serve.participant_url}?code={room.join_code}"
    figures: dict = {}
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=400)) as http:
        projector = await wc.open_projector(http, serve.moderator_url, room.id)
        browser_thread = ThreadPoolExecutor(max_workers=1)  # Playwright's sync API stays on one thread

        def in_browser(function, *call_args):
            return asyncio.get_running_loop().run_in_executor(browser_thread, function, *call_args)

        chromium = await in_browser(ChromiumPages.start, serve, room, args.chromium) if args.chromium else None

        errors: list[str] = []

        async def make(index: int):
            page, interactive = await wc.open_participant(http, join_url)
            label = roles[index % len(roles)]
            await wc.join(page, rooms.text(label, room.language))
            return page, interactive

        meter = CpuMeter([serve.voila("participant.ipynb"), serve.voila("moderator.ipynb")])
        profilers = []
        if args.profile:  # the servers' CPU through the joins and the live phase; py-spy must be able to ptrace
            for name in ("participant.ipynb", "moderator.ipynb"):
                output = Path(args.profile) / f"{name.split('.')[0]}-server.speedscope.json"
                profilers.append((profile.record(serve.voila(name).pid, args.burst + args.live + 15, output), output))
        meter.start()
        joined_at = time.monotonic()
        chromium_join = asyncio.ensure_future(in_browser(chromium.join_all, args.burst)) if chromium else None
        results = await arrive(args.participants, args.burst, joined_at, make)
        figures["join_cpu"] = meter.stop()
        pages = [r[0] for r in results if isinstance(r, tuple)]
        errors += [f"join: {r!r}" for r in results if not isinstance(r, tuple)]
        figures["join_tti"] = summary([r[1] for r in results if isinstance(r, tuple)])
        figures["join_get"] = summary([r[0].get_seconds for r in results if isinstance(r, tuple)])
        figures["join_failed"] = args.participants - len(pages)
        if chromium_join is not None:
            try:
                figures["chromium_join_tti"] = summary(await chromium_join)
            except Exception as error:  # noqa: BLE001
                errors.append(f"chromium join: {error!r}"[:300])

        # live: each page sends its cards at random moments; the projector watcher stamps arrivals
        pending: dict[str, float] = {}
        arrived: dict[str, float] = {}

        async def watch() -> None:
            while True:
                board = wc.board_html(projector)
                now = time.monotonic()
                for text in [t for t in pending if t not in arrived]:
                    if text in board:
                        arrived[text] = now
                projector._changed.clear()
                try:
                    await asyncio.wait_for(projector._changed.wait(), 0.5)
                except TimeoutError:
                    pass

        watcher = asyncio.create_task(watch())
        rng = random.Random(7)
        confirm: list[float] = []

        async def send(page: wc.Page, index: int, card: int) -> None:
            await asyncio.sleep(rng.uniform(0, args.live))
            text = f"bench card {index}-{card} {rng.randrange(10**9)}"
            pending[text] = time.monotonic()
            started = time.monotonic()
            await wc.submit_card(page, text)
            confirm.append(time.monotonic() - started)
            if "bf-msg-error" in wc.last_message(page):
                errors.append(f"card refused: {wc.last_message(page)}")

        async def participant_cards(page: wc.Page, index: int) -> None:
            for card in range(args.cards):  # one after the other, as a person would
                await send(page, index, card)

        if args.profile and pages:  # one participant kernel through the live phase
            kernel = next(
                (
                    k
                    for k in procs.kernels_of(serve.voila("participant.ipynb"))
                    if pages[0].kernel_id in " ".join(k.cmdline())
                ),
                None,
            )
            if kernel is not None:
                output = Path(args.profile) / "participant-kernel.speedscope.json"
                profilers.append((profile.record(kernel.pid, args.live + 10, output), output))
        meter.start()
        chromium_live = asyncio.ensure_future(in_browser(chromium.cards, args.live)) if chromium else None
        sent = await asyncio.gather(*(participant_cards(p, i) for i, p in enumerate(pages)), return_exceptions=True)
        errors += [f"card: {s!r}" for s in sent if isinstance(s, Exception)]
        deadline = time.monotonic() + 30
        while len(arrived) < len(pending) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        figures["live_cpu"] = meter.stop()
        watcher.cancel()
        figures["live_latency"] = summary([arrived[t] - pending[t] for t in arrived])
        figures["live_missing"] = len(pending) - len(arrived)
        figures["submit_confirm"] = summary(confirm)
        figures["board_html_bytes"] = len(wc.board_html(projector))
        if chromium_live is not None:
            try:
                figures["chromium_live_latency"] = summary(await chromium_live)
            except Exception as error:  # noqa: BLE001
                errors.append(f"chromium cards: {error!r}"[:300])

        # memory: the kernels of this room (participants, pool, projector)
        participant_server = serve.voila("participant.ipynb")
        memories = [m for m in (procs.memory_of(k) for k in procs.kernels_of(participant_server)) if m]
        figures["participant_kernels"] = len(memories)
        figures["kernel_rss_mib"] = summary([m.rss for m in memories])
        figures["kernel_uss_mib"] = summary([m.uss for m in memories])
        figures["kernel_pss_mib"] = summary([m.pss for m in memories])
        moderator_kernels = [
            m for m in (procs.memory_of(k) for k in procs.kernels_of(serve.voila("moderator.ipynb"))) if m
        ]
        figures["moderator_kernel_rss_mib"] = max((m.rss for m in moderator_kernels), default=float("nan"))
        figures["voila_server_rss_mib"] = {
            name: procs.memory_of(serve.voila(name)).rss  # type: ignore[union-attr]
            for name in ("participant.ipynb", "moderator.ipynb")
        }
        for recorder, output in profilers:
            if recorder is not None:
                recorder.wait(timeout=120)
                figures.setdefault("profiles", []).append("\n".join(profile.summarise(output)))
        figures["errors"] = errors[:20]
        figures["error_count"] = len(errors)
        for page in pages:
            await page.close()
        await projector.close()
        if chromium is not None:
            await in_browser(chromium.stop)
        browser_thread.shutdown()
    return figures


class ChromiumPages:
    """A few real participant pages and one projector page in Chromium (sync Playwright, own thread)."""

    @classmethod
    def start(cls, serve: procs.Serve, room: store.Room, count: int) -> ChromiumPages:
        from playwright.sync_api import sync_playwright

        self = cls()
        self.serve, self.room, self.count = serve, room, count
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = self.browser.new_context(viewport={"width": 1920, "height": 1080})
        context.set_default_timeout(120_000)
        self.projector = context.new_page()
        self.projector.goto(f"{serve.moderator_url}?room={room.id}")
        self.projector.wait_for_selector(".bf-board", timeout=120_000)
        self.pages = []
        return self

    def join_all(self, window: float) -> list[float]:
        times = []
        for index in range(self.count):
            time.sleep(window / max(1, self.count) / 2)
            context = self.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            context.set_default_timeout(120_000)
            page = context.new_page()
            started = time.monotonic()
            page.goto(f"{self.serve.participant_url}?code={self.room.join_code}", wait_until="commit")
            page.wait_for_selector(".bf-role-input select option:nth-child(2)", state="attached")
            times.append(time.monotonic() - started)
            values = page.eval_on_selector(".bf-role-input select", "s => Array.from(s.options).map(o => o.value)")
            page.select_option(".bf-role-input select", value=values[1 + index % (len(values) - 1)])
            page.click(".bf-join-button")
            page.wait_for_selector(".bf-card-input textarea", timeout=60_000)
            self.pages.append(page)
        return times

    def cards(self, window: float) -> list[float]:
        latencies = []
        for index, page in enumerate(self.pages):
            time.sleep(window / max(1, len(self.pages)) / 2)
            text = f"chromium card {index} {random.randrange(10**9)}"
            page.fill(".bf-card-input textarea", text)
            started = time.monotonic()
            page.click(".bf-submit")
            self.projector.wait_for_function(
                "t => document.querySelector('.bf-board').innerText.includes(t)", arg=text, timeout=60_000, polling=50
            )
            latencies.append(time.monotonic() - started)
        return latencies

    def stop(self) -> None:
        self.browser.close()
        self.playwright.stop()


# -- the run ----------------------------------------------------------------------------------------


def machine() -> dict:
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


def run(args: argparse.Namespace) -> dict:
    results: dict = {"machine": machine(), "args": vars(args)}
    workdir = Path(tempfile.mkdtemp(prefix="bifrost-load-"))
    results["bare_ipykernel_rss_mib"] = procs.bare_ipykernel_rss()

    if not args.skip_hello:
        hello = procs.start_hello(workdir, pool_size=args.pool_size, kernel_start=args.kernel_start)
        try:
            meter = CpuMeter([psutil.Process(hello.process.pid)])
            meter.start()
            times, pages = asyncio.run(hello_phase(hello.url, args.participants, args.burst))
            results["hello_cpu"] = meter.stop()
            results["hello_tti"] = summary(times)
            results["hello_get"] = summary([p.get_seconds for p in pages])
            memories = [
                m for m in (procs.memory_of(k) for k in procs.kernels_of(psutil.Process(hello.process.pid))) if m
            ]
            results["hello_kernel_rss_mib"] = summary([m.rss for m in memories])
        finally:
            hello.stop()

    serve = procs.start_serve(
        workdir,
        pool_size=args.pool_size,
        extra=("--kernel-start", args.kernel_start),
        env={"BIFROST_IDLE_GRACE": "600"} if args.keep_polling else None,
    )
    try:
        engine = store.connect(serve.db_url)
        library = load_library()
        room = rooms.open_room(engine, library, "bifrost", library.programme("bifrost").meetings[0].id)
        room = rooms.go_to_step(engine, room, CARD_STEP)
        results.update(asyncio.run(room_phases(serve, room, args)))
        stored = store.list_inputs(engine, room.id)
        results["stored_cards"] = len(stored)
        results["stored_unique_texts"] = len({i.payload.get("text") for i in stored})
        store.dispose_all()
    finally:
        serve.stop()

    tti, hello_tti = results.get("join_tti", {}), results.get("hello_tti", {})
    rss = results.get("kernel_rss_mib", {})
    results["ratios"] = {
        "join_p50_vs_hello": tti.get("p50", float("nan")) / hello_tti.get("p50", float("nan")) if hello_tti else None,
        "join_p95_vs_hello": tti.get("p95", float("nan")) / hello_tti.get("p95", float("nan")) if hello_tti else None,
        "kernel_rss_vs_bare_ipykernel": rss.get("p50", float("nan")) / results["bare_ipykernel_rss_mib"],
    }
    return results


def report(results: dict) -> str:
    def s(key: str, unit: str = "s") -> str:
        v = results.get(key)
        if not v:
            return "n/a"
        return f"p50 {v['p50']:.3f} {unit}, p95 {v['p95']:.3f} {unit}, max {v['max']:.3f} {unit} (n={v['n']})"

    ratios = results["ratios"]
    lines = [
        f"machine: {results['machine']}",
        f"participants {results['args']['participants']}, burst {results['args']['burst']} s, "
        f"pool {results['args']['pool_size']}, kernel start {results['args']['kernel_start']}, cards {results['args']['cards']} each",
        f"hello join TTI:        {s('hello_tti')}",
        f"hello HTTP GET:        {s('hello_get')}",
        f"participant join TTI:  {s('join_tti')}   failed: {results.get('join_failed')}",
        f"participant HTTP GET:  {s('join_get')}",
        f"chromium join TTI:     {s('chromium_join_tti')}",
        f"join ratio vs hello:   p50 {ratios['join_p50_vs_hello'] or float('nan'):.2f}, "
        f"p95 {ratios['join_p95_vs_hello'] or float('nan'):.2f}   (goal: p95 < 1.5 s, ratio <= 1.3)",
        f"card -> projector:     {s('live_latency')}   missing: {results.get('live_missing')}   "
        f"(goal at 100: p95 <= 1.0 s)",
        f"chromium card->proj.:  {s('chromium_live_latency')}",
        f"submit confirmation:   {s('submit_confirm')}",
        f"stored cards: {results.get('stored_cards')} (unique texts {results.get('stored_unique_texts')})",
        f"participant kernel RSS: {s('kernel_rss_mib', 'MiB')}; USS p50 {results['kernel_uss_mib']['p50']:.1f} MiB; "
        f"PSS p50 {results['kernel_pss_mib']['p50']:.1f} MiB; kernels: {results.get('participant_kernels')}",
        f"bare ipykernel RSS: {results['bare_ipykernel_rss_mib']:.1f} MiB; hello Voila kernel RSS: "
        f"{s('hello_kernel_rss_mib', 'MiB')}",
        f"kernel RSS ratio vs bare ipykernel: {ratios['kernel_rss_vs_bare_ipykernel']:.2f}   (goal <= 1.2)",
        f"moderator kernel RSS {results.get('moderator_kernel_rss_mib', float('nan')):.1f} MiB; "
        f"Voila servers RSS {results.get('voila_server_rss_mib')}",
        f"board HTML per projector re-render: {results.get('board_html_bytes')} bytes",
        f"CPU (cores) during join: {results.get('join_cpu')}",
        f"CPU (cores) during live: {results.get('live_cpu')}",
        f"errors: {results.get('error_count')} {results.get('errors')}",
        *results.get("profiles", []),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--burst", type=float, default=30.0, help="seconds over which participants arrive")
    parser.add_argument("--live", type=float, default=30.0, help="seconds over which each card is sent")
    parser.add_argument("--cards", type=int, default=2, help="cards per participant")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=int(os.environ.get("BIFROST_BENCH_POOL", "0")) or None,
        help="preheated participant kernels (default: bifrost-lab serve's default)",
    )
    parser.add_argument(
        "--kernel-start",
        choices=("fork", "spawn"),
        default="fork",
        help="how participant (and hello) kernels start; see bifrost-lab serve --kernel-start",
    )
    parser.add_argument("--chromium", type=int, default=2, help="real Chromium participant pages (0 = none)")
    parser.add_argument("--skip-hello", action="store_true", help="no baseline (faster; no join ratio)")
    parser.add_argument("--keep-polling", action="store_true", help="longer idle grace for slow runs")
    parser.add_argument("--profile", default="", help="record both Voila servers with py-spy into this folder")
    parser.add_argument("--json", default="", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.pool_size is None:
        from bifrost_lab.cli.main import build_parser

        args.pool_size = build_parser().parse_args(["serve"]).pool_size
    results = run(args)
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0 if not results.get("error_count") and not results.get("live_missing") else 1


if __name__ == "__main__":
    raise SystemExit(main())
