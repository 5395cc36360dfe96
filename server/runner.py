"""Serving the app with uvicorn: the settings that the sync protocol needs from it."""

import ctypes
import logging
import re
import sys

import uvicorn
from litestar import Litestar

from server.connections import (
    CapacityGate,
    ConnectionLimits,
    OpenSockets,
    bounded_protocol,
    fit_descriptor_limit,
)
from server.settings import MIB, Settings
from server.sync.handler import abortable

# Frames a little over our own limit still reach the handler, which answers them with an
# `error` message; beyond this uvicorn closes the socket itself (close code 1009).
FRAME_SLACK = 1 * MIB


# glibc's mallopt parameter, and the size from which allocations get their own mapping.
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 128 * 1024


def return_freed_memory() -> None:
    """Make large blocks (frames, queued messages) go back to the OS when freed (glibc only).

    glibc raises its mmap threshold to the size of each mapped block freed (up to 32 MiB),
    so after the first megabyte frames every later one comes from the heap, and a burst of
    them leaves the process megabytes larger for good (measured: +10 MiB after 400 relayed
    256 KiB messages, never returned). A fixed threshold keeps them mapped and returned.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to tune
        return


SWITCH_INTERVAL_S = 0.001
"""How long the event loop may keep the GIL while another thread waits for it (Python's
default: 5 ms)."""


def hand_back_the_gil_sooner() -> None:
    """Let the storage threads take the GIL back within 1 ms of asking, not 5 ms.

    A query on aiosqlite's thread lets go of the GIL for each step in SQLite and must take it
    back after; while the event loop is busy (a burst of peers), each take-back waits up to
    the switch interval. A commit of a few steps then took 40 ms instead of 1 ms
    (scripts/measure_commit_under_load.py), and every caller of that commit waited too. The
    loop itself loses little: it is made to yield only when a thread is waiting.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)


_SECRET_IN_URL = re.compile(r"(token=)[^&\s\"']+")


class RedactSecrets(logging.Filter):
    """Device tokens travel in WebSocket URLs (`/sync?token=...`); logs never show them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _SECRET_IN_URL.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_IN_URL.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def uvicorn_config(app: Litestar, settings: Settings, log_level: str = "info") -> uvicorn.Config:
    limits = fit_descriptor_limit(
        ConnectionLimits(
            max_connections=settings.max_connections,
            request_timeout_s=settings.request_timeout_s,
            health_reserve=settings.health_reserve,
        )
    )
    sockets = OpenSockets()
    config = uvicorn.Config(
        # Outermost: it reaches uvicorn's own `send` to expose the transport's abort.
        abortable(CapacityGate(app, limits, sockets, lambda: str(app.state.hub.server_peer_id))),
        # h11 (pure Python, what uvicorn picks without httptools) with a request deadline
        # and the connection cap (server/connections.py).
        http=bounded_protocol(limits, sockets),
        backlog=limits.accept_backlog,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        lifespan="on",
        ws_max_size=settings.max_message_bytes + FRAME_SLACK,
        # Clients never ping (spec 1): we do, and never drop a peer merely for being quiet.
        ws_ping_interval=settings.ping_interval_s,
        ws_ping_timeout=settings.ping_interval_s,
        # Deflating multi-megabyte documents costs more CPU than loopback/LAN bandwidth saves.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=10,
    )
    # uvicorn configured its loggers just now; request lines are logged with the full URL.
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
    return config
