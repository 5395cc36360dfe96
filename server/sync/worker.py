"""A separate process for the binding's whole-document work on large documents.

The binding holds the GIL for the whole of `Document.load` and `save` (about 0.5 s per MiB
stored, `scripts/measure_large_documents.py`), so a thread does not help: while it runs, no
other peer's message is read, applied or answered. This process does that work instead:
taking a stored document apart into its changes (which the loop then applies a few at a
time) and compacting stored bytes into a new snapshot. It starts on first use (most
documents are small and never need it) and is replaced if it dies; a task that was running
in a dead process fails with SyncDataError, nothing else is lost (it only ever reads bytes
and returns bytes: the store stays the caller's).
"""

import asyncio
import logging
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from server.crdt.engine import SyncDataError

log = logging.getLogger(__name__)

T = TypeVar("T")


class DocumentWorker:
    """One worker process, started on first use; `close` stops it."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    @property
    def started(self) -> bool:
        """A worker process is running (it starts on first use)."""
        return self._pool is not None

    async def run(self, work: Callable[[bytes], T], data: bytes) -> T:
        """`work(data)` in the worker process (a module-level function of the engine)."""
        if self._closed:
            raise SyncDataError("the document worker is stopped (shutting down)")
        if self._pool is None:
            # spawn, never fork: a forked child would inherit the server's sockets, its
            # event loop and the aiosqlite threads' locks.
            self._pool = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_parent_decides
            )
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, work, data)
        except BrokenProcessPool as e:
            log.error("the document worker process died (%s); starting another", e)
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise SyncDataError(f"the document worker process died: {e}") from e

    async def close(self) -> None:
        """Stop the process, once the task it runs (if any) is done."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


def _parent_decides() -> None:
    """In the worker: ignore SIGINT and SIGTERM; the server ends this process itself.

    A stop signal sent to the server's whole process group (Ctrl-C in a terminal, a service
    manager, the benchmark harness) would otherwise kill the worker first, and the server's
    last snapshots at shutdown would fail. If the server dies, the worker's pipe closes and
    it exits on its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
