"""History read for the site: replicas of the latest pass, uptime windows, the 90-day
bars with the incidents and maintenance of each day, and response-time series.

Pure functions of a HistoryView, the content and `now`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from statusgen.clock import iso, parse_iso
from statusgen.config import Config
from statusgen.content.models import Content
from statusgen.history import HistoryView
from statusgen.history.dayrows import day_summary
from statusgen.site.latency import Points
from statusgen.status import Status, node_key

WINDOWS: tuple[tuple[str, int], ...] = (("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90))
BAR_DAYS = 90
Window = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """A replica by its public label only; `health` None when it has no data."""

    id: str
    label: str
    health: Status | None
    latency_ms: int | None
    certificate_expires: datetime | None = None  # https:// and tls:// replicas


@dataclass(frozen=True, slots=True)
class Note:
    """An incident or maintenance touching a day of a bar."""

    kind: str  # "incident" | "maintenance"
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One day of a 90-day bar: the worst status of the day outside maintenance (None
    without data), its uptime, and the incidents and maintenance that touched it."""

    day: date
    status: Status | None
    uptime: float | None
    checks: int
    notes: tuple[Note, ...] = ()

    @property
    def maintenance(self) -> bool:
        # Asked of every day of every bar; most days have no notes.
        return bool(self.notes) and any(note.kind == "maintenance" for note in self.notes)


@dataclass(frozen=True, slots=True)
class NodeSeries:
    """Uptime per window ("24h", "7d", "30d", "90d"), the daily bars (oldest first), the
    last day's response times, daily (mean, p95) response times in ms, and the latest
    status changes in the raw samples (newest first)."""

    uptime: dict[str, float | None]
    bars: tuple[Bar, ...]
    latency: Sequence[tuple[datetime, int]] = Points()
    daily_latency: tuple[tuple[date, int | None, int | None], ...] = ()
    changes: tuple[tuple[datetime, Status], ...] = ()


def latest_replicas(
    config: Config, view: HistoryView, live: dict[str, Status]
) -> dict[str, tuple[ReplicaState, ...]]:
    """Each node's replicas, configured ones first in config order, then replicas only
    the latest pass or `live` knows (push reporters), by id."""
    last_pass = view.last_pass
    last = last_pass["r"] if last_pass else {}
    reported: dict[str, dict[str, list]] = defaultdict(dict)
    for key, entry in last.items():
        service, node, replica = key.split("/", 2)
        reported[f"{service}/{node}"][replica] = entry
    for key in live:
        service, node, replica = key.split("/", 2)
        reported[f"{service}/{node}"].setdefault(replica, [None, None])
    out: dict[str, tuple[ReplicaState, ...]] = {}
    for service, node in config.iter_nodes():
        nkey = node_key(service.id, node.id)
        states = []
        for replica in node.replicas:
            rid = replica.id or ""
            sample = view.latest(f"{nkey}/{rid}")
            health = live.get(f"{nkey}/{rid}", sample.status if sample else None)
            latency = sample.latency_ms if sample else None
            expires = None
            if replica.url.startswith(("https://", "tls://")):
                expires = view.certificate_expires(f"{nkey}/{rid}")
            states.append(ReplicaState(rid, replica.label or rid, health, latency, expires))
        if node.mode != "push":
            out[nkey] = tuple(states)
            continue
        # Push replicas exist only once their reporter has spoken: the latest pass and
        # the live reports say which.
        for rid, entry in sorted(reported.get(nkey, {}).items()):
            code = entry[0]
            health = live.get(f"{nkey}/{rid}", Status.from_code(code) if code else None)
            states.append(ReplicaState(rid, rid, health, entry[1]))
        out[nkey] = tuple(states)
    return out


@dataclass(frozen=True)
class Reach:
    """Which node keys each incident and maintenance is about, worked out once per build.
    An incident about nothing in particular (None) is about the whole page."""

    incidents: dict[str, frozenset[str] | None]
    maintenance: dict[str, frozenset[str]]


def reach_of(config: Config, content: Content) -> Reach:
    """`expand_ids` for every item at once: a service id stands for all its nodes."""
    by_id: dict[str, list[str]] = defaultdict(list)
    for service, node in config.iter_nodes():
        key = node_key(service.id, node.id)
        by_id[service.id].append(key)
        by_id[node.id].append(key)

    def expand(ids: Iterable[str]) -> frozenset[str]:
        return frozenset(key for ident in ids for key in by_id.get(ident, ()))

    return Reach(
        incidents={i.id: expand(i.affected) if i.affected else None for i in content.incidents},
        maintenance={m.id: expand(m.affected) for m in content.maintenance},
    )


