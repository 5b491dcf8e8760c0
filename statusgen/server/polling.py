"""Probing one node's replicas: what the scheduler (poll nodes) and the local agent (local
nodes) do on each node's own interval, with the probe engine of `statusgen.probes`."""

from __future__ import annotations

import asyncio
import functools

from statusgen.clock import Clock
from statusgen.config import Node, NodeMetrics, Service
from statusgen.probes import DEADLINE_EXCEEDED, ClientPool, default_deadline
from statusgen.probes.limit import Gate
from statusgen.probes.order import Previous, start_longest_first
from statusgen.probes.runner import Target, probe_checked
from statusgen.status import ProbeResult, Status


async def probe_node(
    service: Service,
    node: Node,
    metrics: NodeMetrics,
    pool: ClientPool,
    clock: Clock,
    gate: Gate,
    previous: Previous | None = None,
) -> list[ProbeResult]:
    """One result per replica of `node`, in config order, started longest expected first
    by `previous` (the node's last round: `statusgen.probes.order`). Probes share `gate`
    with every other node's (at most `probe.concurrency` in flight, fewer while the event
    loop lags); a replica sick for its latency alone is probed once more at low
    concurrency before its result is recorded (`probe_checked`, as in `statusgen run`).
    The round ends by the pass deadline the probe engine would give these replicas, and
    a replica still running then is dead (`pass deadline exceeded`)."""
    started = clock()

    targets = [Target.of(service, node, replica, metrics) for replica in node.replicas]

    async def one(index: int, slow: bool) -> ProbeResult:
        # A replica the last round saw slow counts only while it starts (as in a pass).
        place = functools.partial(gate.slot, hold=0.0) if slow else gate.slot
        return await probe_checked(targets[index], pool, clock, place)

    if not targets:
        return []
    tasks = start_longest_first([(t.key, metrics) for t in targets], previous, one)
    deadline = default_deadline([metrics] * len(tasks), gate.maximum)
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    results = []
    for task, replica in zip(tasks, node.replicas, strict=True):
        if task in done:
            results.append(task.result())
        else:
            results.append(
                ProbeResult(
                    service=service.id,
                    node=node.id,
                    replica=replica.id or "",
                    label=replica.label or "",
                    at=started,
                    ok=False,
                    latency=None,
                    reason=DEADLINE_EXCEEDED,
                    status=Status.DEAD,
                )
            )
    return results
