"""Secrets and password hashes. Only hashes are ever stored; secrets are shown once.

Passwords: argon2id (argon2-cffi's RFC 9106 defaults), hashed off the event loop because
each hash deliberately costs tens of milliseconds of CPU and 64 MiB of memory. They run on
threads of their own (`PasswordHashing`), never on the default executor that other work
(the review digest) needs.
"""

import asyncio
import functools
import hashlib
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.errors import Busy

_hasher = PasswordHasher()
# Verifying against this when an email is unknown keeps sign-in timing the same either way.
_DUMMY_HASH = _hasher.hash("not a password of anyone")
# Two hashes at a time: each takes 64 MiB, so a burst of sign-ups or sign-ins cannot take
# hundreds of megabytes (the benchmark's account set-up peaked at 300 MiB without a bound).
HASH_WORKERS = 2

T = TypeVar("T")


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_code() -> str:
    """An invite code: short enough to read aloud, 80 bits of entropy."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(4))


def secret_hash(secret: str) -> bytes:
    # Secrets are 256-bit random values, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).digest()


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


class PasswordHashing:
    """argon2id on `HASH_WORKERS` threads of its own, with a bounded line of waiting requests.

    Beyond `max_waiting` requests waiting for a thread, a new one is refused at once (`Busy`)
    instead of queueing without end: a burst of sign-ups costs its senders a retry, never the
    server its memory or its other work. A request counts until its hash has finished, even
    if its caller stopped waiting, so the bound holds for the threads' actual work.
    """

    def __init__(self, max_waiting: int) -> None:
        self._executor = ThreadPoolExecutor(HASH_WORKERS, thread_name_prefix="argon2")
        self._limit = HASH_WORKERS + max_waiting
        self._pending = 0

    @property
    def pending(self) -> int:
        """Requests hashing or waiting for a thread."""
        return self._pending

    async def hash(self, password: str) -> str:
        return await self._run(functools.partial(_hasher.hash, password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if `password` matches; with no hash, costs the same and says False."""
        return await self._run(functools.partial(_verify, password_hash, password))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def _run(self, work: Callable[[], T]) -> T:
        if self._pending >= self._limit:
            raise Busy("too many sign-ins and sign-ups at once; try again in a moment", 1)
        loop = asyncio.get_running_loop()
        self._pending += 1
        future: Future[T] = self._executor.submit(work)
        # Done in a worker thread (or here, if cancelled before it started): count it on
        # the loop, the only place `_pending` is touched.
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._finished))
        return await asyncio.wrap_future(future)

    def _finished(self) -> None:
        self._pending -= 1
