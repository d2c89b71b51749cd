"""The kernel manager of both Voila servers (set in notebooks/voila.json).

Voila exempts preheated kernels from culling only while they sit in the pool. A kernel handed to
a participant keeps the `last_activity` of its pre-render, which is older than the cull timeout
once the pool has waited that long for the first arrivals; the culler could then shut it down in
the second between the page's HTML and its websocket, and the participant would get a dead page.
A kernel therefore counts as active when the culler first sees it outside the pool.
"""
from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server._tz import utcnow


class HandoutAwareKernelManager(AsyncMappingKernelManager):
    """Culls like jupyter_server, counting a kernel's hand-out from the pool as activity."""

    def __init__(self, **kwargs):  # noqa: ANN003
        super().__init__(**kwargs)
        self._seen_outside_pool: set[str] = set()

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if kernel_id not in self._seen_outside_pool:  # Voila only lets non-pool kernels get here
            self._seen_outside_pool.add(kernel_id)
            kernel = self._kernels.get(kernel_id)
            if kernel is not None and hasattr(kernel, "last_activity"):
                kernel.last_activity = utcnow()
                return
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self._seen_outside_pool.discard(kernel_id)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
