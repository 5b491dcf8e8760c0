"""The server's schedule: what `statusgen run` does from cron, on each node's own clock.

- every poll node is probed on its own `interval` (`polling.probe_node`);
- a pass is recorded (history, notifications, automatic incidents) when a probe round
  ends, when a push or local replica changes status, when one goes silent past its
  `delay_dead` (the scheduler wakes exactly then), and at least every heartbeat (the
  shortest poll/local interval), so the history keeps sampling a push-only page;
- `output/` and the live API documents are rebuilt after anything visible changed,
  debounced by `server.rebuild_debounce` seconds;
- the custom domain is checked at start and every DOMAIN_EVERY seconds (as a cron
  `statusgen run` would), outside the write lock, then published by a rebuild.

Blocking work (history writes, notification sends, the build) runs in worker threads
under the context's `write_lock`. `stop()` lets a pass or build that has started finish,
so SIGTERM never leaves a half-written history or a held lock; a pass is bounded by the
notify deadline (undelivered messages wait in the outbox), so `stop()` is too. The loops
are never cancelled mid-step: they see the stop flag at their next wake-up and return
(cancelling a task that waits for a lock the canceller holds, or whose cancellation
`wait_for` swallows, is how a SIGTERM once hung the server for minutes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from statusgen.config import Config, Service
from statusgen.errors import StatusgenError
from statusgen.files import locked
from statusgen.health import Evaluation
from statusgen.probes import ClientFactory, ClientPool
from statusgen.probes.limit import Gate, LagProbe, measure_lag
from statusgen.probes.order import Previous, seen_in
from statusgen.run import PassOutcome, merged_pass, previous_pass, record_pass, refresh_domain
from statusgen.server.context import ServerContext
from statusgen.server.memory import release_free_memory
from statusgen.server.polling import probe_node
from statusgen.status import ProbeResult, Status

log = logging.getLogger("statusgen.server")

DOMAIN_EVERY = 300.0  # seconds between two checks of page.custom_domain

Builder = Callable[[Config, datetime, dict[str, Status]], dict[str, bytes]]
"""Rebuilds `output/` for (config, now, live statuses); returns the API documents."""

COALESCE = 0.5  # seconds: rounds ending together make one pass, not several
RUN_LOCK_TIMEOUT = 300.0  # seconds to wait for a `statusgen run` from cron to finish


def heartbeat(config: Config) -> float:
    """Longest gap between two passes: the shortest poll or local interval."""
    intervals = [
        node.metrics(config.metrics).interval
        for _, node in config.iter_nodes()
        if node.mode in ("poll", "local")
    ]
    return min(intervals, default=config.metrics.poll.interval)


class Scheduler:
    """Runs on the server's event loop between `start()` and `stop()`. `run_pass()` and
    `rebuild()` are blocking and may also be called directly (tests, one-off passes)."""

    def __init__(
        self,
        ctx: ServerContext,
        builder: Builder | None = None,
        client_factory: ClientFactory | None = None,
        after_pass: Callable[[Config, PassOutcome, datetime], None] | None = None,
        coalesce: float = COALESCE,
        lag: LagProbe = measure_lag,
    ) -> None:
        self.ctx = ctx
        self.lag = lag
        self.builder = builder
        self.client_factory = client_factory
        self.after_pass = after_pass
        self.coalesce = coalesce
        self.passes = 0
        self.rebuilds = 0
        self.last: PassOutcome | None = None
        self._latest: dict[str, ProbeResult] = {}
        self._latest_lock = threading.Lock()
        self._tasks: list[asyncio.Task] = []
        self._loops: list[asyncio.Task] = []
        self._pass_wanted = asyncio.Event()
        self._rebuild_wanted = asyncio.Event()
        self._busy = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._pool: ClientPool | None = None
        self._gate: Gate | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        config = self.ctx.config
        self._pool = ClientPool(self.client_factory, config.probe.concurrency)
        # Every poll node's probes share one gate: probe.concurrency at most, fewer while
        # the loop (which also serves reports and pages) lags, as in `statusgen run`.
        gate = self._gate = Gate(config.probe.concurrency, lag=self.lag)
        # The first round goes by the history's latest pass (as `statusgen run` does);
        # later rounds by the node's own last round.
        first = await asyncio.to_thread(previous_pass, config, self.ctx.clock())
        for service, node in config.iter_nodes():
            # With [[locations]] the locations probe poll nodes: the server merges them.
            if (
                node.mode == "poll"
                and node.replicas
                and not config.locations
                and node.unavailable is None
            ):
                self._tasks.append(
                    asyncio.create_task(self._poll(service, node.id, gate, first), name=node.id)
                )
        self._loops = [
            asyncio.create_task(self._pass_loop(), name="passes"),
            asyncio.create_task(self._rebuild_loop(), name="rebuilds"),
        ]
        if config.page.custom_domain and config.domain.verify:
            self._loops.append(asyncio.create_task(self._domain_loop(), name="domain"))
        self.request_rebuild()

    async def stop(self) -> None:
        """Stop probing; let a pass or build already under way finish (a pass is bounded
        by the notify deadline); save live state."""
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # The loops return by themselves once the step under way (if any) is done.
        await asyncio.gather(*self._loops, return_exceptions=True)
        if self._gate is not None:
            await self._gate.aclose()
        if self._pool is not None:
            await self._pool.aclose()
        await asyncio.to_thread(self._save_live)
        self._tasks, self._loops = [], []

    def request_pass(self) -> None:
        """Record a pass soon (callable from any thread)."""
        self._set(self._pass_wanted)

    def request_rebuild(self) -> None:
        """Rebuild soon, debounced (callable from any thread)."""
        self._set(self._rebuild_wanted)

    def _set(self, event: asyncio.Event) -> None:
        loop = self._loops[0].get_loop() if self._loops else None
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is not loop:
            loop.call_soon_threadsafe(event.set)
        else:
            event.set()

    # --- loops -------------------------------------------------------------------------

    async def _poll(self, service: Service, node_id: str, gate: Gate, previous: Previous) -> None:
        """Probe one poll node's replicas round after round, each round starting the
        slowest replicas of the round before first (`previous`: the history's latest pass
        for the first round)."""
        node = next(n for n in service.nodes if n.id == node_id)
        metrics = node.metrics(self.ctx.config.metrics)
        loop = asyncio.get_running_loop()
        assert self._pool is not None
        while True:
            began = loop.time()
            results = await probe_node(
                service, node, metrics, self._pool, self.ctx.clock, gate, previous
            )
            previous = seen_in(results)
            with self._latest_lock:
                self._latest.update((r.key, r) for r in results)
            self.request_pass()
            await asyncio.sleep(max(0.0, metrics.interval - (loop.time() - began)))

    async def _pass_loop(self) -> None:
        beat = heartbeat(self.ctx.config)
        while True:
            timeout = beat
            now = self.ctx.clock()
            due = self.ctx.live.next_change(now)
            if due is not None:
                timeout = min(timeout, max(0.0, (due - now).total_seconds()) + 0.01)
            await self._wait(self._pass_wanted, timeout)
            if await self._stopped_within(self.coalesce):
                return
            self._pass_wanted.clear()
            async with self._busy:
                await self._guarded(self.run_pass)

    async def _rebuild_loop(self) -> None:
        first = True  # the first build (at start) is not debounced: the API needs it
        while True:
            await self._wait(self._rebuild_wanted, None)
            debounce = 0.0 if first else self.ctx.config.server.rebuild_debounce
            if await self._stopped_within(debounce):
                return
            first = False
            self._rebuild_wanted.clear()
            async with self._busy:
                await self._guarded(self.rebuild)

    async def _domain_loop(self) -> None:
        # Outside the write lock: a silent resolver must not hold up reports or passes.
        while not self._stopping.is_set():
            status = await asyncio.to_thread(refresh_domain, self.ctx.config, self.ctx.clock())
            if status is not None:
                log.info("event=domain %s", status.summary())
                self.request_rebuild()
            if await self._stopped_within(DOMAIN_EVERY):
                return

    async def _wait(self, event: asyncio.Event, timeout: float | None) -> None:
        """Until `event` is set, `stop()` is called or `timeout` seconds have passed."""
        waiters = [asyncio.ensure_future(e.wait()) for e in (event, self._stopping)]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _stopped_within(self, seconds: float) -> bool:
        """Sleep `seconds` unless `stop()` is called first; True when stopping."""
        if seconds > 0 and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _guarded(self, fn: Callable[[], object]) -> None:
        # A failing pass or build is logged and retried on the next wake-up: the server
        # keeps taking reports and serving the last good site and documents. Bad input
        # (a config or content error) is one line naming the problems; a bug keeps its
        # traceback.
        step = getattr(fn, "__name__", "?")
        try:
            await asyncio.to_thread(_then_release, fn)
        except StatusgenError as exc:
            problems = "; ".join(exc.problems)
            log.error("event=%s-failed serving=last-good-site problems=%r", step, problems)
        except Exception:
            log.exception("event=error step=%s", step)

    # --- the blocking steps ------------------------------------------------------------

    def poll_results(self) -> list[ProbeResult]:
        """The latest result of every poll replica probed so far."""
        with self._latest_lock:
            return list(self._latest.values())

    def run_pass(self) -> PassOutcome:
        """Record one pass of everything known now (latest poll results and live
        replicas), log transitions, notify, and ask for a rebuild."""
        # The run lock is `statusgen run`'s: a cron run in the same checkout queues behind
        # this pass (and this pass behind it) instead of interleaving.
        run_lock = self.ctx.state_dir / "run"
        with self.ctx.write_lock, locked(run_lock, timeout=RUN_LOCK_TIMEOUT):
            now = self.ctx.clock()
            results = self.poll_results() + self.ctx.live.results(now)
            if self.ctx.config.locations:
                outcome = self._merged(results, now)
            else:
                outcome = record_pass(self.ctx.config, results, lambda: now)
            self._save_live()
            log_transitions(self.last.evaluation if self.last else None, outcome.evaluation)
            for warning in outcome.warnings:
                log.warning("event=pass-warning message=%r", warning)
            if self.after_pass is not None:
                try:
                    self.after_pass(self.ctx.config, outcome, now)
                except Exception:
                    log.exception("event=error step=after_pass")
            self.last = outcome
            self.passes += 1
        self.request_rebuild()
        return outcome

    def _merged(self, live: list[ProbeResult], now: datetime) -> PassOutcome:
        """With [[locations]]: the push and local replicas' pass is recorded (as `main`),
        and the pass notified is the locations' merge at `now`."""
        if live:
            record_pass(self.ctx.config, live, lambda: now)
        return merged_pass(self.ctx.config, lambda: now)

    def rebuild(self) -> dict[str, bytes]:
        """Rebuild `output/` and swap in the live API documents of the same build."""
        if self.builder is None:
            return {}
        with self.ctx.write_lock:
            now = self.ctx.clock()
            documents = self.builder(self.ctx.config, now, self.ctx.live.statuses(now))
            self.ctx.documents.replace(documents)
            self.rebuilds += 1
        log.info("event=rebuild documents=%d", len(documents))
        return documents

    def _save_live(self) -> None:
        try:
            self.ctx.live.save(self.ctx.state_dir)
        except OSError as exc:
            log.warning("event=live-state-unsaved error=%r", str(exc))


