"""The persisted outbox: every message waits here until delivered or dropped.

New messages join their target's queue; a target's queue is tried only when its oldest
message is due, in order, stopping at the first failure. A failed message is retried
after an exponential backoff (1 min, 2 min, 4 min, ... capped at 6 h) on later passes;
after `retry_limit` retries it is dropped with a logged reason. Pure functions of the
queue and `now`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from statusgen.clock import iso
from statusgen.notify.state import OutboxItem

BACKOFF_BASE = 60.0
BACKOFF_CAP = 6 * 3600.0

Kind = Literal["channel", "hook"]


@dataclass(frozen=True, slots=True)
class Dropped:
    item: OutboxItem
    reason: str


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure."""
    return min(BACKOFF_BASE * 2 ** max(0, attempts - 1), BACKOFF_CAP)


def new_item(
    kind: Kind, target: str, title: str, body: str, now: datetime, level: str = "info"
) -> OutboxItem:
    digest = hashlib.sha256(f"{kind}\0{target}\0{iso(now)}\0{title}\0{body}".encode()).hexdigest()
    return OutboxItem(
        id=digest[:16],
        kind=kind,
        target=target,
        title=title,
        body=body,
        level=level,
        created_at=now,
        next_attempt=now,
    )


def queues(outbox: list[OutboxItem]) -> dict[tuple[str, str], list[OutboxItem]]:
    """The outbox grouped by (kind, target), each queue oldest first."""
    grouped: dict[tuple[str, str], list[OutboxItem]] = {}
    for item in outbox:
        grouped.setdefault((item.kind, item.target), []).append(item)
    return grouped


def is_due(queue: list[OutboxItem], now: datetime) -> bool:
    return bool(queue) and queue[0].next_attempt <= now


def failed(item: OutboxItem, error: str, now: datetime, retry_limit: int) -> OutboxItem | Dropped:
    """The item after a failed attempt, or Dropped once its retries are used up."""
    attempts = item.attempts + 1
    if attempts > retry_limit:
        return Dropped(item, f"gave up after {attempts} attempt(s), last error: {error}")
    return item.model_copy(
        update={
            "attempts": attempts,
            "last_error": error,
            "next_attempt": now + timedelta(seconds=backoff(attempts)),
        }
    )


def supersede(
    outbox: list[OutboxItem], kind: Kind, target: str
) -> tuple[list[OutboxItem], list[Dropped]]:
    """Drop a target's waiting messages: a newer health change makes older hook payloads
    wrong, and a receiver only needs the current health."""
    keep, gone = _partition(outbox, lambda i: (i.kind, i.target) != (kind, target))
    return keep, [Dropped(i, "superseded by a newer health change") for i in gone]


def forget_unknown(
    outbox: list[OutboxItem], channels: set[str], hooks: set[str]
) -> tuple[list[OutboxItem], list[Dropped]]:
    """Drop messages for channels or hooks no longer in the config."""
    known = {"channel": channels, "hook": hooks}
    keep, gone = _partition(outbox, lambda i: i.target in known[i.kind])
    return keep, [Dropped(i, f"{i.kind} {i.target!r} is no longer configured") for i in gone]


def _partition(
    items: list[OutboxItem], test: Callable[[OutboxItem], bool]
) -> tuple[list[OutboxItem], list[OutboxItem]]:
    keep: list[OutboxItem] = []
    gone: list[OutboxItem] = []
    for item in items:
        (keep if test(item) else gone).append(item)
    return keep, gone
