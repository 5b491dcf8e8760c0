"""Push and local replicas as the server knows them: the last report of each, in memory.

A push replica is created by its first report (`load`: CPU and RAM); a local replica is
configured and kept up to date by the local agent (`health`). Either is judged at read
time with the pure rules of `statusgen.health`: its reported status until it has been
silent for `interval + delay_dead`, then dead.

Memory is bounded: a node holds at most `server.max_replicas_per_node` reported replicas.
A report for a new replica of a full node evicts the replica that has been dead (silent)
longest; when none is dead the report is refused (`NodeFull`, HTTP 429), so a flood of
made-up replica ids can neither grow the state nor push live replicas off the page.

The state is saved to `<state_dir>/live.json` (atomically, when it changed) so that a
restarted server still knows its replicas and when each last reported.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from statusgen.clock import iso, parse_iso
from statusgen.config import Config, Node, NodeMetrics, public_url
from statusgen.files import private_folder, set_aside, write_atomic
from statusgen.health import judge_load, judge_report
from statusgen.status import ProbeResult, Status, node_key, replica_key

log = logging.getLogger("statusgen.server")

LiveMode = Literal["push", "local"]
STATE_FILE = "live.json"
STATE_SCHEMA = 1
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]+")


class NodeFull(Exception):
    """A new replica was reported to a node already holding its cap of live replicas."""


@dataclass(frozen=True, slots=True)
class LiveReplica:
    """The last report of one push or local replica."""

    service: str
    node: str
    id: str
    label: str
    mode: LiveMode
    interval: float
    last_report: datetime
    cpu: float | None = None
    ram: float | None = None
    health: Status | None = None

    @property
    def key(self) -> str:
        return replica_key(self.service, self.node, self.id)


def replica_id(reported: str) -> str:
    """The history id of a reported replica name, made the same way as config ids."""
    return _ID_UNSAFE.sub("-", reported).strip("-")[:128] or "replica"


def replica_label(reported: str) -> str:
    """What the public sees for a reported replica: a URL loses its credentials, query
    and fragment; any other name (an IP, a host name) is shown as sent."""
    parts = urlsplit(reported)
    if parts.scheme and parts.netloc:
        return public_url(reported)
    return reported


def match_configured(node: Node, reported: str) -> tuple[str, str] | None:
    """(id, label) of the configured replica a local agent means by `reported`: its URL
    (with or without credentials), its id or its label."""
    for candidates in (
        lambda r: [r.url],
        lambda r: [r.id],
        lambda r: [public_url(r.url), r.label],
    ):
        for replica in node.replicas:
            if reported in candidates(replica):
                return replica.id or "", replica.label or ""
    return None


def judge(replica: LiveReplica, metrics: NodeMetrics, now: datetime) -> tuple[Status, str]:
    """A live replica's status at `now`, and the reason when it is not healthy."""
    if replica.mode == "push":
        reported = judge_load(
            replica.cpu, replica.ram, metrics.cpu_sick_above, metrics.ram_sick_above
        )
    else:
        reported = replica.health or Status.DEAD
    status = judge_report(reported, replica.last_report, now, metrics.delay_dead, replica.interval)
    if status is Status.DEAD and reported is not Status.DEAD:
        silent = (now - replica.last_report).total_seconds()
        return status, f"no report for {silent:.0f} s"
    if status is Status.HEALTHY:
        return status, ""
    if replica.mode == "local":
        return status, f"reported {status.value} by the local agent"
    return status, _load_reason(replica, metrics)


def _load_reason(replica: LiveReplica, metrics: NodeMetrics) -> str:
    parts = []
    if replica.cpu is not None and replica.cpu > metrics.cpu_sick_above:
        parts.append(f"cpu load {replica.cpu:.2f} above {metrics.cpu_sick_above:g}")
    if replica.ram is not None and replica.ram > metrics.ram_sick_above:
        parts.append(f"ram use {replica.ram:.2f} above {metrics.ram_sick_above:g}")
    return ", ".join(parts)


