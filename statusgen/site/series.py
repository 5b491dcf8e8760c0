"""History read for the site: replicas of the latest pass, uptime windows, the 90-day
bars with the incidents and maintenance of each day, and response-time series.

Pure functions of a HistoryView, the content and `now`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from statusgen.clock import iso, parse_iso
from statusgen.config import Config
from statusgen.content.models import Content
from statusgen.history import HistoryView
from statusgen.status import Status, node_key

WINDOWS: tuple[tuple[str, int], ...] = (("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90))
BAR_DAYS = 90
LATENCY_HOURS = 24
Window = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """A replica by its public label only; `health` None when it has no data."""

    id: str
    label: str
    health: Status | None
    latency_ms: int | None


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
        return any(note.kind == "maintenance" for note in self.notes)


@dataclass(frozen=True, slots=True)
class NodeSeries:
    """Uptime per window ("24h", "7d", "30d", "90d"), the daily bars (oldest first), the
    last day's response times, daily (mean, p95) response times in ms, and the latest
    status changes in the raw samples (newest first)."""

    uptime: dict[str, float | None]
    bars: tuple[Bar, ...]
    latency: tuple[tuple[datetime, int], ...] = ()
    daily_latency: tuple[tuple[date, int | None, int | None], ...] = ()
    changes: tuple[tuple[datetime, Status], ...] = ()


def uptimes(
    view: HistoryView, key: str, now: datetime, windows: Sequence[Window] = ()
) -> dict[str, float | None]:
    return {name: view.uptime(key, now, days, windows) for name, days in WINDOWS}


def latest_replicas(
    config: Config, view: HistoryView, live: dict[str, Status]
) -> dict[str, tuple[ReplicaState, ...]]:
    """Each node's replicas, configured ones first in config order, then replicas only
    the latest pass or `live` knows (push reporters), by id."""
    last = view.passes[-1]["r"] if view.passes else {}
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
            states.append(ReplicaState(rid, replica.label or rid, health, latency))
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


def notes_by_node(config: Config, content: Content, now: datetime) -> dict[str, dict[date, list]]:
    """Per node key, the incidents and maintenance of each day; key "" holds incidents
    about the page as a whole."""
    notes: dict[str, dict[date, list[Note]]] = defaultdict(lambda: defaultdict(list))
    first = now.date() - timedelta(days=BAR_DAYS)
    for incident in reversed(content.incidents):
        end = incident.resolved or now
        keys = incident.node_keys(config) if incident.affected else {""}
        note = Note("incident", incident.id, incident.title)
        for day in _days(incident.started, end, first):
            for key in keys:
                notes[key][day].append(note)
    for window in reversed(content.maintenance):
        note = Note("maintenance", window.id, window.title)
        for day in _days(window.starts, min(window.end, now), first):
            for key in window.node_keys(config):
                notes[key][day].append(note)
    return notes


def _days(start: datetime, end: datetime, first: date) -> list[date]:
    day, last = max(start.date(), first), end.date()
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def node_series(
    view: HistoryView,
    key: str,
    replicas: Sequence[ReplicaState],
    now: datetime,
    windows: Sequence[Window],
    notes: dict[str, dict[date, list]],
) -> NodeSeries:
    own, page_wide = notes.get(key, {}), notes.get("", {})
    bars = tuple(
        Bar(
            bar.day,
            bar.status,
            bar.uptime,
            bar.checks,
            tuple(dict.fromkeys([*page_wide.get(bar.day, ()), *own.get(bar.day, ())])),
        )
        for bar in view.daily_bars(key, now, BAR_DAYS, windows)
    )
    replica_keys = [f"{key}/{r.id}" for r in replicas]
    return NodeSeries(
        uptime=uptimes(view, key, now, windows),
        bars=bars,
        latency=_latency(view, replica_keys, now),
        daily_latency=_daily_latency(view, replica_keys, [bar.day for bar in bars]),
        changes=_changes(view, key, now),
    )


def _changes(
    view: HistoryView, key: str, now: datetime, limit: int = 20
) -> tuple[tuple[datetime, Status], ...]:
    """When the status changed, newest first; the first sample counts as a change."""
    out: list[tuple[datetime, Status]] = []
    previous = None
    for sample in view.samples(key, now - timedelta(days=BAR_DAYS)):
        if sample.at <= now and sample.status is not previous:
            out.append((sample.at, sample.status))
            previous = sample.status
    return tuple(reversed(out[-limit:]))


def service_series(
    view: HistoryView, service: str, nodes: Sequence, now: datetime, windows: dict
) -> NodeSeries:
    """A service's uptime and bars from its own history key; a day's notes are those of
    its nodes."""
    spans = sorted({span for node in nodes for span in windows.get(node.key, [])})
    bars = []
    for index, bar in enumerate(view.daily_bars(service, now, BAR_DAYS, spans)):
        notes = [note for node in nodes for note in node.series.bars[index].notes]
        bars.append(Bar(bar.day, bar.status, bar.uptime, bar.checks, tuple(dict.fromkeys(notes))))
    return NodeSeries(uptime=uptimes(view, service, now, spans), bars=tuple(bars))


def _latency(view: HistoryView, keys: list[str], now: datetime) -> tuple[tuple[datetime, int], ...]:
    """The node's response time per pass over the last day: the mean of its replicas
    that answered."""
    by_time: dict[datetime, list[int]] = defaultdict(list)
    since = now - timedelta(hours=LATENCY_HOURS)
    for key in keys:
        for sample in view.samples(key, since):
            if sample.latency_ms is not None and sample.at <= now:
                by_time[sample.at].append(sample.latency_ms)
    return tuple((at, round(sum(v) / len(v))) for at, v in sorted(by_time.items()))


def _daily_latency(
    view: HistoryView, keys: list[str], days: list[date]
) -> tuple[tuple[date, int | None, int | None], ...]:
    out = []
    for day in days:
        rows = [view.days.get(day.isoformat(), {}).get(key) for key in keys]
        means = [row[4] for row in rows if row and row[4] is not None]
        p95s = [row[5] for row in rows if row and row[5] is not None]
        out.append(
            (day, round(sum(means) / len(means)) if means else None, max(p95s) if p95s else None)
        )
    return tuple(out)


def dead_since(view: HistoryView, keys: Sequence[str], now: datetime) -> datetime | None:
    """When the current run of passes in which some of `keys` was dead began (None when
    the latest pass had none dead)."""
    since, ceiling = None, iso(now.replace(microsecond=0))
    for line in reversed(view.passes):
        if line["t"] > ceiling:
            continue
        nodes = line.get("n", {})
        if not any(nodes.get(key) == "d" for key in keys):
            break
        since = line["t"]
    return parse_iso(since) if since else None
