"""Start and measure the servers of a benchmark run: `bifrost-lab serve`, a bare "hello" Voila, a bare ipykernel."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bifrost_lab.server.serve import VOILA_TEMPLATES, WARM_KERNELSPEC, voila_command

HELLO_NOTEBOOK = """{
 "cells": [{"cell_type": "code", "execution_count": null, "id": "hello", "metadata": {}, "outputs": [],
            "source": "import ipywidgets as w\\nw.Label('hello').add_class('hello')"}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
 "nbformat": 4, "nbformat_minor": 5
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


def kernels_of(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [c for c in process.children(recursive=True) if "ipykernel_launcher" in " ".join(c.cmdline())]
    except psutil.Error:
        return []


def wait_for_kernels(process: psutil.Process, count: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    seen, grew = 0, time.monotonic()
    while (started := len(kernels_of(process))) < count and time.monotonic() < deadline:
        if started > seen:
            seen, grew = started, time.monotonic()
        elif seen and time.monotonic() - grew > 30:  # a pool kernel died at start (see the server log): go on
            print(f"warning: {seen} of {count} pool kernels started", file=sys.stderr)
            break
        time.sleep(0.5)
    # The pool is usable once its kernels have run the notebook: wait until they are quiet.
    while time.monotonic() < deadline:
        kernels = kernels_of(process)
        before = cpu_seconds(kernels)
        time.sleep(3)
        if cpu_seconds(kernels) - before < 0.05 * 3:
            return


@dataclass
class Serve:
    """A running `bifrost-lab serve` (moderator + participant Voila servers)."""

    process: subprocess.Popen
    db_url: str
    moderator_url: str
    participant_url: str
    log: Path

    def voila(self, notebook: str) -> psutil.Process:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            line = " ".join(child.cmdline())
            if notebook in line and "voila" in line and "ipykernel" not in line:
                return child
        raise LookupError(notebook)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_serve(
    workdir: Path, *, pool_size: int, db_url: str = "", extra: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> Serve:
    moderator_port, participant_port = free_port(), free_port()
    db_url = db_url or f"sqlite:///{workdir / 'room.sqlite'}"
    log = workdir / "serve.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bifrost_lab.cli.main",
            "serve",
            "--no-browser",
            "--host",
            "127.0.0.1",
            "--moderator-port",
            str(moderator_port),
            "--participant-port",
            str(participant_port),
            "--public-host",
            "127.0.0.1",
            "--pool-size",
            str(pool_size),
            *extra,
        ],
        env={**os.environ, "BIFROST_DB_URL": db_url, **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for_port(moderator_port)
    wait_for_port(participant_port)
    serve = Serve(process, db_url, f"http://127.0.0.1:{moderator_port}/", f"http://127.0.0.1:{participant_port}/", log)
    wait_for_kernels(serve.voila("participant.ipynb"), pool_size)
    return serve


@dataclass
class Voila:
    """A bare Voila server with the same options as the participant server (baseline)."""

    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def start_hello(workdir: Path, *, pool_size: int, kernel_start: str = "spawn") -> Voila:
    notebook = workdir / "hello.ipynb"
    notebook.write_text(HELLO_NOTEBOOK, encoding="utf-8")
    port = free_port()
    command = voila_command(
        "participant.ipynb", ip="127.0.0.1", port=port, extra=["--preheat_kernel=True", f"--pool_size={pool_size}"]
    )
    command[command.index(next(c for c in command if c.endswith("participant.ipynb")))] = str(notebook)
    kernelspecs = (str(WARM_KERNELSPEC),) if kernel_start == "fork" else ()  # as `serve` does
    env = {
        **os.environ,
        "JUPYTER_PATH": os.pathsep.join(
            p for p in (*kernelspecs, str(VOILA_TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p
        ),
    }
    process = subprocess.Popen(
        command,
        cwd=str(workdir),
        env=env,
        stdout=(workdir / "hello.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_port(port)
    wait_for_kernels(psutil.Process(process.pid), pool_size)
    return Voila(process, f"http://127.0.0.1:{port}/")


def bare_ipykernel_rss(settle: float = 3.0) -> float:
    """RSS (MiB) of an idle ipykernel started the way Jupyter starts one, nothing imported."""
    from jupyter_client import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        time.sleep(settle)
        rss = psutil.Process(manager.provisioner.process.pid).memory_info().rss / 2**20
        client.stop_channels()
        return rss
    finally:
        manager.shutdown_kernel(now=True)


@dataclass(frozen=True)
class Memory:
    rss: float
    uss: float
    pss: float


def memory_of(process: psutil.Process) -> Memory | None:
    try:
        full = process.memory_full_info()
        return Memory(full.rss / 2**20, full.uss / 2**20, getattr(full, "pss", 0) / 2**20)
    except psutil.Error:
        return None


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total