def _then_release(fn: Callable[[], object]) -> None:
    """`fn`, then the memory it freed back to the OS (in the same worker thread, whose
    arena holds it): a pass or build leaves nothing behind in the server's RSS."""
    try:
        fn()
    finally:
        release_free_memory()


def notify_and_sync(config: Config, outcome: PassOutcome, now: datetime) -> None:
    """What `statusgen run` does after recording a pass, in its order: open or resolve
    automatic incidents, then announce transitions (nothing for nodes under maintenance).
    A broken content file is logged, not fatal: the server keeps its valid items."""
    from statusgen.content import read_content
    from statusgen.notify import notify_pass
    from statusgen.run import sync_auto

    content, problems = read_content(config)
    for problem in problems:
        log.warning("event=content-problem message=%r", problem)
    written = sync_auto(config, content, outcome.evaluation, now)
    for path in written:
        log.info("event=auto-incident file=%s", path)
    if written:
        content, _ = read_content(config)
    held = content.maintenance_nodes(config, now)
    outcome.notify = notify_pass(
        config, outcome.evaluation, outcome.results, now, held=held, last_seen=outcome.last_seen
    )


def log_transitions(before: Evaluation | None, after: Evaluation) -> None:
    """One structured line per replica, node, service or page status change."""
    if before is None:
        return
    for level, old, new in (
        ("replica", before.replicas, after.replicas),
        ("node", before.nodes, after.nodes),
        ("service", before.services, after.services),
        ("page", {"": before.page}, {"": after.page}),
    ):
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                log.info(
                    "event=transition level=%s key=%s from=%s to=%s",
                    level,
                    key or "-",
                    _word(old.get(key)),
                    _word(new.get(key)),
                )


def _word(status: Status | None) -> str:
    return status.value if status is not None else "none"
