"""What both Voila servers load from us (notebooks/voila.json names the kernel manager class).

Culling. Voila exempts preheated kernels from culling only while they sit in the pool. A kernel handed to
a participant keeps the `last_activity` of its pre-render, which is older than the cull timeout
once the pool has waited that long for the first arrivals; the culler could then shut it down in
the second between the page's HTML and its websocket, and the participant would get a dead page.
A kernel therefore counts as active when the culler first sees it outside the pool.

Sockets. Every participant page holds about six ZeroMQ sockets in its Voila server (the kernel
channels of its websocket, the pre-render client), all on the kernel manager's one ZeroMQ
context, whose default limit is 1,023 sockets: the 170th participant got "Too many open files"
and a broken page. The context is made with a limit for thousands of pages.

Compiled templates. Voila makes a new exporter, hence a new Jinja environment, for every page, so
every page compiled the whole template tree (bifrost → voila lab → nbconvert lab → base) again:
py-spy put 40 % of the participant server's CPU during a 250-person arrival in Jinja's compiler.
Every exporter's environment now shares one in-memory bytecode cache; Jinja still checks each
template's source checksum, so an edited template is recompiled.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import jinja2
import zmq
import zmq.asyncio
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import default

ZMQ_MAX_SOCKETS = 32768  # ~5,000 pages; each socket costs a file descriptor, see serve.raise_open_files_limit


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled Jinja templates kept in memory for the server's lifetime, shared by all environments."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> jinja2.bccache.Bucket:
        # Code differs between async and sync environments and with the extensions: both are in the key.
        flavour = f"{environment.is_async}|{sorted(environment.extensions)}"
        key = hashlib.sha1(f"{self.get_cache_key(name, filename)}|{flavour}".encode()).hexdigest()
        bucket = jinja2.bccache.Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def share_compiled_templates() -> None:
    """Give every Voila exporter's Jinja environment the shared bytecode cache (idempotent)."""
    from voila.exporter import VoilaExporter

    environment = VoilaExporter.environment
    if getattr(environment.fget, "shares_template_code", False):
        return

    def with_shared_code(exporter: VoilaExporter) -> jinja2.Environment:
        env = environment.fget(exporter)
        if env.bytecode_cache is None:
            env.bytecode_cache = TEMPLATE_CODE
        return env

    with_shared_code.shares_template_code = True  # type: ignore[attr-defined]
    VoilaExporter.environment = property(with_shared_code)


class HandoutAwareKernelManager(AsyncMappingKernelManager):
    """Culls like jupyter_server, counting a kernel's hand-out from the pool as activity."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._seen_outside_pool: set[str] = set()
        share_compiled_templates()  # the kernel manager is made once, when the server starts

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        context = zmq.asyncio.Context()
        context.set(zmq.MAX_SOCKETS, min(ZMQ_MAX_SOCKETS, context.get(zmq.SOCKET_LIMIT)))  # before its first socket
        return context

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if kernel_id not in self._seen_outside_pool:  # Voila only lets non-pool kernels get here
            self._seen_outside_pool.add(kernel_id)
            kernel = self._kernels.get(kernel_id)
            if kernel is not None and hasattr(kernel, "last_activity"):
                kernel.last_activity = utcnow()
                return
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]  # Voila awaits it
        self._seen_outside_pool.discard(kernel_id)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
