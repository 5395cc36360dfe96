"""How long the event loop is kept from running: a task that should wake every 5 ms."""

import asyncio
import time

TICK_S = 0.005


class StallMeter:
    """`worst` is the longest the ticking task was kept waiting beyond its 5 ms."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK_S)  # the measurement itself: a timer, not a wait for work
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - TICK_S)
            last = now

    def reset(self) -> None:
        self.worst = 0.0

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
