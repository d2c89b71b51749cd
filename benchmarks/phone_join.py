"""Phones in a full hall: how fast a real Chromium page gets a usable join form, and what it costs the link.

    .venv/bin/python benchmarks/phone_join.py                      # 5 runs per profile, cold and warm
    .venv/bin/python benchmarks/phone_join.py --runs 2 --profiles phone   # quick look while developing

Two servers run side by side in one run, on 127.0.0.1:

* **ours**: `bifrost-lab serve` (participant app, with a room open at its card step), and
* **stock**: a bare Voila server (Voila's own `lab` template, no options of ours) serving a one-cell
  notebook that shows one `Dropdown`, with preheated kernels like ours (same pool size, same
  kernel start).

Each page load is a real Chromium page driven through the DevTools protocol, with a throttling
profile: laptop (none), phone (CPU x 4, 20 Mbit/s, 40 ms), crowded (CPU x 4, 5 Mbit/s, 80 ms).
*Cold* = a new browser context (empty cache, a new phone); *warm* = the same page reloaded in that
context (a rejoin: reload, or the phone waking up and the page reloading itself). Per profile it
prints the time to a usable join form (p50 / p95: from navigation start until the dropdown is
visible with its options), bytes on the wire (Chromium's encoded bytes, headers included),
requests, requests for static assets that reached the server, and the ratio ours / stock.

The moderator's console and the projector (same server, same template) are measured on the laptop
profile too, cold and warm: bytes, requests, static files asked again on a reload.

Also a venue model: N cold joins (default 250) through a venue link of L Mbit/s (default 50):
how long the link is busy with pages alone. Other sites (CDNs) are unreachable in the benchmark,
as in a hall without internet; such requests are counted as "outside".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import procs

CHROMIUM = os.environ.get("BIFROST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    # The hall has no internet: every host but this machine fails at once (no DNS), without a route
    # handler in the middle of every request (which would slow the pages down).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
CARD_STEP = 2

PROFILES = {
    "laptop": {"cpu": 1, "down_mbit": 0, "up_mbit": 0, "rtt_ms": 0},
    "phone": {"cpu": 4, "down_mbit": 20, "up_mbit": 10, "rtt_ms": 40},
    "crowded": {"cpu": 4, "down_mbit": 5, "up_mbit": 2.5, "rtt_ms": 80},
}

STOCK_NOTEBOOK = """{
 "cells": [{"cell_type": "code", "execution_count": null, "id": "hello", "metadata": {}, "outputs": [],
            "source": "import ipywidgets as w\\nw.Dropdown(options=['one', 'two', 'three'], description='Role')"}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
 "nbformat": 4, "nbformat_minor": 5
}"""

# Records (in the page, so that polling from outside does not steal the throttled CPU) the moment
# the page is usable: the element is rendered and visible, and a dropdown has its options.
USABLE_SCRIPT = """
(() => {
  const selector = %s;
  function check() {
    const element = document.querySelector(selector);
    if (element && (element.tagName !== "SELECT" || element.options.length >= 2) && element.getClientRects().length > 0) {
      window.__usable = performance.now();
      return;
    }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Load:
    """One page load as Chromium saw it."""

    seconds: float
    wire_bytes: int
    requests: int  # every http(s) request of the page (from cache or not), data:/blob: excluded
    to_server: int  # requests that reached the server (not served from a cache)
    static_to_server: int  # of those, requests for static assets (not the page, not the kernel API)
    outside: int  # requests for other hosts (they fail: no internet)
    encodings: dict = field(default_factory=dict)


class Recorder:
    """Network events of one page through its DevTools session."""

    def __init__(self, cdp):
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event: dict) -> None:
        url = event["request"]["url"]
        if url.startswith(("data:", "blob:")):
            return
        self.requests[event["requestId"]] = {"url": url, "cache": False, "bytes": 0, "done": False, "status": 0}

    def _from_cache(self, event: dict) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["cache"] = True

    def _response(self, event: dict) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is None:
            return
        response = event["response"]
        entry["status"] = response.get("status", 0)
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        entry["encoding"] = headers.get("content-encoding", "")
        if response.get("fromDiskCache") or response.get("fromServiceWorker") or response.get("fromPrefetchCache"):
            entry["cache"] = True

    def _finished(self, event: dict) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            entry["bytes"] = int(event.get("encodedDataLength", 0))
            entry["done"] = True

    def _failed(self, event: dict) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            entry["done"], entry["failed"] = True, True

    def pending(self) -> int:
        return sum(1 for r in self.requests.values() if not r["done"] and "/channels" not in r["url"])

    def load(self, seconds: float, host: str) -> Load:
        ours = [r for r in self.requests.values() if f"//{host}" in r["url"]]
        outside = [r for r in self.requests.values() if f"//{host}" not in r["url"]]
        to_server = [r for r in ours if not r["cache"]]

        def is_static(url: str) -> bool:
            path = url.split(host, 1)[1]
            return path.startswith("/voila/") and not path.startswith(("/voila/api/", "/voila/query/"))

        encodings: dict[str, int] = {}
        for r in to_server:
            encodings[r.get("encoding") or "identity"] = encodings.get(r.get("encoding") or "identity", 0) + 1
        return Load(
            seconds=seconds,
            wire_bytes=sum(r["bytes"] for r in ours),
            requests=len(ours),
            to_server=len(to_server),
            static_to_server=sum(1 for r in to_server if is_static(r["url"])),
            outside=len(outside),
            encodings=encodings,
        )


def throttle(cdp, profile: dict) -> None:
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    if profile["down_mbit"]:
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": profile["rtt_ms"],
                "downloadThroughput": profile["down_mbit"] * 1e6 / 8,
                "uploadThroughput": profile["up_mbit"] * 1e6 / 8,
            },
        )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile["cpu"]})


