"""One probe pass: every replica of the chosen modes, concurrently, under one deadline.

A pass never hangs and never raises for a target that is down: each replica yields a
ProbeResult, and whatever is still running at the pass deadline is recorded as dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import math
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime

from statusgen.clock import Clock
from statusgen.config import Config, Node, NodeMetrics, Replica, Service
from statusgen.config.urls import parse_dns_url
from statusgen.health import judge_probe
from statusgen.probes.base import SOURCE_ADDRESS, Outcome, failed
from statusgen.probes.http import ClientFactory, ClientPool, probe_http, trust
from statusgen.probes.icmp import probe_icmp
from statusgen.probes.judge import apply_conditions, judge_certificate
from statusgen.probes.limit import (
    ACTIVE_HOLD,
    CONFIRM_CONCURRENCY,
    AdaptiveLimit,
    LagProbe,
    measure_lag,
    watch_lag,
)
from statusgen.probes.order import Previous, start_longest_first
from statusgen.probes.plan import Plan, plan_for
from statusgen.probes.tcp import probe_tcp
from statusgen.probes.tlsconn import probe_tls
from statusgen.status import ProbeResult, Status, replica_key

DEADLINE_GRACE = 5.0  # seconds on top of the slowest replica's worst case
DEADLINE_EXCEEDED = "pass deadline exceeded"

OnResult = Callable[[ProbeResult], None]
Slot = Callable[[bool], AbstractAsyncContextManager[None]]
"""A place for one attempt among the probes sharing a loop: `slot(low)`, with `low` for a
confirmation (`AdaptiveLimit.slot`, `Gate.slot`)."""

log = logging.getLogger("statusgen.probes")


@dataclass(frozen=True, slots=True)
class Target:
    """One replica to probe, with its node's resolved metrics and how to probe it."""

    service: Service
    node: Node
    replica: Replica
    metrics: NodeMetrics
    plan: Plan

    @property
    def key(self) -> str:
        return replica_key(self.service.id, self.node.id, self.replica.id or "")

    @classmethod
    def of(cls, service: Service, node: Node, replica: Replica, metrics: NodeMetrics) -> Target:
        """`replica` of `node` with its plan worked out."""
        return cls(service, node, replica, metrics, plan_for(node, replica))


async def probe_replica(
    service: Service,
    node: Node,
    replica: Replica,
    metrics: NodeMetrics,
    client: ClientPool | None,
    clock: Clock,
) -> ProbeResult:
    """Probe one replica, retrying failures up to `metrics.retry` times, each attempt
    bounded by `metrics.delay_dead`. `latency` is the final attempt's; `at` is when the
    probe started. `client` serves HTTP(S) replicas; None makes a one-off pool."""
    if client is None and replica.scheme in ("http", "https"):
        async with ClientPool() as pool:
            return await probe_replica(service, node, replica, metrics, pool, clock)
    at = clock()
    target = Target.of(service, node, replica, metrics)
    outcome, attempts = await _attempts(target, client, metrics.retry)
    return _result(service, node, replica, metrics, at, outcome, attempts)


async def _attempts(target: Target, client: ClientPool | None, retry: int) -> tuple[Outcome, int]:
    """The last attempt's outcome and how many attempts: failures are tried again up to
    `retry` times."""
    plan, metrics = target.plan, target.metrics
    attempts = 0
    while True:
        attempts += 1
        try:
            outcome = await _attempt(plan, metrics.delay_dead, client)
            outcome = apply_conditions(plan.scheme, plan.conditions, outcome)
        except Exception as exc:  # noqa: BLE001 - one broken probe must not end the pass
            outcome = _crashed(exc, target.service, target.node, target.replica)
        outcome = judge_certificate(outcome, metrics.tls_expiry_sick_days)
        if outcome.ok or not outcome.retryable or attempts > retry:
            return outcome, attempts


async def probe_checked(
    target: Target,
    pool: ClientPool | None,
    clock: Clock,
    slot: Slot,
    began: Callable[[], None] | None = None,
) -> ProbeResult:
    """Probe `target` in a place from `slot` (retrying failures up to its `retry`), and
    when the answer is sick for its latency alone, once more in a low place (a
    confirmation, once no first attempt waits) before the result is recorded: what
    `run_probes`, the server's poll nodes and the local agent all do with a replica.
    `began` is called once the first attempt has its place."""
    metrics = target.metrics
    async with slot(False):
        if began is not None:
            began()
        at = clock()
        outcome, attempts = await _attempts(target, pool, metrics.retry)
    if slow_only(outcome, metrics):
        async with slot(True):
            again, _ = await _attempts(target, pool, 0)
        outcome, attempts = confirmed(outcome, again), attempts + 1
    service, node, replica = target.service, target.node, target.replica
    return _result(service, node, replica, metrics, at, outcome, attempts)


def slow_only(outcome: Outcome, metrics: NodeMetrics) -> bool:
    """Whether `outcome` is sick for its latency alone (slower than `delay_sick`), not for
    a condition or a certificate: the verdict a busy prober could have caused."""
    return not outcome.sick and _status(outcome, metrics) is Status.SICK


