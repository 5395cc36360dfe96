"""Log floods collapsed: repeats of one message template are counted instead of written.

A hostile client (or a failing disk) can make the same line appear thousands of times a
second; written out, it fills the disk the database needs. Each handler of the process
passes at most `burst` records per (logger, level, template) per interval; the first one
after the interval says how many were suppressed.
"""

import logging
import time
from collections.abc import Callable, Iterable

import msgspec

_MAX_TEMPLATES = 1024  # windows kept at once (f-string messages each count as a template)
_VERDICT = "_repeat_filter_verdict"  # a record reaching several handlers is judged once


class _Window(msgspec.Struct):
    start: float
    passed: int = 0
    suppressed: int = 0


class RepeatFilter(logging.Filter):
    def __init__(
        self,
        interval_s: float = 10.0,
        burst: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.burst = burst
        self._clock = clock
        self._windows: dict[tuple[str, int, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        verdict = getattr(record, _VERDICT, None)
        if verdict is None:
            verdict = self._judge(record)
            setattr(record, _VERDICT, verdict)
        return bool(verdict)

    def _judge(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        window = self._windows.get(key)
        if window is None or now - window.start >= self.interval_s:
            if window is None and len(self._windows) >= _MAX_TEMPLATES:
                self._forget_expired(now)
            if window is not None and window.suppressed:
                _append(record, window.suppressed, now - window.start)
            window = self._windows[key] = _Window(start=now)
        if window.passed < self.burst:
            window.passed += 1
            return True
        window.suppressed += 1
        return False

    def _forget_expired(self, now: float) -> None:
        expired = [k for k, w in self._windows.items() if now - w.start >= self.interval_s]
        for key in expired:
            del self._windows[key]
        if len(self._windows) >= _MAX_TEMPLATES:  # all of them busy: forget counts, not lines
            self._windows.clear()


def _append(record: logging.LogRecord, suppressed: int, seconds: float) -> None:
    # The arguments stay as they are: some formatters read them directly (uvicorn's access
    # formatter unpacks five of them), so only the template grows (the note holds no `%`).
    record.msg = (
        f"{record.msg} [{suppressed} more like this suppressed in the last {seconds:.0f} s]"
    )


def collapse_repeats(logger_names: Iterable[str] = ("", "uvicorn", "uvicorn.access")) -> None:
    """Put one RepeatFilter on every handler of these loggers (the root is "")."""
    shared = RepeatFilter()
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RepeatFilter) for f in handler.filters):
                handler.addFilter(shared)
