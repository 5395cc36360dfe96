"""Turns for peers' messages, so that no turn of the event loop runs long.

asyncio runs, in one turn of its loop, every callback that was ready when the turn began. When
many peers send at once (every phone reconnecting after a restart, a burst of edits), every
socket's message is ready together and one turn handles them all: a turn of hundreds of
milliseconds. Meanwhile nothing else moves: a commit that finished in its thread waits for
the next turn to acknowledge the changes it made durable, so every peer is acknowledged only
at the very end, and an acknowledgement that needs a few turns (the commit's hop, the
settling of its callers, the reply) waits a long turn at each one.

`Pacer.turn` is taken before each message is handled. Within one slice of loop time (a few
milliseconds) it is granted at once; after that, messages wait in order of arrival and are let
through a slice's worth per turn of the loop, in the turns that follow. Each slice's worth is
estimated from what messages cost lately. Nothing is refused or dropped: under a burst the
same messages are handled in the same order, over several short turns instead of one long one,
with commits and replies moving in between. When the loop is not busy nobody ever waits.
"""

import asyncio
import time
from collections import deque

SLICE_S = 0.005
"""Loop time per turn given to messages before the rest wait for the next turns."""

_FIRST_COST_S = 0.0005  # the estimate of one message's cost, before any was measured
_COST_WEIGHT = 0.2  # weight of each new measurement in the running estimate
_MAX_COST_S = SLICE_S  # a slow message (a large upload) counts as one slice, not more


class Pacer:
    def __init__(self, slice_s: float = SLICE_S) -> None:
        self._slice_s = slice_s
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._slice_started: float | None = None  # None: no slice in this turn of the loop
        self._last_grant = 0.0
        self._cost_s = _FIRST_COST_S
        self._next_scheduled = False

    @property
    def waiting(self) -> int:
        """Messages waiting for a turn now."""
        return len(self._waiting)

    @property
    def cost_s(self) -> float:
        """The running estimate of one message's cost on the loop, in seconds."""
        return self._cost_s

    async def turn(self) -> None:
        """Return once this message may be handled: at once, or in a later turn of the loop."""
        now = time.perf_counter()
        if not self._waiting and self._within_slice(now):
            self._granted(now)
            return
        granted = asyncio.get_running_loop().create_future()
        self._waiting.append(granted)
        self._schedule_next()
        await granted
        self._granted(time.perf_counter())

    def _within_slice(self, now: float) -> bool:
        return self._slice_started is None or now - self._slice_started < self._slice_s

    def _granted(self, now: float) -> None:
        if self._slice_started is None:
            self._slice_started = now
            self._schedule_next()
        else:
            # Grants within one slice follow each other: the gap is what the one before cost.
            cost = min(now - self._last_grant, _MAX_COST_S)
            self._cost_s += _COST_WEIGHT * (cost - self._cost_s)
        self._last_grant = now

    def _schedule_next(self) -> None:
        if not self._next_scheduled:
            self._next_scheduled = True
            asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        """The loop has begun another turn: end the slice, and let the next ones through.

        Those let through run in the turn after this one; the slice they start ends in the
        turn after that, and so on until nobody waits.
        """
        self._next_scheduled = False
        self._slice_started = None
        let_through = max(1, int(self._slice_s / max(self._cost_s, 1e-6)))
        while self._waiting and let_through:
            granted = self._waiting.popleft()
            if not granted.done():  # a waiter whose connection closed was cancelled
                granted.set_result(None)
                let_through -= 1
        if self._waiting:
            self._schedule_next()
