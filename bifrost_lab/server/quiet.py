"""Keep the terminal of `bifrost-lab serve` for what matters: the known harmless warnings of every start are dropped.

Voila says "Notebook moderator.ipynb is not trusted" (our notebooks carry no outputs to trust, and Voila runs
them anyway), every kernel says "Kernel is running over TCP without encryption" (kernels listen on
127.0.0.1 only and talk to their own Voila server), and tornado says at the first page that Voila's websocket
ping timeout is longer than its interval (it then uses the interval). The servers run as `python -m bifrost_lab.server.quiet
voila …` (our Voila subclass, server/voila_app.py), kernels as `… quiet kernel -f …`: each installs the filter and then starts as usual.
"""

from __future__ import annotations

import logging
import os
import sys

HARMLESS = (
    "Kernel is running over TCP without encryption",
    "is not trusted",
    "cannot be longer than the websocket_ping_interval",  # tornado uses the interval instead, as it says
)
VOILA_LOGGER = "Voila"
OUR_VOILA_LOGGER = "BifrostVoila"  # server/voila_app.py logs under its class name
TORNADO_LOGGER = "tornado.general"
KERNEL_LOGGER = "IPKernelApp"


class HarmlessFilter(logging.Filter):
    """Drops a log record whose message is one of the known harmless warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(harmless in message for harmless in HARMLESS)


def silence(*names: str) -> None:
    """Filter the harmless warnings out of these loggers (a traitlets application logs under its class name)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HarmlessFilter) for f in logger.filters):
            logger.addFilter(HarmlessFilter())


def main(argv: list[str] | None = None) -> None:
    """`quiet voila ARGS…` runs Voila, `quiet kernel ARGS…` runs an ipykernel, each with the filter installed."""
    args = sys.argv[1:] if argv is None else argv
    what, rest = (args[0], args[1:]) if args else ("", [])
    if what == "voila":
        silence(VOILA_LOGGER, OUR_VOILA_LOGGER, TORNADO_LOGGER)
        from bifrost_lab.server.voila_app import main as voila_main  # Voila, compressing its responses

        sys.argv = [sys.argv[0], *rest]
        voila_main()
    elif what == "kernel":
        if sys.path and sys.path[0] in ("", os.getcwd()):
            del sys.path[0]  # as ipykernel_launcher does: IPython puts the working folder back where it belongs
        silence(KERNEL_LOGGER)
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance(rest)
    else:
        raise SystemExit("usage: python -m bifrost_lab.server.quiet voila|kernel ARGS…")


if __name__ == "__main__":
    main()
