"""RepeatFilter: a flood of one message template becomes a few lines and a count."""

import io
import logging
from collections.abc import Iterator

import pytest

from server.logs import RepeatFilter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def written(clock: Clock) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RepeatFilter(interval_s=10, burst=3, clock=clock))
    logger = logging.getLogger(f"test-repeats-{id(out)}")
    logger.propagate = False
    logger.addHandler(handler)
    yield logger, out
    logger.removeHandler(handler)


def test_repeats_of_one_template_beyond_the_burst_are_suppressed_and_counted(
    written: tuple[logging.Logger, io.StringIO], clock: Clock
) -> None:
    logger, out = written

    for n in range(1000):
        logger.warning("refused connection %d", n)
    clock.now += 10
    logger.warning("refused connection %d", 1000)

    lines = out.getvalue().splitlines()
    assert lines[:3] == ["refused connection 0", "refused connection 1", "refused connection 2"]
    assert lines[3] == "refused connection 1000 [997 more like this suppressed in the last 10 s]"
    assert len(lines) == 4


def test_other_templates_and_levels_are_counted_apart(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = written

    for _ in range(5):
        logger.warning("disk full")
        logger.error("disk full")
        logger.warning("socket closed")

    assert out.getvalue().count("disk full") == 6
    assert out.getvalue().count("socket closed") == 3


def test_a_record_reaching_two_handlers_is_counted_once(clock: Clock) -> None:
    shared = RepeatFilter(interval_s=10, burst=2, clock=clock)
    outs = [io.StringIO(), io.StringIO()]
    logger = logging.getLogger("test-repeats-two-handlers")
    logger.propagate = False
    handlers = [logging.StreamHandler(out) for out in outs]
    for handler in handlers:
        handler.addFilter(shared)
        logger.addHandler(handler)

    for _ in range(4):
        logger.warning("same")
    for handler in handlers:
        logger.removeHandler(handler)

    assert [out.getvalue().count("same") for out in outs] == [2, 2]


def test_the_count_keeps_a_records_arguments_for_formatters_that_read_them() -> None:
    # uvicorn's access formatter unpacks the record's five arguments itself: a record whose
    # arguments were dropped made it raise ("--- Logging error ---" in the server's log).
    now = [0.0]
    repeats = RepeatFilter(interval_s=10, burst=1, clock=lambda: now[0])
    args = ("127.0.0.1:5000", "GET", "/api/health", "1.1", 200)

    def record() -> logging.LogRecord:
        return logging.LogRecord(
            "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
        )

    assert repeats.filter(record())
    assert not repeats.filter(record())
    now[0] = 11.0
    later = record()
    assert repeats.filter(later)

    assert later.args == args
    assert later.getMessage() == (
        '127.0.0.1:5000 - "GET /api/health HTTP/1.1" 200'
        " [1 more like this suppressed in the last 11 s]"
    )