def measure(page, cdp, recorder: Recorder, url: str, host: str, reload: bool, timeout: float) -> Load:
    """Navigate (or reload), wait for the usable form and for the network to settle, return the figures."""
    if reload:
        page.reload(wait_until="commit", timeout=timeout * 1000)
    else:
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
    page.wait_for_function("() => window.__usable !== undefined", timeout=timeout * 1000, polling=250)
    seconds = page.evaluate("window.__usable") / 1000
    # Count what the page still fetches right after (e.g. lazily loaded chunks): until quiet for 0.5 s.
    deadline, quiet_since = time.monotonic() + 15, time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if recorder.pending():
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            break
    return recorder.load(seconds, host)


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1920, "height": 1080}}


def run_profile(
    browser, name: str, profile: dict, url: str, selector: str, runs: int, timeout: float, device: dict = PHONE
):
    host = url.split("//", 1)[1].split("/", 1)[0]
    cold, warm = [], []
    for _ in range(runs):
        context = browser.new_context(**device)
        context.add_init_script(USABLE_SCRIPT % json.dumps(selector))
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        try:
            throttle(cdp, profile)
            recorder = Recorder(cdp)
            cold.append(measure(page, cdp, recorder, url, host, reload=False, timeout=timeout))
            recorder.requests.clear()
            warm.append(measure(page, cdp, recorder, url, host, reload=True, timeout=timeout))
        finally:
            context.close()
        time.sleep(1.2)  # let Voila refill its pool (fill_delay 1 s), as between two phones
    return cold, warm


# -- servers ----------------------------------------------------------------------------------------


