"""Serving the app with uvicorn: the settings that the sync protocol needs from it."""

import uvicorn
from litestar import Litestar

from server.settings import MIB, Settings

# Frames a little over our own limit still reach the handler, which answers them with an
# `error` message; beyond this uvicorn closes the socket itself (close code 1009).
FRAME_SLACK = 1 * MIB


def uvicorn_config(app: Litestar, settings: Settings, log_level: str = "info") -> uvicorn.Config:
    return uvicorn.Config(
        app,
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
