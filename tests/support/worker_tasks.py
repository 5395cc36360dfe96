"""Tasks for the document worker process in tests (module level, so the process finds them)."""

import os


def die(data: bytes) -> bytes:
    """End the worker process at once, as a crash in the binding would."""
    os._exit(70)


def echo(data: bytes) -> bytes:
    return data


def process_id(data: bytes) -> int:
    return os.getpid()