def items_by_node(items: list[tuple[Any, frozenset[str] | None]]) -> Callable[[str], tuple]:
    """For a node key, the items about it (their keys None: about every node), in order:
    looked up, not a walk over every item for each node."""
    every = [j for j, (_, keys) in enumerate(items) if keys is None]
    found: dict[str, list[int]] = defaultdict(list)
    for j, (_, keys) in enumerate(items):
        for key in keys or ():
            found[key].append(j)
    return lambda key: tuple(items[j][0] for j in sorted([*every, *found.get(key, ())]))


def notes_by_node(content: Content, reach: Reach, now: datetime) -> dict[str, dict[date, list]]:
    """Per node key, the incidents and maintenance of each day; key "" holds incidents
    about the page as a whole."""
    notes: dict[str, dict[date, list[Note]]] = defaultdict(lambda: defaultdict(list))
    first = now.date() - timedelta(days=BAR_DAYS)
    for incident in reversed(content.incidents):
        end = incident.resolved or now
        keys = reach.incidents[incident.id] or {""}
        note = Note("incident", incident.id, incident.title)
        for day in _days(incident.started, end, first):
            for key in keys:
                notes[key][day].append(note)
    for window in reversed(content.maintenance):
        note = Note("maintenance", window.id, window.title)
        for day in _days(window.starts, min(window.end, now), first):
            for key in reach.maintenance[window.id]:
                notes[key][day].append(note)
    return notes


def _days(start: datetime, end: datetime, first: date) -> list[date]:
    day, last = max(start.date(), first), end.date()
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def bars_of(
    rows: Iterable[tuple[date, list | None]],
    shared: Mapping[date, list],
    own: Mapping[date, list],
    plain: dict[tuple, Bar],
) -> tuple[Bar, ...]:
    """A bar for each day row, with the notes of the page (`shared`) and of the node
    (`own`) by day. `plain` caches the note-less bars of a build (pass the same dict for
    every node): most days of most nodes are the same few rows, and Bars are immutable."""
    out = []
    for day, row in rows:
        if day in shared or day in own:
            groups = (shared.get(day), own.get(day))
            if groups[0] or groups[1]:
                notes = tuple(dict.fromkeys(n for group in groups if group for n in group))
                out.append(Bar(day, *day_summary(row), notes))
                continue
        cache_key = (day, *row[:4]) if row else (day,)
        bar = plain.get(cache_key)
        if bar is None:
            bar = plain[cache_key] = Bar(day, *day_summary(row))
        out.append(bar)
    return tuple(out)


def combined_series(nodes: Sequence, start: int = 0) -> NodeSeries:
    """A service's (or a page's) uptime and bars from its nodes: each window's uptime is
    the mean of the nodes' uptimes, as Statuspage averages a group's components, so each
    node's own maintenance is left out of it; a day's cell takes the worst status, the
    mean uptime and every note of the nodes that day (the bars from position `start`)."""
    uptime = mean_uptime(nodes)
    bars = []
    for cells in zip(*(n.series.bars[start:] for n in nodes), strict=True):
        known = [c.status for c in cells if c.status is not None]
        notes = tuple(dict.fromkeys(note for c in cells for note in c.notes))
        bars.append(
            Bar(
                cells[0].day,
                Status.worst(known) if known else None,
                _mean([c.uptime for c in cells]),
                sum(c.checks for c in cells),
                notes,
            )
        )
    return NodeSeries(uptime=uptime, bars=tuple(bars))


def mean_uptime(nodes: Sequence) -> dict[str, float | None]:
    """Per window, the mean of the nodes' uptimes (nodes without data left out)."""
    return {name: _mean([n.series.uptime[name] for n in nodes]) for name, _ in WINDOWS}


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def dead_since(view: HistoryView, keys: Sequence[str], now: datetime) -> datetime | None:
    """When the current run of passes in which some of `keys` was dead began (None when
    the latest pass had none dead)."""
    since = view.dead_run_start(keys, iso(now.replace(microsecond=0)))
    return parse_iso(since) if since else None