class LiveState:
    """Every live replica of one config, thread-safe. Time always comes in as `now`."""

    def __init__(self, config: Config, started: datetime) -> None:
        self.started = started
        self.cap = config.server.max_replicas_per_node
        self._nodes: dict[str, OrderedDict[str, LiveReplica]] = {}
        self._metrics: dict[str, NodeMetrics] = {}
        self._modes: dict[str, str] = {}
        self._configured: dict[str, list[tuple[str, str]]] = {}
        for service, node in config.iter_nodes():
            key = node_key(service.id, node.id)
            self._metrics[key] = node.metrics(config.metrics)
            self._modes[key] = node.mode
            if node.mode == "local":
                self._configured[key] = [(r.id or "", r.label or "") for r in node.replicas]
        self._lock = threading.Lock()
        self.dirty = False

    # --- reports -----------------------------------------------------------------------

    def record(self, replica: LiveReplica, now: datetime, configured: bool = False) -> bool:
        """Store a report (replacing the replica's previous one). Returns whether the
        replica's status changed (a new replica counts as a change). Raises NodeFull when
        a new, unconfigured replica does not fit under the cap."""
        nkey = node_key(replica.service, replica.node)
        metrics = self._metrics[nkey]
        with self._lock:
            replicas = self._nodes.setdefault(nkey, OrderedDict())
            old = replicas.get(replica.id)
            if old is None and not configured and len(replicas) >= self.cap:
                self._evict_one(replicas, metrics, now, nkey)
            replicas[replica.id] = replica
            replicas.move_to_end(replica.id)  # front = silent longest
            self.dirty = True
        if old is None:
            return True
        return judge(old, metrics, now)[0] is not judge(replica, metrics, now)[0]

    def _evict_one(
        self,
        replicas: OrderedDict[str, LiveReplica],
        metrics: NodeMetrics,
        now: datetime,
        nkey: str,
    ) -> None:
        for rid, candidate in replicas.items():
            if judge(candidate, metrics, now)[0] is Status.DEAD:
                del replicas[rid]
                log.info("evicted replica=%s reason=node-full", candidate.key)
                return
        raise NodeFull(
            f"node {nkey} already has {len(replicas)} live replicas "
            f"(server.max_replicas_per_node); flush one or raise the cap"
        )

    def flush(self, service: str, node: str, rid: str) -> bool:
        """Forget one replica; False when it was not known."""
        with self._lock:
            replicas = self._nodes.get(node_key(service, node), OrderedDict())
            found = replicas.pop(rid, None) is not None
            self.dirty = self.dirty or found
        return found

    def flush_node(self, service: str, node: str) -> int:
        """Forget every replica of a node; returns how many there were."""
        with self._lock:
            replicas = self._nodes.pop(node_key(service, node), OrderedDict())
            self.dirty = self.dirty or bool(replicas)
        return len(replicas)

    # --- reading -----------------------------------------------------------------------

    def replicas(self, service: str | None = None, node: str | None = None) -> list[LiveReplica]:
        """Live replicas (of one node when given), oldest report first."""
        with self._lock:
            if service is not None and node is not None:
                return list(self._nodes.get(node_key(service, node), {}).values())
            return [r for replicas in self._nodes.values() for r in replicas.values()]

    def count(self) -> int:
        with self._lock:
            return sum(len(replicas) for replicas in self._nodes.values())

    def results(self, now: datetime) -> list[ProbeResult]:
        """One result per live replica at `now`, plus a dead one for each configured local
        replica that has not reported within `interval + delay_dead` of the server start:
        what a pass records next to the poll results."""
        out = []
        for replica in self.replicas():
            metrics = self._metrics[node_key(replica.service, replica.node)]
            status, reason = judge(replica, metrics, now)
            out.append(_result(replica, status, reason))
        seen = {r.key for r in out}
        for nkey, configured in self._configured.items():
            metrics = self._metrics[nkey]
            if (now - self.started).total_seconds() < metrics.interval + metrics.delay_dead:
                continue
            service, node = nkey.split("/", 1)
            for rid, label in configured:
                if replica_key(service, node, rid) not in seen:
                    out.append(_never_reported(service, node, rid, label, self.started))
        return out

    def statuses(self, now: datetime) -> dict[str, Status]:
        return {result.key: result.status for result in self.results(now)}

    def labels(self) -> dict[str, str]:
        """Public label of every live replica by history key."""
        return {replica.key: replica.label for replica in self.replicas()}

    def next_change(self, now: datetime) -> datetime | None:
        """The earliest time a replica goes dead for silence, if any is still alive."""
        times = []
        for replica in self.replicas():
            metrics = self._metrics[node_key(replica.service, replica.node)]
            due = replica.last_report + timedelta(seconds=replica.interval + metrics.delay_dead)
            if due > now:
                times.append(due)
        for nkey in self._configured:
            metrics = self._metrics[nkey]
            due = self.started + timedelta(seconds=metrics.interval + metrics.delay_dead)
            if due > now:
                times.append(due)
        return min(times, default=None)

    # --- persistence -------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the state to `<directory>/live.json` if it changed since the last save."""
        with self._lock:
            if not self.dirty:
                return
            replicas = [r for rs in self._nodes.values() for r in rs.values()]
            self.dirty = False
        data = {"schema": STATE_SCHEMA, "replicas": [_to_json(r) for r in replicas]}
        private_folder(directory)
        write_atomic(directory / STATE_FILE, json.dumps(data, separators=(",", ":")) + "\n")

    def load(self, directory: Path) -> list[str]:
        """Read a saved state, keeping replicas of nodes that still exist in the same mode.
        Returns warnings. A damaged file is copied to `corrupt/` (once) and every replica
        record that still reads is kept; live state is a cache of reports that reporters
        resend every interval, so what is dropped comes back with the next report."""
        path = directory / STATE_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            return [f"{path}: unreadable live state ignored ({exc.strerror or exc})"]
        replicas, problems = _salvage(raw)
        warnings = []
        if problems:
            aside = set_aside(path, raw, private=True)
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            warnings.append(
                f"{path}: live state damaged: {problems[0]}{more}; kept {len(replicas)} "
                f"replica(s); the original is {aside}"
            )
        replicas.sort(key=lambda r: r.last_report)
        with self._lock:
            for replica in replicas:
                nkey = node_key(replica.service, replica.node)
                if self._modes.get(nkey) != replica.mode:
                    continue
                bucket = self._nodes.setdefault(nkey, OrderedDict())
                bucket[replica.id] = replica
                while len(bucket) > self.cap:
                    bucket.popitem(last=False)
        return warnings


