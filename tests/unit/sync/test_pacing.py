"""Peers' messages take turns (server/sync/pacing.py): a burst spreads over short loop turns."""

import asyncio
import time
from collections.abc import Callable

import pytest

from server.sync.pacing import Pacer

COST_S = 0.001  # what each message of the burst costs the loop here (busy, like a real one)
SLICE_S = 0.005


def _spend(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class TurnCounter:
    """Counts the event loop's turns: a callback that schedules itself again each turn."""

    def __init__(self) -> None:
        self.turn = 0
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        self.turn += 1
        self._handle = self._loop.call_soon(self._tick)

    def stop(self) -> None:
        self._handle.cancel()


async def _burst(
    pacer: Pacer, count: int, on_grant: Callable[[int], None] | None = None
) -> list[int]:
    """`count` messages arriving together; the order in which they were let through."""
    order: list[int] = []

    async def message(n: int) -> None:
        await pacer.turn()
        order.append(n)
        if on_grant is not None:
            on_grant(n)
        _spend(COST_S)

    await asyncio.gather(*(message(n) for n in range(count)))
    return order


async def test_a_quiet_loop_lets_every_message_through_at_once() -> None:
    pacer = Pacer(SLICE_S)
    for _ in range(3):
        turn = pacer.turn()
        with pytest.raises(StopIteration):  # finished without suspending
            turn.send(None)
    assert pacer.waiting == 0


async def test_a_burst_goes_through_in_order_a_slice_per_turn() -> None:
    pacer = Pacer(SLICE_S)
    counter = TurnCounter()
    turns: list[int] = []

    order = await _burst(pacer, 120, lambda _: turns.append(counter.turn))
    counter.stop()

    assert order == list(range(120))  # nobody overtaken, nobody dropped
    per_turn = [turns.count(t) for t in sorted(set(turns))]
    # Without turns all 120 (120 ms here) would run in one turn of the loop.
    assert len(per_turn) >= 120 * COST_S / SLICE_S / 2
    assert max(per_turn) <= SLICE_S / COST_S + 2
    assert pacer.cost_s >= COST_S / 2  # it learned what messages cost


async def test_other_work_moves_between_the_slices_of_a_burst() -> None:
    """A commit's completion (here: a callback scheduled as the burst begins) is not held up
    until the whole burst is handled."""
    pacer = Pacer(SLICE_S)
    granted_before_it: list[int] = []
    granted: list[int] = []
    loop = asyncio.get_running_loop()
    loop.call_soon(lambda: granted_before_it.extend(granted))

    await _burst(pacer, 100, granted.append)

    assert len(granted) == 100
    assert len(granted_before_it) <= SLICE_S / COST_S + 2


async def test_a_waiting_message_whose_connection_closed_gives_its_turn_away() -> None:
    pacer = Pacer(SLICE_S)
    order: list[int] = []

    async def message(n: int) -> None:
        await pacer.turn()
        order.append(n)
        _spend(COST_S)

    tasks = [asyncio.create_task(message(n)) for n in range(30)]
    await asyncio.sleep(0)  # one turn: the first slice's worth went through
    assert 0 < len(order) < 10
    assert pacer.waiting == 30 - len(order)
    closed = tasks[10:15]
    for task in closed:
        task.cancel()

    await asyncio.gather(*tasks, return_exceptions=True)

    assert all(task.cancelled() for task in closed)
    assert order == [*range(10), *range(15, 30)]
    assert pacer.waiting == 0