def confirmed(first: Outcome, again: Outcome) -> Outcome:
    """The confirmation attempt's outcome, its reason naming the re-check and the first
    answer's time: `HTTP 200 (re-checked: first answer took 612 ms)`."""
    took = f"{(first.latency or 0.0) * 1000:.0f} ms"
    return replace(again, reason=f"{again.reason} (re-checked: first answer took {took})")


def _result(
    service: Service,
    node: Node,
    replica: Replica,
    metrics: NodeMetrics,
    at: datetime,
    outcome: Outcome,
    attempts: int,
) -> ProbeResult:
    return ProbeResult(
        service=service.id,
        node=node.id,
        replica=replica.id or "",
        label=replica.label or "",
        at=at,
        ok=outcome.ok,
        latency=outcome.latency,
        reason=outcome.reason,
        attempts=attempts,
        status=_status(outcome, metrics),
        certificate_expires=outcome.facts.certificate_expires if outcome.facts else None,
        connect=outcome.connect,
        tls=outcome.tls,
    )


def _status(outcome: Outcome, metrics: NodeMetrics) -> Status:
    status = judge_probe(outcome.ok, outcome.latency, metrics.delay_sick, metrics.delay_dead)
    return Status.worst([status, Status.SICK]) if outcome.sick else status


def _crashed(exc: BaseException, service: Service, node: Node, replica: Replica) -> Outcome:
    """An exception no probe expects (a library bug such as anyio's `getpeername` on a
    socket reset during connect): that replica is dead, the pass goes on, and the
    traceback goes to the debug log (the label, never the URL, names the replica)."""
    where = f"{service.id}/{node.id} ({replica.label})"
    log.debug("probe of %s failed unexpectedly", where, exc_info=exc)
    return failed(f"probe failed unexpectedly ({type(exc).__name__}; see the debug log)")


async def _attempt(plan: Plan, timeout: float, pool: ClientPool | None) -> Outcome:
    scheme, host, port = plan.scheme, plan.host, plan.port
    if scheme in ("http", "https") and pool is not None:
        return await probe_http(plan.url, plan.http, timeout, pool, plan.read_body, plan.ca_file)
    if scheme == "tcp" and port is not None:
        return await probe_tcp(host, port, timeout)
    if scheme == "icmp":
        return await probe_icmp(host, timeout)
    if scheme == "tls" and port is not None:
        return await probe_tls(host, port, timeout, plan.ca_file)
    if scheme == "dns":
        from statusgen.probes.dns import probe_dns  # dnspython: only for dns:// nodes

        return await probe_dns(parse_dns_url(plan.url), timeout)
    # The config accepts nothing else, so this is a bug, not a down target.
    raise ValueError(f"cannot probe a {scheme!r} replica")


Shard = tuple[int, int]
"""(K, N): the K-th of N shards, 1 <= K <= N."""


def in_shard(key: str, shard: Shard | None) -> bool:
    """Whether replica `key` belongs to `shard`: a hash of the key alone, so a replica
    stays in its shard however the rest of the fleet changes."""
    if shard is None:
        return True
    number, count = shard
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count == number - 1


def targets(
    config: Config, modes: Iterable[str] = ("poll",), shard: Shard | None = None
) -> list[Target]:
    """Every replica of every node in `modes` (in `shard` only, when given), in config
    display order. A node whose replica URL, headers or body use a `${NAME}` that is not
    set is left out (it has no data; `config.secret_warnings()` says why)."""
    wanted = set(modes)
    found = []
    for service, node in config.iter_nodes():
        if node.mode not in wanted or node.unavailable is not None:
            continue
        metrics = node.metrics(config.metrics)
        for replica in node.replicas:
            if in_shard(f"{service.id}/{node.id}/{replica.id or ''}", shard):
                found.append(Target.of(service, node, replica, metrics))
    return found


def default_deadline(metrics: Sequence[NodeMetrics], concurrency: int) -> float:
    """Long enough for every replica to use all its attempts: the worst replica's
    `delay_dead * (retry + 1)` (at least two attempts' worth: a slow answer gets a
    confirmation attempt), once per wave of `concurrency` replicas, plus a grace."""
    if not metrics:
        return DEADLINE_GRACE
    worst = max(m.delay_dead * max(m.retry + 1, 2) for m in metrics)
    waves = math.ceil(len(metrics) / concurrency)
    return worst * waves + DEADLINE_GRACE


