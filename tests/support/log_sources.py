"""Logs a failing test's report shows: each fixture that starts a process or a browser adds
a (name, read) pair to the `log_sources` fixture (tests/conftest.py), read only on failure."""

from collections.abc import Callable

import pytest

LogSource = tuple[str, Callable[[], str]]

LOG_SOURCES = pytest.StashKey[list[LogSource]]()
