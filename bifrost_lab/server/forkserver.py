"""Warm kernel starts: participant kernels forked from a parent that has already imported everything.

A participant kernel started the usual way costs 1–1.5 CPU-seconds: a new interpreter imports
ipykernel, IPython, ipywidgets, the database driver and our package before the notebook's first
cell can run. When 50 people scan the QR code within half a minute, those starts saturate two
cores and joins take tens of seconds. Here one *fork server* per Voila server imports all of
that once; each kernel is then a `fork()` of it that only sets up its sockets (≈0.1 CPU-s), and
the imported modules' memory is shared copy-on-write between all kernels.

`ForkProvisioner` is a jupyter_client kernel provisioner (entry point `bifrost-fork`, chosen by
the kernelspec in bifrost_lab/server/kernelspec/, which `serve` puts on the participant server's
JUPYTER_PATH). It writes the connection file like the local provisioner, asks the fork server
for a child, and manages that child by pid. If the fork server cannot be reached, it starts the
kernel the usual way, so a participant is never left without a kernel.

The fork server (`python -m bifrost_lab.server.forkserver SOCKET MODULE...`) must stay single-threaded
and must not open sockets, database connections or event loops before it forks; importing
modules does none of that. It exits when its Voila server goes away; its kernels then see their
parent vanish and exit as Popen kernels do.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import setproctitle
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from traitlets import List, Unicode

LAUNCHER = ["-m", "ipykernel_launcher"]
START_TIMEOUT_S = 60.0
SOCKET_DIR_PREFIX = "bifrost-fork-"


# -- the fork server (its own process) -------------------------------------------------------------


def serve_forever(socket_path: str, preload: list[str]) -> None:
    """Import `preload`, then fork a kernel for every request on `socket_path` until the parent goes away."""
    parent = os.getppid()
    import ipykernel.kernelapp  # noqa: F401 - the point is to have it imported before forking

    for name in preload:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()  # the collector then never writes to the inherited objects, so their pages stay shared
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the OS reaps exited kernels: no zombies

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path + ".new")
    listener.listen(64)
    os.rename(socket_path + ".new", socket_path)  # the path appears only once connections are accepted
    listener.settimeout(1.0)
    while os.getppid() == parent:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        with connection:
            connection.settimeout(10)
            try:
                request = json.loads(_read_line(connection))
            except (OSError, ValueError):
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                connection.close()
                _become_kernel(request)  # never returns
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    listener.close()
    with contextlib.suppress(OSError):  # its Voila server is gone: leave no stale socket (or folder) behind
        os.unlink(socket_path)
        if os.path.basename(os.path.dirname(socket_path)).startswith(SOCKET_DIR_PREFIX):
            os.rmdir(os.path.dirname(socket_path))


def _read_line(connection: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode()


def _become_kernel(request: dict[str, Any]) -> None:
    """In the forked child: take the kernel's environment and run ipykernel; exits the process."""
    code = 1
    try:
        # `ps` and process tools then see a kernel, as for any other; before the environment is
        # replaced, which would hide from setproctitle the memory it rewrites
        setproctitle.setproctitle(" ".join([sys.executable, *LAUNCHER, *request["argv"]]))
        os.setsid()  # its own process group, as the local provisioner gives a kernel
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        import random

        random.seed()  # do not share the parent's random state
        from ipykernel.kernelapp import IPKernelApp

        from bifrost_lab.server.quiet import KERNEL_LOGGER, silence

        silence(KERNEL_LOGGER)  # the known harmless warnings of every start (quiet.py)
        sys.argv = [sys.executable, *LAUNCHER, *request["argv"]]
        # parent_handle's default was read from the environment when the fork server imported ipykernel
        app = IPKernelApp.instance(parent_handle=os.getppid())
        app.initialize(request["argv"])
        widgets = sys.modules.get("ipywidgets")
        if widgets is not None:  # imported before there was a kernel, so its comm targets are not registered yet
            widgets.register_comm_target()
        app.start()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    except BaseException:  # noqa: BLE001 - report, then leave without running the parent's cleanup
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# -- the provisioner (in the Voila server) --------------------------------------------------------


class ForkedKernel:
    """The Popen-like handle LocalProvisioner expects, for a kernel that is the fork server's child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._process: psutil.Process | None = psutil.Process(pid)
        except psutil.NoSuchProcess:
            self._process = None

    def poll(self) -> int | None:
        if self.returncode is None:
            alive = (
                self._process is not None
                and self._process.is_running()
                and self._process.status() != psutil.STATUS_ZOMBIE
            )
            if not alive:
                self.returncode = 0  # not our child: its exit status is not ours to read
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"kernel {self.pid} still running")
            time.sleep(0.05)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class _ForkServer:
    """One fork server per Voila server process, started on first use (and again if it died)."""

    def __init__(self, preload: list[str]) -> None:
        self.preload = preload
        self.socket_path = str(Path(tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX)) / "fork.sock")
        self.process: subprocess.Popen | None = None

    async def ensure_started(self) -> None:
        # No await between the check and Popen: concurrent pool refills start one fork server, not fifty.
        if self.process is None or self.process.poll() is not None:
            if os.path.exists(self.socket_path):
                os.unlink(self.socket_path)
            # stdout and stderr are the server's, so kernels' stray output lands in the server log
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bifrost_lab.server.forkserver", self.socket_path, *self.preload],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not os.path.exists(self.socket_path):  # it listens once everything is imported
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the fork server did not start")
            await asyncio.sleep(0.05)

    async def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        await self.ensure_started()
        reader, writer = await asyncio.open_unix_connection(self.socket_path)
        try:
            writer.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode() + b"\n")
            await writer.drain()
            reply = await asyncio.wait_for(reader.readline(), 10)
        finally:
            writer.close()
        return int(json.loads(reply)["pid"])


_servers: dict[tuple[str, ...], _ForkServer] = {}


class ForkProvisioner(LocalProvisioner):
    """Starts ipykernel kernels as forks of a warm parent (see the module docstring)."""

    preload = List(Unicode(), config=True, help="Modules the fork server imports before it forks kernels")

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        argv = _kernel_arguments(cmd)
        if argv is None:
            return await super().launch_kernel(cmd, **kwargs)
        key = tuple(self.preload)
        server = _servers.get(key) or _servers.setdefault(key, _ForkServer(list(self.preload)))
        env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            pid = await server.fork(argv, env, cwd)
        except (TimeoutError, OSError, RuntimeError, ValueError, KeyError) as error:
            self.log.warning("fork server unavailable (%s); starting the kernel the usual way", error)
            return await super().launch_kernel([sys.executable, *LAUNCHER, *argv], **kwargs)
        self.process = ForkedKernel(pid)  # type: ignore[assignment]  # has what LocalProvisioner uses of a Popen
        self.pid = pid
        self.pgid = pid  # the child makes itself a session (and group) leader; never signal the fork server's group
        self.cwd = cwd
        return self.connection_info


def _kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The ipykernel arguments of a `python -m ipykernel_launcher ...` command, else None."""
    if len(cmd) >= 3 and cmd[1:3] == LAUNCHER:
        return cmd[3:]
    return None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    serve_forever(args[0], args[1:])


if __name__ == "__main__":
    main()
