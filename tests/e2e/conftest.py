"""End-to-end fixtures: the real `bifrost-lab serve` (two Voila servers) and Debian's Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from helpers import free_port, wait_for_port

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
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def _is_live_kernel(process: psutil.Process) -> bool:
    try:  # a kernel that has just been shut down can be a zombie for a moment
        return process.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(process.cmdline())
    except psutil.Error:
        return False


@dataclass
class Servers:
    process: subprocess.Popen
    db_url: str
    moderator_url: str
    participant_url: str
    participant_port: int
    log: Path

    def voila(self, notebook: str) -> psutil.Process:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            if notebook in " ".join(child.cmdline()) and "voila" in " ".join(child.cmdline()):
                return child
        raise LookupError(notebook)

    def kernels(self, notebook: str = "participant.ipynb") -> int:
        return sum(1 for c in self.voila(notebook).children(recursive=True) if _is_live_kernel(c))


def start_servers(tmp_path: Path, *extra: str, env: dict | None = None) -> Servers:
    moderator_port, participant_port = free_port(), free_port()
    db_url = f"sqlite:///{tmp_path / 'room.sqlite'}"
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bifrost_lab.cli.main",
            "serve",
            "--no-browser",
            "--moderator-port",
            str(moderator_port),
            "--participant-port",
            str(participant_port),
            "--public-host",
            "127.0.0.1",
            "--pool-size",
            "1",
            *extra,
        ],
        env={**os.environ, "BIFROST_DB_URL": db_url, **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for_port(moderator_port)
    wait_for_port(participant_port)
    return Servers(
        process,
        db_url,
        f"http://127.0.0.1:{moderator_port}/",
        f"http://127.0.0.1:{participant_port}/",
        participant_port,
        log,
    )


def stop_servers(servers: Servers) -> None:
    servers.process.send_signal(signal.SIGINT)
    try:
        servers.process.wait(30)
    except subprocess.TimeoutExpired:
        servers.process.kill()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    started = start_servers(tmp_path_factory.mktemp("serve"))
    yield started
    stop_servers(started)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def offline_context(browser, **kwargs):
    """A browser context that may talk to this machine only (the room may have no internet)."""
    context = browser.new_context(**kwargs)
    context.set_default_timeout(30_000)

    def guard(route):
        host = route.request.url.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            context.blocked.append(route.request.url)  # type: ignore[attr-defined]
            route.abort()

    context.blocked = []  # type: ignore[attr-defined]
    context.route("**/*", guard)
    return context


def choose(page, selector: str, label_part: str) -> None:
    """Pick the option whose label contains a text (ipywidgets uses the label as the option value)."""
    page.wait_for_function(
        "([sel, part]) => Array.from(document.querySelector(sel).options).some(o => o.value.includes(part))",
        arg=[selector, label_part],
    )
    values = page.eval_on_selector(selector, "s => Array.from(s.options).map(o => o.value)")
    page.select_option(selector, value=next(value for value in values if label_part in value))


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
