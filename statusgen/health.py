"""Health rules: pure functions of results, thresholds and `now`.

Replica status comes from a probe result (poll, local) or a report (push); node, service
and page status aggregate their children under one of two rules:

- ``worst`` (Vigil's): the worst child wins at every level, so one dead replica of three
  behind a load balancer makes the node, its service and the page dead.
- ``replica`` (default): a node is dead only when all its replicas are dead, and sick when
  some are dead or any is sick; services and the page then take their worst node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from statusgen.status import Status

Rule = Literal["replica", "worst"]


def judge_probe(ok: bool, latency: float | None, delay_sick: float, delay_dead: float) -> Status:
    """A poll or local replica: dead when it failed or answered after `delay_dead`, sick
    when slower than `delay_sick`, else healthy."""
    if not ok or latency is None or latency >= delay_dead:
        return Status.DEAD
    if latency >= delay_sick:
        return Status.SICK
    return Status.HEALTHY


def judge_load(cpu: float | None, ram: float | None, cpu_above: float, ram_above: float) -> Status:
    """A push report's load: sick above either threshold."""
    if (cpu is not None and cpu > cpu_above) or (ram is not None and ram > ram_above):
        return Status.SICK
    return Status.HEALTHY


def judge_report(
    reported: Status,
    last_report: datetime,
    now: datetime,
    delay_dead: float,
    interval: float = 0,
) -> Status:
    """A pushed or locally checked replica: its reported status until it goes silent for
    `interval + delay_dead` seconds, then dead."""
    if (now - last_report).total_seconds() >= interval + delay_dead:
        return Status.DEAD
    return reported


def aggregate_node(replicas: Iterable[Status], rule: Rule = "replica") -> Status:
    """A node from its replicas. A node with no replicas (a push node nobody reported to
    yet) is healthy: nothing is known to be wrong."""
    statuses = list(replicas)
    if not statuses or rule == "worst":
        return Status.worst(statuses)
    dead = sum(1 for s in statuses if s is Status.DEAD)
    if dead == len(statuses):
        return Status.DEAD
    if dead or Status.SICK in statuses:
        return Status.SICK
    return Status.HEALTHY


def settled(observed: Status, streak: int, dead_after: int, recovered_after: int) -> bool:
    """The flapping guard: whether a new status seen for `streak` consecutive passes has
    held long enough to be announced (healthy after `recovered_after` passes, sick or dead
    after `dead_after`). Notifications and automatic incidents both go by it."""
    return streak >= (recovered_after if observed is Status.HEALTHY else dead_after)


def announced(
    statuses: Iterable[Status],
    dead_after: int,
    recovered_after: int,
    start: Status = Status.HEALTHY,
) -> Status:
    """What the flapping guard has announced after `statuses` (consecutive passes, oldest
    first), starting from `start`."""
    current, observed, streak = start, None, 0
    for status in statuses:
        streak = streak + 1 if status is observed else 1
        observed = status
        if observed is not current and settled(observed, streak, dead_after, recovered_after):
            current = observed
    return current


def aggregate(children: Iterable[Status]) -> Status:
    """A service from its nodes, or the page from its services: the worst wins."""
    return Status.worst(list(children))


class Evaluation:
    """Statuses of one pass at every level, keyed as in the history:
    replicas `service/node/replica`, nodes `service/node`, services `service`.

    Nodes without any replica status (a push node nobody has reported to) are left out:
    no data is not health.
    """

    __slots__ = ("replicas", "nodes", "services", "page")

    def __init__(
        self,
        replicas: dict[str, Status],
        nodes: dict[str, Status],
        services: dict[str, Status],
        page: Status,
    ) -> None:
        self.replicas = replicas
        self.nodes = nodes
        self.services = services
        self.page = page

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Evaluation) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    def __repr__(self) -> str:
        return f"Evaluation(page={self.page}, nodes={self.nodes})"


def evaluate(
    tree: Iterable[tuple[str, str]], replicas: dict[str, Status], rule: Rule = "replica"
) -> Evaluation:
    """Aggregate replica statuses up the tree of (service id, node id) pairs, in order."""
    by_node: dict[str, list[Status]] = {}
    for key, status in replicas.items():
        service, node, _ = key.split("/", 2)
        by_node.setdefault(f"{service}/{node}", []).append(status)
    nodes: dict[str, Status] = {}
    by_service: dict[str, list[Status]] = {}
    for service, node in tree:
        key = f"{service}/{node}"
        if by_node.get(key):
            nodes[key] = aggregate_node(by_node[key], rule)
            by_service.setdefault(service, []).append(nodes[key])
    services = {service: aggregate(statuses) for service, statuses in by_service.items()}
    return Evaluation(dict(replicas), nodes, services, aggregate(services.values()))


# --- locations: the vote ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vote:
    """What one location found for one replica: its public name, status, latency (ms,
    None when nothing answered) and reason."""

    location: str
    status: Status
    latency_ms: int | None = None
    reason: str = ""


def merge_votes(
    votes: Sequence[Vote], quorum: int, configured: int = 0
) -> tuple[Status, int | None, str]:
    """One replica's status from the fresh locations' votes: (status, latency ms, reason).

    Dead when at least `quorum` locations say dead; otherwise sick when any says dead
    (a minority: "unreachable from Frankfurt (1 of 3 locations)") or sick; otherwise
    healthy. With fewer votes than `quorum` the result is never dead: at most sick, the
    reason saying "only 1 of 3 locations reporting" (`configured`: how many locations the
    config has). The latency is the median of the answers (the lower one of two)."""
    count = len(votes)
    total = max(configured, count)
    answered = sorted(v.latency_ms for v in votes if v.latency_ms is not None)
    latency = answered[(len(answered) - 1) // 2] if answered else None
    dead = [v for v in votes if v.status is Status.DEAD]
    sick = [v for v in votes if v.status is Status.SICK]
    if not dead and not sick:
        return Status.HEALTHY, latency, ""
    if len(dead) >= quorum:
        return Status.DEAD, latency, _from(dead, count, dead[0].reason)
    if count < quorum:
        worst = dead or sick
        return (
            Status.SICK,
            latency,
            f"only {count} of {total} locations reporting; "
            f"{'unreachable' if dead else 'sick'} from {_names(worst)}: {worst[0].reason}",
        )
    if dead:
        return Status.SICK, latency, _from(dead, count, dead[0].reason, "unreachable")
    return Status.SICK, latency, _from(sick, count, sick[0].reason)


def _from(votes: Sequence[Vote], count: int, reason: str, word: str = "") -> str:
    """`unreachable from Frankfurt (1 of 3 locations): connection reset` or, without a
    word, `HTTP 500 from Frankfurt and Paris (2 of 3 locations)`."""
    where = f"from {_names(votes)} ({len(votes)} of {count} locations)"
    if word:
        return f"{word} {where}: {reason}" if reason else f"{word} {where}"
    return f"{reason} {where}" if reason else where


def _names(votes: Sequence[Vote]) -> str:
    names = [v.location for v in votes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def fresh_locations(
    last_seen: dict[str, datetime | None], now: datetime, stale_after: float
) -> dict[str, bool]:
    """Which locations take part in the vote at `now`: those that reported within
    `stale_after` seconds (a location that never reported is not fresh)."""
    return {
        location: at is not None and (now - at).total_seconds() <= stale_after
        for location, at in last_seen.items()
    }