def _salvage(raw: bytes) -> tuple[list[LiveReplica], list[str]]:
    """The replica records of a saved state that read, and a problem per one that does
    not (its index and what is wrong, never its values)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return [], ["not JSON; nothing in it could be read"]
    items = data.get("replicas") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], ['no "replicas" array; nothing in it could be read']
    replicas: list[LiveReplica] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            replicas.append(_from_json(item))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"replicas[{index}]: {_why(exc)}")
    return replicas, problems


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r}"
    if isinstance(exc, AttributeError):
        return "a value of the wrong type"
    return str(exc)[:120] or type(exc).__name__


def _result(replica: LiveReplica, status: Status, reason: str) -> ProbeResult:
    return ProbeResult(
        service=replica.service,
        node=replica.node,
        replica=replica.id,
        label=replica.label,
        at=replica.last_report,
        ok=status is not Status.DEAD,
        latency=None,
        reason=reason,
        attempts=0,
        status=status,
    )


def _never_reported(service: str, node: str, rid: str, label: str, since: datetime) -> ProbeResult:
    return ProbeResult(
        service=service,
        node=node,
        replica=rid,
        label=label,
        at=since,
        ok=False,
        latency=None,
        reason="no report from the local agent",
        attempts=0,
        status=Status.DEAD,
    )


def _to_json(replica: LiveReplica) -> dict:
    data = asdict(replica)
    data["last_report"] = iso(replica.last_report)
    data["health"] = replica.health.value if replica.health else None
    return data


def _from_json(data: dict) -> LiveReplica:
    return LiveReplica(
        service=str(data["service"]),
        node=str(data["node"]),
        id=str(data["id"]),
        label=str(data["label"]),
        mode=_mode(data["mode"]),
        interval=float(data["interval"]),
        last_report=parse_iso(data["last_report"]),
        cpu=None if data.get("cpu") is None else float(data["cpu"]),
        ram=None if data.get("ram") is None else float(data["ram"]),
        health=Status(data["health"]) if data.get("health") else None,
    )


def _mode(value: object) -> LiveMode:
    if value == "push":
        return "push"
    if value == "local":
        return "local"
    raise ValueError(f"unknown live replica mode {value!r}")