@dataclass
class Stock:
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def start_stock(workdir: Path, pool_size: int) -> Stock:
    """Voila as it comes: its own lab template, no options of ours but preheated kernels like ours."""
    from bifrost_lab.server.serve import WARM_KERNELSPEC

    notebook = workdir / "stock.ipynb"
    notebook.write_text(STOCK_NOTEBOOK, encoding="utf-8")
    port = procs.free_port()
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--preheat_kernel=True",
        f"--pool_size={pool_size}",
    ]
    env = {
        **os.environ,
        "JUPYTER_PATH": os.pathsep.join(p for p in (str(WARM_KERNELSPEC), os.environ.get("JUPYTER_PATH", "")) if p),
    }
    process = subprocess.Popen(
        command,
        cwd=str(workdir),
        env=env,
        stdout=(workdir / "stock.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    procs.wait_for_port(port)
    procs.wait_for_kernels(psutil.Process(process.pid), pool_size)
    return Stock(process, f"http://127.0.0.1:{port}/")


# -- report -----------------------------------------------------------------------------------------


def figures(loads: list[Load]) -> dict:
    times = [load.seconds for load in loads]
    return {
        "n": len(loads),
        "p50_s": percentile(times, 50),
        "p95_s": percentile(times, 95),
        "wire_bytes": statistics.median([load.wire_bytes for load in loads]) if loads else float("nan"),
        "requests": max((load.requests for load in loads), default=0),
        "to_server": max((load.to_server for load in loads), default=0),
        "static_to_server": max((load.static_to_server for load in loads), default=0),
        "outside": max((load.outside for load in loads), default=0),
        "encodings": loads[0].encodings if loads else {},
    }


def venue(bytes_per_join: float, joins: int, link_mbit: float) -> float:
    """Seconds a venue link of `link_mbit` is busy carrying `joins` cold page loads."""
    return joins * bytes_per_join * 8 / (link_mbit * 1e6)


def report(results: dict) -> str:
    lines = [
        f"phone join benchmark, {results['machine']['date']}, load average at start "
        f"{results['machine']['load_average_at_start'][0]:.1f}, {results['args']['runs']} runs per profile",
        "",
        "| profile | load | page | usable form p50 / p95 | bytes on the wire | requests (to server) | static to server |"
        " ratio p50 / p95 ours/stock |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for profile, by_kind in results["profiles"].items():
        for kind in ("cold", "warm"):
            ours, stock = by_kind["ours"][kind], by_kind["stock"][kind]
            for label, f in (("ours", ours), ("stock", stock)):
                ratio = (
                    f"{ours['p50_s'] / stock['p50_s']:.2f} / {ours['p95_s'] / stock['p95_s']:.2f}"
                    if label == "ours"
                    else ""
                )
                lines.append(
                    f"| {profile} | {kind} | {label} | {f['p50_s']:.2f} / {f['p95_s']:.2f} s "
                    f"| {f['wire_bytes'] / 1e6:.2f} MB | {f['requests']} ({f['to_server']}) "
                    f"| {f['static_to_server']} | {ratio} |"
                )
    if results.get("pages"):
        lines += [
            "",
            "| page (laptop profile) | load | usable p50 / p95 | bytes on the wire | requests (to server) | static to server |",
            "|---|---|---|---|---|---|",
        ]
        for page, by_kind in results["pages"].items():
            for kind in ("cold", "warm"):
                f = by_kind[kind]
                lines.append(
                    f"| {page} | {kind} | {f['p50_s']:.2f} / {f['p95_s']:.2f} s | {f['wire_bytes'] / 1e6:.2f} MB "
                    f"| {f['requests']} ({f['to_server']}) | {f['static_to_server']} |"
                )
    model = results["venue"]
    lines += [
        "",
        f"venue model: {model['joins']} cold joins through {model['link_mbit']:g} Mbit/s: "
        f"ours {model['ours_s']:.0f} s ({model['ours_bytes'] / 1e6:.2f} MB each), "
        f"stock {model['stock_s']:.0f} s ({model['stock_bytes'] / 1e6:.2f} MB each), ratio {model['ratio']:.2f}",
    ]
    return "\n".join(lines)


def machine() -> dict:
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": psutil.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def run(args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    from bifrost_lab import rooms, store
    from bifrost_lab.programme import load_library

    results: dict = {"machine": machine(), "args": vars(args), "profiles": {}}
    workdir = Path(tempfile.mkdtemp(prefix="bifrost-phones-"))
    stock = start_stock(workdir, args.pool_size)
    serve = None
    try:
        serve = procs.start_serve(workdir, pool_size=args.pool_size)
        engine = store.connect(serve.db_url)
        library = load_library()
        room = rooms.open_room(engine, library, "bifrost", library.programme("bifrost").meetings[0].id)
        room = rooms.go_to_step(engine, room, CARD_STEP)
        store.dispose_all()
        targets = {
            "ours": (f"{serve.participant_url}?code={room.join_code}", ".bf-role-input select"),
            "stock": (stock.url, ".widget-dropdown select"),
        }
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for name in args.profiles:
                    by_kind: dict = {}
                    for label, (url, selector) in targets.items():
                        cold, warm = run_profile(browser, name, PROFILES[name], url, selector, args.runs, args.timeout)
                        by_kind[label] = {"cold": figures(cold), "warm": figures(warm)}
                        print(
                            f"{name:8s} {label:5s} cold {[round(c.seconds, 2) for c in cold]} "
                            f"warm {[round(w.seconds, 2) for w in warm]}",
                            flush=True,
                        )
                    results["profiles"][name] = by_kind
                if not args.skip_pages:  # the moderator's console and the projector: same template, same server
                    results["pages"] = {}
                    for label, url, selector in (
                        ("moderator", serve.moderator_url, ".bf-programme-input select"),
                        ("projector", f"{serve.moderator_url}?room={room.id}", ".bf-board"),
                    ):
                        cold, warm = run_profile(
                            browser, "laptop", PROFILES["laptop"], url, selector, args.runs, args.timeout, LAPTOP
                        )
                        results["pages"][label] = {"cold": figures(cold), "warm": figures(warm)}
                        print(f"laptop   {label} cold {[round(c.seconds, 2) for c in cold]}", flush=True)
            finally:
                browser.close()
    finally:
        stock.stop()
        if serve is not None:
            serve.stop()
    first = next(iter(results["profiles"].values()))
    ours_bytes, stock_bytes = first["ours"]["cold"]["wire_bytes"], first["stock"]["cold"]["wire_bytes"]
    results["venue"] = {
        "joins": args.joins,
        "link_mbit": args.link_mbit,
        "ours_bytes": ours_bytes,
        "stock_bytes": stock_bytes,
        "ours_s": venue(ours_bytes, args.joins, args.link_mbit),
        "stock_s": venue(stock_bytes, args.joins, args.link_mbit),
        "ratio": ours_bytes / stock_bytes,
    }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold + warm loads per page and profile")
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES), choices=list(PROFILES))
    parser.add_argument("--pool-size", type=int, default=3, help="preheated kernels of both servers")
    parser.add_argument("--joins", type=int, default=250, help="venue model: cold joins")
    parser.add_argument("--link-mbit", type=float, default=50, help="venue model: the venue's link")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a page may take")
    parser.add_argument("--skip-pages", action="store_true", help="no moderator and projector figures")
    parser.add_argument("--json", default="", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    results = run(args)
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
