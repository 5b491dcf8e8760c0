"""In what order a pass starts its replicas: the longest expected first.

A pass lasts at least as long as its slowest replica, and a replica that starts late
ends late: with every first attempt taking a little CPU to start (about a millisecond
on loopback), a hanging replica listed last in a 1,000-replica config starts a second
after the first and ends the pass a second after its own time. Starting the replicas
expected to take longest first (the longest-processing-time rule for a makespan) makes
the pass end close to its slowest replica.

What a replica is expected to take comes from the previous pass (the history's latest
pass for `statusgen run`, the scheduler's own last round in `statusgen serve`), passed in
by the caller as a `Previous`: the probe engine never reads the history itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from statusgen.config import NodeMetrics
from statusgen.status import ProbeResult, Status

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Seen:
    """What the previous pass recorded for one replica: its status and latency (seconds;
    None when nothing answered: a timeout, a refused connection)."""

    status: Status
    latency: float | None


Previous = Mapping[str, Seen]
"""Replica key (`service/node/replica`) -> what the previous pass saw of it."""


def seen_in(results: Iterable[ProbeResult]) -> dict[str, Seen]:
    """A pass's results as the `Previous` of the next pass."""
    return {r.key: Seen(r.status, r.latency) for r in results}


def expected_seconds(seen: Seen | None, metrics: NodeMetrics) -> float:
    """How long probing a replica is expected to take, from what the previous pass saw:

    - nothing answered (a timeout, or dead without a latency): every attempt's timeout,
      `delay_dead * (retry + 1)`;
    - dead with a latency (a wrong answer, retried): `latency * (retry + 1)`;
    - slower than `delay_sick` (sick for its latency: a confirmation attempt follows):
      twice its latency;
    - otherwise its latency;
    - never seen (a new replica, or no previous pass): `delay_sick`, which ranks it
      after the replicas known to be slow and before those known to be fast.
    """
    if seen is None:
        return metrics.delay_sick
    attempts = metrics.retry + 1
    if seen.latency is None:
        return metrics.delay_dead * attempts
    if seen.status is Status.DEAD:
        return seen.latency * attempts
    if seen.latency > metrics.delay_sick:
        return 2 * seen.latency
    return seen.latency


def expected_slow(seen: Seen | None, metrics: NodeMetrics) -> bool:
    """Whether the previous pass says this replica will take longer than its node's
    `delay_sick` (it was slow, or nothing answered): its answer is not due for a while."""
    return seen is not None and expected_seconds(seen, metrics) > metrics.delay_sick


def start_order(keyed: Sequence[tuple[str, NodeMetrics]], previous: Previous | None) -> list[int]:
    """The indices of `keyed` ((replica key, metrics) pairs, in config order) in the
    order to start them: longest expected first, ties (and every replica, without a
    previous pass) in config order."""
    if not previous:
        return list(range(len(keyed)))
    expected = [expected_seconds(previous.get(key), metrics) for key, metrics in keyed]
    return sorted(range(len(keyed)), key=lambda i: -expected[i])


def start_longest_first(
    keyed: Sequence[tuple[str, NodeMetrics]],
    previous: Previous | None,
    probe: Callable[[int, bool], Coroutine[Any, Any, T]],
) -> list[asyncio.Task[T]]:
    """A task of `probe(index, slow)` for each of `keyed` (as `start_order`), listed in
    config order but made, and so started (tasks wait for their place in the order they
    are made), longest expected first. `slow`: the previous pass saw the replica slow
    (`expected_slow`), so it may count against the limit only while it starts."""
    seen = previous or {}
    made = {
        i: asyncio.create_task(probe(i, expected_slow(seen.get(keyed[i][0]), keyed[i][1])))
        for i in start_order(keyed, previous)
    }
    return [made[i] for i in range(len(keyed))]
