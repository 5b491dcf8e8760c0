"""Each location's view of each node, for the node page's table and the API.

A location's view of a node is its latest record of each of the node's replicas within
`[health] stale_after` before the build's moment, aggregated under `health.rule`; its
latency is the median of those replicas' answers. A location with no such record is
shown as not reporting. Only public names are kept: no address, host or runner label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from statusgen.clock import iso, parse_iso
from statusgen.config import Config
from statusgen.health import aggregate_node
from statusgen.history import HistoryView
from statusgen.status import Status


@dataclass(frozen=True, slots=True)
class LocationState:
    """One location's view of one node. `health` None: no fresh record (`checked_at`
    says when it last reported about the node, None when never)."""

    id: str
    name: str
    github: bool  # a GitHub-hosted runner: an independent machine, not a chosen place
    health: Status | None
    latency_ms: int | None
    checked_at: datetime | None


def location_states(
    config: Config, view: HistoryView, now: datetime
) -> dict[str, tuple[LocationState, ...]]:
    """Node key -> each configured location's view of it, in config order ({} without
    `[[locations]]`)."""
    if not config.locations:
        return {}
    ceiling = iso(now.replace(microsecond=0))
    floor = iso((now - timedelta(seconds=config.health.stale_after)).replace(microsecond=0))
    out: dict[str, tuple[LocationState, ...]] = {}
    for service, node in config.iter_nodes():
        if node.mode != "poll":
            continue
        key = f"{service.id}/{node.id}"
        states = []
        for location in config.locations:
            table = view.locations.get(location.id, {})
            entries = [
                table[f"{key}/{replica.id or ''}"]
                for replica in node.replicas
                if f"{key}/{replica.id or ''}" in table
            ]
            entries = [(at, entry) for at, entry in entries if at <= ceiling]
            last = max((at for at, _ in entries), default=None)
            fresh = [entry for at, entry in entries if at >= floor]
            health = None
            latency = None
            if fresh:
                health = aggregate_node([Status.from_code(e[0]) for e in fresh], config.health.rule)
                answered = sorted(e[1] for e in fresh if e[1] is not None)
                latency = answered[(len(answered) - 1) // 2] if answered else None
            states.append(
                LocationState(
                    location.id,
                    location.name,
                    location.runner == "github",
                    health,
                    latency,
                    parse_iso(last) if last else None,
                )
            )
        out[key] = tuple(states)
    return out
