"""Warm kernel starts: real kernels forked by the fork server, driven through jupyter_client."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
from helpers import in_own_thread
from jupyter_client.manager import AsyncKernelManager

from bifrost_lab.server import serve

PROBE = {
    "preloaded": "'bifrost_lab.ui.participant' in __import__('sys').modules",
    "parent": "__import__('os').getppid()",
    "widget_targets": "sorted(t for t in __import__('comm').get_comm_manager().targets if t.startswith('jupyter.widget'))",
    "cwd": "__import__('os').getcwd()",
    "env": "__import__('os').environ.get('BIFROST_TEST_MARK')",
}


def kernelspec_dir(tmp_path: Path, preload: list[str]) -> Path:
    """A copy of the warm kernelspec with another preload list."""
    spec = json.loads((serve.WARM_KERNELSPEC / "kernels" / "python3" / "kernel.json").read_text())
    spec["metadata"]["kernel_provisioner"]["config"]["preload"] = preload
    target = tmp_path / "spec" / "kernels" / "python3"
    target.mkdir(parents=True)
    (target / "kernel.json").write_text(json.dumps(spec))
    return tmp_path / "spec"


async def run_kernel(cwd: Path) -> tuple[dict, AsyncKernelManager]:
    manager = AsyncKernelManager(kernel_name="python3")
    await manager.start_kernel(cwd=str(cwd), env={**os.environ, "BIFROST_TEST_MARK": "marked"})
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute("", reply=True, timeout=60, user_expressions=PROBE)
    finally:
        client.stop_channels()
    values = {name: result["data"]["text/plain"] for name, result in reply["content"]["user_expressions"].items()}
    return values, manager


def test_a_kernel_forked_from_the_warm_parent_has_everything_imported(monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_PATH", str(serve.WARM_KERNELSPEC))
    workdir = tmp_path / "work"
    workdir.mkdir()

    async def scenario() -> None:
        values, manager = await run_kernel(workdir)
        provisioner = manager.provisioner
        pid = provisioner.pid
        try:
            assert type(provisioner).__name__ == "ForkProvisioner"
            assert values["preloaded"] == "True"  # imported by the parent, before the kernel existed
            assert int(values["parent"]) != os.getpid()  # a child of the fork server, not of this process
            assert psutil.Process(int(values["parent"])).cmdline()[1:3] == ["-m", "bifrost_lab.server.forkserver"]
            assert "jupyter.widget.control" in values["widget_targets"]  # Voila's front end asks this target
            assert values["cwd"] == repr(str(workdir))
            assert values["env"] == "'marked'"
            assert await provisioner.poll() is None
            assert "ipykernel_launcher" in " ".join(psutil.Process(pid).cmdline())  # what `ps` shows
        finally:
            await manager.shutdown_kernel(now=True)
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE

    in_own_thread(asyncio.run, scenario())


def test_a_broken_fork_server_falls_back_to_a_normal_kernel(monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_PATH", str(kernelspec_dir(tmp_path, ["bifrost_lab.no_such_module"])))

    async def scenario() -> None:
        values, manager = await run_kernel(tmp_path)
        try:
            assert values["preloaded"] == "False"  # a fresh interpreter
            assert int(values["parent"]) == os.getpid()
            assert "jupyter.widget.control" not in values["widget_targets"]  # ipywidgets not imported yet
        finally:
            await manager.shutdown_kernel(now=True)

    in_own_thread(asyncio.run, scenario())


def test_the_fork_server_exits_with_its_parent(tmp_path):
    """A kill -9 of the Voila server must not leave the fork server (or its kernels) behind."""
    socket_path = tmp_path / "fork.sock"
    script = (
        "import subprocess, sys; p = subprocess.Popen([sys.executable, '-m', 'bifrost_lab.server.forkserver', "
        f"{str(socket_path)!r}]); print(p.pid, flush=True); import time; time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    fork_server = int(parent.stdout.readline())
    deadline = time.monotonic() + 30
    while not socket_path.exists():
        assert time.monotonic() < deadline, "the fork server never listened"
        time.sleep(0.1)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while psutil.pid_exists(fork_server) and psutil.Process(fork_server).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the fork server outlived its parent"
        time.sleep(0.1)
    assert not socket_path.exists()  # and cleaned up after itself


def test_kernels_exit_when_their_fork_server_dies_and_the_next_start_brings_it_back(monkeypatch, tmp_path):
    """kill -9 of a Voila server takes its fork server down; its kernels must not be left polling."""
    monkeypatch.setenv("JUPYTER_PATH", str(serve.WARM_KERNELSPEC))

    async def scenario() -> None:
        values, manager = await run_kernel(tmp_path)
        kernel, fork_server = manager.provisioner.pid, int(values["parent"])
        try:
            os.kill(fork_server, 9)
            deadline = time.monotonic() + 15
            while await manager.provisioner.poll() is None:
                assert time.monotonic() < deadline, "the kernel outlived its fork server"
                await asyncio.sleep(0.2)
        finally:
            await manager.shutdown_kernel(now=True)
        values, manager = await run_kernel(tmp_path)
        try:
            assert values["preloaded"] == "True"
            assert int(values["parent"]) != fork_server  # a new fork server
            assert manager.provisioner.pid != kernel
        finally:
            await manager.shutdown_kernel(now=True)

    in_own_thread(asyncio.run, scenario())
