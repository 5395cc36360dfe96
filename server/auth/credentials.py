"""Secrets and password hashes. Only hashes are ever stored; secrets are shown once.

Passwords: argon2id (argon2-cffi's RFC 9106 defaults), hashed off the event loop because
each hash deliberately costs tens of milliseconds of CPU and 64 MiB of memory.
"""

import asyncio
import hashlib
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# At most two hashes at a time: each takes 64 MiB, so a burst of sign-ups or sign-ins cannot
# take hundreds of megabytes (the benchmark's account set-up peaked at 300 MiB without this).
_SLOTS = threading.BoundedSemaphore(2)
# Verifying against this when an email is unknown keeps sign-in timing the same either way.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def new_code() -> str:
    """An invite code: short enough to read aloud, 80 bits of entropy."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def secret_hash(secret: str) -> bytes:
    # Secrets are 256-bit random values, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).digest()


def _hash(password: str) -> str:
    with _SLOTS:
        return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            with _SLOTS:
                ok = _hasher.verify(password_hash or _DUMMY_HASH, password)
            return ok and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