async def run_probes(
    config: Config,
    clock: Clock,
    modes: Iterable[str] = ("poll",),
    client_factory: ClientFactory | None = None,
    on_result: OnResult | None = None,
    lag: LagProbe = measure_lag,
    shard: Shard | None = None,
    source_address: str | None = None,
    previous: Previous | None = None,
) -> list[ProbeResult]:
    """Probe every replica of the nodes in `modes` and return one result per replica in
    config order. Replicas start longest expected first, going by `previous` (what the
    last pass saw: `order.start_order`), in config order without it. At most
    `config.probe.concurrency` probes are in flight, fewer while the event loop lags
    (`AdaptiveLimit`, fed by `lag`). A replica sick for its latency alone is probed once
    more, at low concurrency, before its result is recorded. With `shard`, only that
    shard's replicas; with `source_address`, every connection leaves from it.

    The pass ends by `config.probe.deadline` (default: `default_deadline`); replicas not
    finished by then are dead with reason `pass deadline exceeded`. `on_result` is
    called with each result as it arrives (for progress display)."""
    if source_address is not None:
        SOURCE_ADDRESS.set(source_address)  # the pass's own task context
    todo = targets(config, modes, shard)
    concurrency = config.probe.concurrency
    deadline = config.probe.deadline or default_deadline([t.metrics for t in todo], concurrency)
    limit = AdaptiveLimit(concurrency, low_limit=CONFIRM_CONCURRENCY)
    in_flight = asyncio.Semaphore(concurrency)
    results: list[ProbeResult | None] = [None] * len(todo)
    began: set[int] = set()
    started = clock()

    async with ClientPool(client_factory, concurrency) as pool:
        # Loading a CA store blocks the loop for tens of milliseconds: do it before any
        # probe starts (only if some node uses TLS), or every probe in flight waits.
        clients = {(t.plan.http.verify_tls, t.plan.ca_file) for t in todo if _is_http(t)}
        for verify, ca_file in clients:
            pool.get(verify, ca_file)
        tls_clients = {(t.plan.http.verify_tls, t.plan.ca_file) for t in todo if _is_https(t)}
        for verify, ca_file in tls_clients:
            if not (verify and ca_file):  # a CA file's context is made with its client
                trust(verify)

        @contextlib.asynccontextmanager
        async def slot(low: bool, hold: float | None = None) -> AsyncIterator[None]:
            held = ACTIVE_HOLD if hold is None or low else hold
            async with in_flight, limit.slot(low=low, hold=held):
                yield

        async def probe(index: int, slow: bool) -> None:
            # A replica the last pass saw slow answers late: counted only while it starts
            # (one loop turn), it does not hold up the next ones' start.
            place = functools.partial(slot, hold=0.0) if slow else slot
            result = await probe_checked(todo[index], pool, clock, place, lambda: began.add(index))
            results[index] = result
            if on_result is not None:
                on_result(result)

        limit.observe(await lag())  # how busy the loop is before the first probe starts
        watcher = asyncio.create_task(watch_lag(limit, lag))
        tasks = start_longest_first([(t.key, t.metrics) for t in todo], previous, probe)
        try:
            if tasks:
                done, pending = await asyncio.wait(tasks, timeout=deadline)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                for index, task in enumerate(tasks):
                    error = task.exception() if task in done else None
                    if error is None:
                        continue
                    if results[index] is not None:
                        raise error  # the caller's on_result broke: its bug, surfaced
                    # _attempts turns probe errors into outcomes; whatever got past it is
                    # still one dead replica, not a dead pass.
                    results[index] = _failed_target(todo[index], started, error)
                    if on_result is not None:
                        on_result(results[index])
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    late = [_late(t, started, i in began) for i, t in enumerate(todo) if results[i] is None]
    for result in late:
        if on_result is not None:
            on_result(result)
    late_iter = iter(late)
    return [r if r is not None else next(late_iter) for r in results]


def _is_http(target: Target) -> bool:
    return target.plan.scheme in ("http", "https")


def _is_https(target: Target) -> bool:
    return target.plan.scheme == "https"


def _failed_target(target: Target, started: datetime, exc: BaseException) -> ProbeResult:
    t = target
    outcome = _crashed(exc, t.service, t.node, t.replica)
    return _result(t.service, t.node, t.replica, t.metrics, started, outcome, 1)


def _late(target: Target, started: datetime, began: bool) -> ProbeResult:
    return ProbeResult(
        service=target.service.id,
        node=target.node.id,
        replica=target.replica.id or "",
        label=target.replica.label or "",
        at=started,
        ok=False,
        latency=None,
        reason=DEADLINE_EXCEEDED,
        attempts=1 if began else 0,
        status=Status.DEAD,
    )


def probe_pass(
    config: Config,
    clock: Clock,
    modes: Iterable[str] = ("poll",),
    client_factory: ClientFactory | None = None,
    on_result: OnResult | None = None,
    shard: Shard | None = None,
    source_address: str | None = None,
    previous: Previous | None = None,
) -> list[ProbeResult]:
    """`run_probes` for synchronous callers (the CLI): runs its own event loop, uvloop's
    when installed (it cuts the prober's CPU per attempt, and so the queueing that a
    busy loop adds to every measured latency, by about a tenth)."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(
            run_probes(
                config,
                clock,
                modes,
                client_factory,
                on_result,
                shard=shard,
                source_address=source_address,
                previous=previous,
            )
        )


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
