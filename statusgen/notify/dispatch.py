"""Send batches concurrently under one deadline.

Each target (a channel or a hook) gets one batch of messages, sent in order by its own
thread and stopped at the first failure, so a target never receives messages out of
order. The caller waits at most `deadline` seconds of wall time; a batch still running
then is given up (its current message counts as failed, the rest untried). Threads are
daemons and every request carries a timeout capped by the time left, so an unanswering
target can delay neither the pass nor the process's exit for long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_REQUEST = 10.0


@dataclass
class Batch(Generic[T]):
    """Items for one target and how to send one of them (returns None or an error)."""

    name: str
    items: Sequence[T]
    send: Callable[[T, float], str | None]


@dataclass
class Outcome:
    """`sent` items went out; item `sent` failed with `error` (if any); the rest were
    not tried."""

    sent: int = 0
    error: str | None = None
    closed: bool = field(default=False, repr=False)


def run_batches(
    batches: Sequence[Batch[T]], deadline: float, clock: Callable[[], float] = time.monotonic
) -> list[Outcome]:
    """Run every batch, each in its own thread, and return once all are done or
    `deadline` seconds have passed, whichever comes first."""
    end = clock() + deadline
    lock = threading.Lock()
    outcomes = [Outcome() for _ in batches]
    threads = []
    for batch, outcome in zip(batches, outcomes, strict=True):
        thread = threading.Thread(
            target=_run_one,
            args=(batch, outcome, lock, end, clock),
            name=f"statusgen-notify-{batch.name}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(max(0.0, end - clock()))
    with lock:
        for thread, batch, outcome in zip(threads, batches, outcomes, strict=True):
            if thread.is_alive() or not outcome.closed:
                outcome.closed = True
                if outcome.error is None and outcome.sent < len(batch.items):
                    outcome.error = f"no answer within the notify deadline ({deadline:g} s)"
    return outcomes


def _run_one(
    batch: Batch[T], outcome: Outcome, lock: threading.Lock, end: float, clock: Callable[[], float]
) -> None:
    for item in batch.items:
        left = end - clock()
        if left <= 0:
            return
        try:
            error = batch.send(item, min(MAX_REQUEST, left))
        except Exception as exc:  # senders catch their own; this is a last resort
            error = f"{type(exc).__name__} while sending"
        with lock:
            if outcome.closed:
                return  # given up at the deadline: the result is no longer wanted
            if error is not None:
                outcome.error = error
                outcome.closed = True
                return
            outcome.sent += 1
    with lock:
        outcome.closed = True
