"""How many probes a pass keeps in flight: as many as the CPU sustains, found from the
event loop's lag, never more than `probe.concurrency`.

A probe in flight costs CPU only while it sends or reads; one that waits on a slow target
costs nothing (so the runner counts a probe for its first moments only: `slot(hold=...)`).
So the bound is not a fixed number: `AdaptiveLimit` starts low, doubles while the loop
keeps up (lag under `target`), then grows by an eighth at a time, and halves whenever the
loop falls behind. `watch_lag` measures the lag (how late a short sleep wakes) and feeds
it in; tests feed their own measurements. `Gate` puts both together for probers that run
for a long time on a loop that does other work too (the server's poll nodes, the local
agent).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

START = 16  # probes in flight before the first lag measurement
MINIMUM = 4  # never fewer (a pass must progress even on a starved machine)
TARGET_LAG = 0.005  # seconds: above this the loop is behind, and the limit halves
INTERVAL = 0.01  # seconds between lag measurements
# A probe counts against the lag-driven limit until it is answered or for this long,
# whichever comes first: past it, it waits on its target and costs no CPU (the total in
# flight stays bounded by probe.concurrency).
ACTIVE_HOLD = 0.02
# Confirmation attempts counted at once, and only while no first attempt waits for a
# place: a re-check measures the target, not a busy prober.
CONFIRM_CONCURRENCY = 32

LagProbe = Callable[[], Awaitable[float]]
"""Waits a little and returns the event loop's lag over that wait, in seconds."""


class AdaptiveLimit:
    """A semaphore whose size follows `observe(lag)`, between `minimum` and `maximum`.

    `slot(low=True)` is for work that should wait until no normal work is waiting, and
    then runs at most `low_limit` at a time (a pass's confirmation attempts)."""

    def __init__(
        self,
        maximum: int,
        *,
        start: int = START,
        minimum: int = MINIMUM,
        target: float = TARGET_LAG,
        low_limit: int = 1,
    ) -> None:
        self.maximum = maximum
        self.minimum = min(minimum, maximum)
        self.limit = max(self.minimum, min(start, maximum))
        self.target = target
        self.low_limit = max(1, low_limit)
        self.in_flight = 0
        self.low_in_flight = 0
        self.peak = 0
        self._growing = True  # doubling until the loop first falls behind
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._low_waiting: deque[asyncio.Future[None]] = deque()

    def observe(self, lag: float) -> None:
        """One lag measurement: halve when behind, grow when well ahead."""
        if lag > self.target:
            self._growing = False
            self.limit = max(self.minimum, self.limit // 2)
        elif lag < self.target / 2:
            step = self.limit if self._growing else max(1, self.limit // 8)
            self.limit = min(self.maximum, self.limit + step)
        self._wake()

    @contextlib.asynccontextmanager
    async def slot(self, low: bool = False, hold: float | None = None) -> AsyncIterator[None]:
        """A place among the probes counted; with `hold`, given back after that many
        seconds even if the block is still running (a probe waiting on a slow target
        uses no CPU)."""
        await self._acquire(low)
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.in_flight -= 1
                self.low_in_flight -= low
                self._wake()

        timer = None if hold is None else asyncio.get_running_loop().call_later(hold, release)
        try:
            yield
        finally:
            if timer is not None:
                timer.cancel()
            release()

    async def _acquire(self, low: bool) -> None:
        queue = self._low_waiting if low else self._waiting
        while not self._free(low):
            future = asyncio.get_running_loop().create_future()
            queue.append(future)
            try:
                await future
            except BaseException:
                if future in queue:
                    queue.remove(future)
                elif future.done() and not future.cancelled():
                    self._wake()  # pass the wake-up this waiter got on to the next one
                raise
        self.in_flight += 1
        self.low_in_flight += low
        self.peak = max(self.peak, self.in_flight)

    def _free(self, low: bool) -> bool:
        if self.in_flight >= self.limit:
            return False
        return not low or (not self._waiting and self.low_in_flight < self.low_limit)

    def _wake(self) -> None:
        free = self.limit - self.in_flight
        free -= _release(self._waiting, free)
        if not self._waiting:
            _release(self._low_waiting, min(free, self.low_limit - self.low_in_flight))


def _release(queue: deque[asyncio.Future[None]], count: int) -> int:
    """Wake up to `count` waiters of `queue`; returns how many."""
    woken = 0
    while woken < count and queue:
        future = queue.popleft()
        if not future.done():
            future.set_result(None)
            woken += 1
    return woken


async def measure_lag(interval: float = INTERVAL) -> float:
    """How late a sleep of `interval` seconds woke up: the event loop's lag. A loop that
    waits for a CPU other processes hold is late too, and probing less helps it as well:
    each answer then waits behind less work once the loop runs."""
    loop = asyncio.get_running_loop()
    before = loop.time()
    await asyncio.sleep(interval)
    return max(0.0, loop.time() - before - interval)


async def watch_lag(limit: AdaptiveLimit, lag: LagProbe = measure_lag) -> None:
    """Feed `limit` lag measurements until cancelled."""
    while True:
        limit.observe(await lag())


class Gate:
    """Where probes sharing one event loop for a long time wait for a place: at most
    `maximum` (`probe.concurrency`) in flight, and at most an `AdaptiveLimit` counted, each
    for its first `hold` seconds, confirmations (`slot(low=True)`) at most `low_limit` at
    a time, as in a `statusgen run` pass. The loop's lag is measured
    only while some probe holds or wants a place (the first measurement before the first
    one starts), so an idle server does not wake every few milliseconds; the limit found
    carries over from one round to the next."""

    def __init__(
        self,
        maximum: int,
        *,
        lag: LagProbe = measure_lag,
        hold: float | None = None,
        low_limit: int = CONFIRM_CONCURRENCY,
    ) -> None:
        self.maximum = maximum
        self.limit = AdaptiveLimit(maximum, low_limit=low_limit)
        self.hold = ACTIVE_HOLD if hold is None else hold
        self._lag = lag
        self._in_flight = asyncio.Semaphore(maximum)
        self._users = 0
        self._watcher: asyncio.Task[None] | None = None
        self._measured = asyncio.Event()

    @contextlib.asynccontextmanager
    async def slot(self, low: bool = False, hold: float | None = None) -> AsyncIterator[None]:
        """A place for one probe attempt (`low`: a confirmation, as `AdaptiveLimit.slot`),
        counted for `hold` seconds (a first attempt; default: the gate's own hold)."""
        self._users += 1
        if self._watcher is None:
            self._measured = asyncio.Event()
            self._watcher = asyncio.create_task(self._watch(self._measured))
        try:
            await self._measured.wait()
            held = self.hold if hold is None or low else hold
            async with self._in_flight, self.limit.slot(low=low, hold=held):
                yield
        finally:
            self._users -= 1
            if not self._users and self._watcher is not None:
                self._watcher.cancel()
                self._watcher = None

    async def _watch(self, measured: asyncio.Event) -> None:
        self.limit.observe(await self._lag())  # how busy the loop is before any probe
        measured.set()
        await watch_lag(self.limit, self._lag)

    async def aclose(self) -> None:
        """Stop measuring (probes still waiting for a place should be cancelled first)."""
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
