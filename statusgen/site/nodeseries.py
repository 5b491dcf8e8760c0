"""A node's series (bars, uptimes, response times, status changes) in two parts: the
settled days, which no pass changes (`statusgen.site.seriescache` keeps them between
builds), and the days after them, computed on every build, joined in the same order a
single computation takes them, so both ways give the same values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from statusgen.history import HistoryView
from statusgen.history.dayrows import parse_time, up_share
from statusgen.site.latency import node_latency
from statusgen.site.latencycache import LatencyCache, joined
from statusgen.site.series import (
    BAR_DAYS,
    WINDOWS,
    Bar,
    NodeSeries,
    ReplicaState,
    bars_of,
    combined_series,
)
from statusgen.site.seriescache import SeriesCache, Settled
from statusgen.status import Status

Window = tuple[datetime, datetime]
Changes = list[tuple[str, str]]


def node_series(
    view: HistoryView,
    key: str,
    replicas: Sequence[ReplicaState],
    now: datetime,
    windows: Sequence[Window],
    notes: dict[str, dict[date, list]],
    plain: dict[tuple, Bar] | None = None,
    kept: SeriesCache | None = None,
) -> NodeSeries:
    """`plain` caches the note-less bars of a build (pass the same dict for every node):
    most days of most nodes are the same few rows, and Bars are immutable. `kept`: the
    settled parts of the build before, and where this build's go."""
    own, page_wide = notes.get(key, {}), notes.get("", {})
    plain = {} if plain is None else plain
    replica_keys = [f"{key}/{r.id}" for r in replicas]
    settled = kept.days if kept is not None else []
    count = len(settled)
    entry = kept.key(key, replica_keys, windows, own, page_wide) if kept and count else ""
    part = kept.get(entry) if kept and entry else None
    if part is not None and kept:
        kept.entries[key] = entry
    if part is None:
        warned = len(kept.warnings) if kept else 0
        rows, daily = view.node_days(key, replica_keys, now, BAR_DAYS, windows)
        bars = bars_of(rows, page_wide, own, plain)
        part = Settled(
            bars[:count],
            tuple(daily[:count]),
            _sums(rows[:count], 0),
            tuple(_settled_changes(view, key, now, kept)),
        )
        # Not kept when reading the settled days warned: the next build reads them again.
        if kept and entry and _within(part.changes, kept.span) and len(kept.warnings) == warned:
            kept.put(entry, part)
            kept.entries[key] = entry
        rows, bars, daily = rows[count:], bars[count:], daily[count:]
    else:
        rows, daily = view.node_days(key, replica_keys, now, BAR_DAYS - count, windows)
        bars = bars_of(rows, page_wide, own, plain)
    return NodeSeries(
        uptime=_uptimes(view, key, now, windows, rows, part.sums, count),
        bars=part.bars + bars,
        latency=(
            kept.charts.latency(view, key, replica_keys, now)
            if kept
            else node_latency(view, replica_keys, now)
        ),
        daily_latency=part.daily_latency + tuple(daily),
        changes=_changes(
            view,
            key,
            now,
            part.changes,
            kept.span if kept and count else None,
            kept.charts if kept else None,
        ),
    )


def _sums(rows: Sequence[tuple[date, list | None]], first: int) -> tuple[tuple[int, int], ...]:
    """Per uptime window longer than a day, (checks, dead) of the `rows` inside it: the
    rows are the calendar's from position `first` on, and a window of n days holds its
    last n positions."""
    out = []
    for _, days in WINDOWS:
        if days <= 1:
            continue
        checks = dead = 0
        for _, row in rows[max(0, BAR_DAYS - days - first) :]:
            if row:
                checks += row[0]
                dead += row[3]
        out.append((checks, dead))
    return tuple(out)


def _uptimes(
    view: HistoryView,
    key: str,
    now: datetime,
    windows: Sequence[Window],
    rows: Sequence[tuple[date, list | None]],
    settled: tuple[tuple[int, int], ...],
    count: int,
) -> dict[str, float | None]:
    """Uptime per window: the last day from raw samples, longer windows from the day rows
    after the settled days (`rows`, from calendar position `count` on) and the settled
    days' (checks, dead) inside each window."""
    later = iter(zip(_sums(rows, count), settled, strict=True))
    out: dict[str, float | None] = {}
    for name, days in WINDOWS:
        if days <= 1:
            out[name] = view.uptime(key, now, days, windows)
            continue
        (checks, dead), (more, down) = next(later)
        out[name] = up_share(checks + more, dead + down)
    return out


def _settled_changes(
    view: HistoryView, key: str, now: datetime, kept: SeriesCache | None
) -> Changes:
    if kept is None or not kept.days:
        return []
    return view.changes(key, now - timedelta(days=BAR_DAYS), now, kept.span)


def _within(changes: Sequence[tuple[str, str]], span: tuple[str, str]) -> bool:
    """Whether every change lies in the settled days (a hand-made line may not: then the
    window of a later build may leave it out, and the part is not kept)."""
    return all(span[0] <= at[:10] <= span[1] for at, _ in changes)


def _changes(
    view: HistoryView,
    key: str,
    now: datetime,
    settled: Sequence[tuple[str, str]],
    span: tuple[str, str] | None,
    charts: LatencyCache | None = None,
    limit: int = 20,
) -> tuple[tuple[datetime, Status], ...]:
    """When the status changed, newest first; the first sample counts as a change. With
    `span`, the changes of the days before it, `settled` (those of its days) and those
    after it are joined as one walk over every day would find them."""
    since = now - timedelta(days=BAR_DAYS)
    if span is None:
        out = view.changes(key, since, now)
    else:
        first, last = (date.fromisoformat(day) for day in span)
        before = (first - timedelta(days=1)).isoformat()
        after = (last + timedelta(days=1)).isoformat()
        out = joined(view.changes(key, since, now, ("", before)), settled)
        later = (
            charts.changes(view, key, since, now, after)
            if charts
            else view.changes(key, since, now, (after, "9999"))
        )
        out = joined(out, later)
    # Raw times and codes: only the few changes become datetimes and Statuses.
    return tuple((parse_time(at), Status.from_code(code)) for at, code in reversed(out[-limit:]))


def group_series(nodes: Sequence, kept: SeriesCache | None = None) -> NodeSeries:
    """`combined_series` of `nodes` (NodeStates), its settled days' bars from `kept`
    when the build before combined the same nodes' parts (they are a function of those
    parts only), and kept for the next build otherwise."""
    count = len(kept.days) if kept else 0
    key = kept.group_key([n.key for n in nodes]) if kept and count else None
    if not kept or key is None:
        return combined_series(nodes)
    settled = kept.group(key)
    if settled is None:
        whole = combined_series(nodes)
        kept.put_group(key, whole.bars[:count])
        return whole
    later = combined_series(nodes, start=count)
    return NodeSeries(uptime=later.uptime, bars=settled + later.bars)
