"""Reading the history back for the site, the API and notifications.

Keys are those of the pass lines: a replica `svc/node/replica`, a node `svc/node`, a
service `svc`, the page `""`. Uptime counts healthy and sick checks as up and dead as
down; windows of whole days combine raw samples (recent days) with daily aggregates
(older days). Checks inside `exclude` windows (maintenance) are left out of the maths.

A view loaded from a Store reads only what a build needs: the raw passes of the last
24 hours and of days not sealed yet, sealed days when asked for, and older raw days only
when a question needs them (a key missing from the recent passes, maintenance inside a
day that still has raw samples, a dead spell longer than the loaded passes). The loaded
passes are held per key in compact columns (`statusgen.history.columns`), folded in line
by line as they are decoded, never as the decoded lines.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from functools import partial as partial_call

from statusgen.clock import iso, parse_iso
from statusgen.history.columns import DEAD, Column, Columns
from statusgen.history.dayrows import (
    DayBar,
    Sample,
    Window,
    bar_of,
    counts_of,
    in_any,
    iso_windows,
    last_days,
    next_day,
    parse_time,
    uptime_of,
)
from statusgen.history.locations import Latest, MergePolicy
from statusgen.history.older import Days, OlderDays, entry_of
from statusgen.history.rawindex import RawCache
from statusgen.history.rows import Joined, latency_of, rows_and_latency
from statusgen.history.store import Store
from statusgen.history.stream import fold_lines
from statusgen.status import Status


def _time_or_none(text: str | None) -> datetime | None:
    try:
        return parse_iso(text) if text else None
    except ValueError:  # a hand-edited meta.json: no date rather than no page
        return None


class HistoryView:
    """An in-memory read of one history folder, computed once per build."""

    def __init__(
        self,
        passes: Iterable[dict] | Columns,
        daily: dict[str, dict[str, list]],
        older: OlderDays | None = None,
        meta: dict | None = None,
    ) -> None:
        self._columns = passes if isinstance(passes, Columns) else Columns(passes)
        self.meta = meta or {}  # meta.json: first_seen, certificates
        self._loaded_days = set(self._columns.days())
        self._older = older or OlderDays()
        computed = dict(daily)
        for day in self._loaded_days:
            if day not in self._older.partial:
                computed[day] = self._columns.aggregate(day, next_day(day))
        self.days = Days(computed, self._older)
        self._parsed: list[datetime] = []
        self._calendars: dict[tuple[date, int], list[tuple[date, str, str]]] = {}
        self._aggregates: dict[tuple[date, int], list[tuple[date, dict[str, list]]]] = {}
        self._joined: dict[tuple[date, int], Joined] = {}  # the same, as runs (node_days)
        self._latest_older: dict[str, Sample | None] = {}
        # each location's latest entry per replica, and the vote's settings (Store.latest)
        self.locations: Latest = {}
        self.policy = MergePolicy()

    @classmethod
    def load(
        cls,
        store: Store,
        until: datetime | None = None,
        hours: float = 24,
        cache: RawCache | None = None,
    ) -> HistoryView:
        """The history as of `until`: raw passes of the last `hours` before it and of
        days not sealed yet, the rest on demand. Without `until`, every raw pass. With
        `cache`, the raw files decoded by the build before are not decoded again."""
        ceiling = iso(until.replace(microsecond=0)) if until else "9999"
        start = iso((until - timedelta(hours=hours)).replace(microsecond=0)) if until else ""
        raw = [day for day in store.raw_day_names() if day <= ceiling[:10]]
        sealed = set(store.sealed_day_names())
        loaded = [d for d in raw if d >= start[:10] or d not in sealed or d == ceiling[:10]]
        # A loaded day that is sealed (and not cut by `until`) draws its sealed aggregates
        # and changes, so only its lines from `start` on are read.
        partial = {d for d in loaded if d in sealed and d != ceiling[:10]}
        partial = {d for d in partial if store.sealed(d) is not None}
        since = {day: start for day in partial}
        passes = cache.columns(store, loaded, since, ceiling) if cache and until else None
        if passes is None:
            passes = fold_lines(store, loaded, since, ceiling)
        before = sorted({d for d in raw if d not in loaded} | partial)
        older = OlderDays(store, ceiling, start, before, raw, partial)
        if cache is not None:
            older.rows = partial_call(cache.sealed_rows, store)
        view = cls(passes, {}, older, store.meta())
        view.locations = store.latest
        view.policy = store.policy
        return view

    def first_seen(self, key: str) -> datetime | None:
        """When the history first saw node `key` (meta.json), if known."""
        return _time_or_none(self.meta.get("first_seen", {}).get(key))

    def certificate_expires(self, key: str) -> datetime | None:
        """The latest certificate expiry recorded for replica `key`, if any."""
        return _time_or_none(self.meta.get("certificates", {}).get(key))

    @property
    def pass_times(self) -> list[str]:
        """The ISO times of the loaded passes, oldest first."""
        return self._columns.times

    @property
    def last_pass(self) -> dict | None:
        """The newest pass line (from older raw days when none is loaded)."""
        if self._columns.last is not None:
            return self._columns.last
        return next(self._older_newest_first(), None)

    @property
    def last_pass_at(self) -> datetime | None:
        last = self.last_pass
        return parse_iso(last["t"]) if last else None

    def _older_newest_first(self) -> Iterator[dict]:
        """The pass lines before the loaded ones, newest first, each raw day read only
        when the walk gets there."""
        for day in reversed(self._older.before):
            yield from reversed(self._older.lines_before(day))

    def dead_run_start(self, keys: Sequence[str], ceiling: str) -> str | None:
        """The ISO time of the first pass of the current run of passes (up to the ISO
        time `ceiling`) in which one of the node or service `keys` was dead; None when
        the latest pass had none dead."""
        columns = [c for c in map(self._columns.get, keys) if c is not None]
        times, since = self._columns.times, None
        for index in range(len(times) - 1, -1, -1):
            if times[index] > ceiling:
                continue
            if not any(_code_at(column, index) == DEAD for column in columns):
                return since
            since = times[index]
        for line in self._older_newest_first():
            if line["t"] > ceiling:
                continue
            nodes = line.get("n", {})
            if not any(nodes.get(key) == "d" for key in keys):
                break
            since = line["t"]
        return since

    def latest(self, key: str) -> Sample | None:
        """The most recent sample of `key`."""
        column = self._columns.get(key)
        if column is None or not column.at:
            return self._latest_before_loaded(key)
        code, latency, reason = column.entry(len(column.at) - 1)
        at = self._columns.times[column.at[-1]]
        return Sample(parse_time(at), Status.from_code(code), latency, reason)

    def _latest_before_loaded(self, key: str) -> Sample | None:
        if key not in self._latest_older:
            found = None
            for day in reversed(self._older.before):
                for line in reversed(self._older.lines_before(day)):
                    entry = entry_of(line, key)
                    if entry is not None:
                        code, ms, reason = entry
                        found = Sample(parse_time(line["t"]), Status.from_code(code), ms, reason)
                        break
                if found is not None:
                    break
            self._latest_older[key] = found
        return self._latest_older[key]

    def changes(
        self, key: str, since: datetime, until: datetime, days: tuple[str, str] = ("", "9999")
    ) -> list[tuple[str, str]]:
        """(ISO time, status code) at each change of `key` from `since` to `until`, oldest
        first, the first sample counting as a change: over the days that still have raw
        samples (only those from `days[0]` to `days[1]`, ISO day names), read from sealed
        days where they are not loaded."""
        out: list[tuple[str, str]] = []
        floor, ceiling = iso(since.replace(microsecond=0)), iso(until.replace(microsecond=0))
        column, times = self._columns.get(key), self._columns.times
        low, high = max(floor[:10], days[0]), min(ceiling[:10], days[1])
        for day in self._older.raw or sorted(self._loaded_days):
            if day < low or day > high:
                continue
            if day in self._loaded_days and day not in self._older.partial:
                points = []
                if column is not None:  # the day's samples within the window, changes only
                    lo = self._columns.position(max(day, floor))
                    hi = bisect_right(times, ceiling, lo, self._columns.position(next_day(day)))
                    points = column.changes(*column.span(lo, hi), times)
            else:
                points = self._older.changes(day, key)
            for at, code in points:
                if floor <= at <= ceiling and (not out or out[-1][1] != code):
                    out.append((at, code))
        return out

    def samples(self, key: str, since: datetime) -> list[Sample]:
        """Raw samples of `key` from `since` on, oldest first."""
        times, entries = self.series(key, since)
        return [
            Sample(parse_time(at), Status.from_code(code), latency, reason)
            for at, (code, latency, reason) in zip(times, entries, strict=True)
        ]

    def series(
        self, key: str, since: datetime
    ) -> tuple[list[str], list[tuple[str, int | None, str]]]:
        """`samples` unparsed: (ISO times, (status code, latency ms, reason) entries) from
        `since` on, oldest first. For loops over many keys that need few Sample objects."""
        return self._columns.series(key, iso(since.replace(microsecond=0)))

    def latencies(
        self, key: str, since: datetime, until: datetime
    ) -> tuple[list[datetime], list[int | None]]:
        """(times, latency ms or None) of `key`'s raw samples from `since` to `until`."""
        floor, ceiling = iso(since.replace(microsecond=0)), iso(until.replace(microsecond=0))
        positions, values = self._columns.latencies(key, floor, ceiling)
        moments = self._moments()
        if positions and positions[-1] - positions[0] == len(positions) - 1:
            return moments[positions[0] : positions[-1] + 1], values  # in every pass: a slice
        return [moments[i] for i in positions], values

    def _moments(self) -> list[datetime]:
        # The loaded pass times as datetimes, each parsed once a build.
        if len(self._parsed) != len(self._columns.times):
            self._parsed = [parse_time(at) for at in self._columns.times]
        return self._parsed

    def keys(self) -> set[str]:
        """Every key with at least one raw sample."""
        return set(self._columns.columns)

    def uptime(
        self, key: str, now: datetime, days: float, exclude: Iterable[Window] = ()
    ) -> float | None:
        """Share of up checks (0..1) over the last `days`, None without data. Windows under
        one day use raw samples; longer ones use whole days up to today."""
        if days <= 1:
            since = now - timedelta(days=days)
            start = iso(since.replace(microsecond=0))
            # A window that ended before `since` holds none of the samples counted.
            windows = [(a, b) for a, b in iso_windows(exclude) if b > start]
            return self._columns.up_share(key, start, windows)  # the letters counted in place
        return uptime_of(self.day_rows(key, now, int(days), exclude))

    def daily_bars(
        self, key: str, now: datetime, days: int = 90, exclude: Iterable[Window] = ()
    ) -> list[DayBar]:
        """One bar per day, oldest first, ending today."""
        return [bar_of(day, row) for day, row in self.day_rows(key, now, days, exclude)]

    def day_rows(
        self, key: str, now: datetime, days: int = 90, exclude: Iterable[Window] = ()
    ) -> list[tuple[date, list | None]]:
        """(day, [checks, healthy, sick, dead, mean ms, p95 ms] or None) for each of the
        last `days` days, oldest first, ending today, with checks inside `exclude` left
        out. One read serves both the bars (`bar_of`) and whole-day uptimes (`uptime_of`)."""
        windows = iso_windows(exclude)
        if not windows:  # the common case: each day's row straight from the aggregates
            return [(day, rows.get(key)) for day, rows in self.aggregates_on(now.date(), days)]
        return [
            (day, self._day_counts(key, name, following, windows))
            for day, name, following in self._calendar(now.date(), days)
        ]

    def node_days(
        self, key: str, keys: Sequence[str], now: datetime, days: int, exclude: Iterable[Window]
    ) -> tuple[list[tuple[date, list | None]], list[tuple[date, int | None, int | None]]]:
        """`day_rows(key, now, days, exclude)`, and per day (day, the mean of the `keys`'
        daily mean ms, the worst of their p95 ms) (`latency_of`: maintenance is not left
        out of it)."""
        aggregates = self.aggregates_on(now.date(), days)
        if iso_windows(exclude):
            latency = [(day, *latency_of(rows, keys)) for day, rows in aggregates]
            return self.day_rows(key, now, days, exclude), latency
        joined = self._joined.get((now.date(), days))
        if joined is None:
            joined = self._joined[(now.date(), days)] = Joined(aggregates)
        return rows_and_latency(joined, key, keys)

    def aggregates_on(self, today: date, days: int = 90) -> list[tuple[date, dict[str, list]]]:
        """(day, that day's aggregates by key, {} when none) for each of the last `days`
        days, oldest first, ending today: the days of `day_rows`, looked up once a build."""
        cached = self._aggregates.get((today, days))
        if cached is None:
            empty: dict[str, list] = {}
            cached = [
                (day, self.days.get(name, empty)) for day, name, _ in self._calendar(today, days)
            ]
            self._aggregates[(today, days)] = cached
        return cached

    def _calendar(self, today: date, days: int) -> list[tuple[date, str, str]]:
        # Day names are the same for every key of a build: compute them once.
        cached = self._calendars.get((today, days))
        if cached is None:
            cached = []
            for day in last_days(today, days):
                following = day + timedelta(days=1)
                cached.append((day, day.isoformat(), following.isoformat()))
            self._calendars[(today, days)] = cached
        return cached

    def latency_series(
        self, key: str, now: datetime, hours: float = 24
    ) -> list[tuple[datetime, int]]:
        """(time, ms) of every answered check in the last `hours`."""
        return [
            (s.at, s.latency_ms)
            for s in self.samples(key, now - timedelta(hours=hours))
            if s.latency_ms is not None
        ]

    def _day_counts(
        self, key: str, name: str, following: str, windows: Sequence[tuple[str, str]]
    ) -> list | None:
        # Only windows touching this day matter, and only this key's samples are recounted.
        touching = [(a, b) for a, b in windows if a < following and b > name] if windows else ()
        if touching and name in self._loaded_days and name not in self._older.partial:
            return self._columns.counts(key, name, following, touching)  # counted in place
        if touching and name in self._older.raw:
            whole = self.days.get(name, {}).get(key)
            if whole is not None and whole[4] is None and whole[5] is None:
                # A sealed row without latencies (nodes, services, the page): take the
                # checks inside the windows off it, reading only those passes.
                since, until = min(a for a, _ in touching), max(b for _, b in touching)
                lines = self._older.lines_within(name, since, until)
                found = [(line["t"], entry_of(line, key)) for line in lines]
                inside = [e for at, e in found if e is not None and in_any(at, touching)]
                if not inside:
                    return whole
                row = [a - b for a, b in zip(whole[:4], counts_of(inside)[:4], strict=True)]
                return [*row, None, None] if row[0] > 0 else None
            lines = self._older.lines(name)
            if lines:
                found = [(line["t"], entry_of(line, key)) for line in lines]
                kept = [e for at, e in found if e is not None and not in_any(at, touching)]
                return counts_of(kept) if kept else None
        return self.days.get(name, {}).get(key)


def _code_at(column: Column, index: int) -> int | None:
    """The status letter (a byte) of `column` at pass position `index`, if it has one."""
    j = bisect_left(column.at, index)
    return column.codes[j] if j < len(column.at) and column.at[j] == index else None
