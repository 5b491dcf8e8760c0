"""The settled part of each node's series, kept between builds: what a node's bars, daily
response times, uptime windows and status changes take from the days before today that
no pass changes any more (`statusgen.history.settled`), in
`<state>/build-cache/series.json`.

At 1,000 nodes a build reads 90 days of rows for each node (the bars, the 7, 30 and
90-day uptimes, the daily latency of its replicas) and its status changes over the raw
days: about 90,000 day rows, the same on every pass of a day. A build with this cache
computes only the days after the settled ones (today, and yesterday until it is sealed)
and joins them to the kept part (`statusgen.site.nodeseries`).

The whole file is for one calendar (`base`): statusgen's code, today, the settled days
and the identity of every file they are read from, the history's merge policy and
settings. Each node's entry is keyed by what its part depends on besides: its key, its
replicas' keys (the daily latency is theirs), the maintenance windows that touch the
settled days (their checks are left out of the rows) and the incidents and maintenance
noted on those days (the bars' notes). A change of any of them computes that node's part
again; a new day, a seal or a code change computes all of them. The combined bars of a
service or page over the settled days (`groups`) are keyed by its nodes' entries.

Written without fsync, sealed with a checksum (`statusgen.files.seal`): a torn or
unreadable file only costs a build the time to compute every part. A node's part is not
kept when the history warned while it was computed (a broken or hand-made file of a
settled day: the node computes it again on every build, so the warning is given by
every build that reads the file, as without the cache). `statusgen build --full` reads
nothing from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson

from statusgen.config import Config
from statusgen.files import read_entry, write_entry
from statusgen.history import HistoryView, RawCache
from statusgen.history.dayrows import iso_windows
from statusgen.history.settled import settled_days
from statusgen.site.cache import code_digest, page_key
from statusgen.site.latencycache import LatencyCache
from statusgen.site.series import BAR_DAYS, WINDOWS, Bar, Note
from statusgen.status import Status

FILE = "series.json"
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Settled:
    """A node's series over the settled days: their bars and (day, mean ms, p95 ms), the
    (checks, dead) of their rows inside each uptime window longer than a day, and the
    status changes read from them (ISO time, code), deduplicated."""

    bars: tuple[Bar, ...] = ()
    daily_latency: tuple[tuple[date, int | None, int | None], ...] = ()
    sums: tuple[tuple[int, int], ...] = ()
    changes: tuple[tuple[str, str], ...] = ()


class SeriesCache:
    """The kept parts of one build's calendar; with `read` False (`--full`) nothing is
    taken from the file, but this build's parts are written to it."""

    def __init__(self, folder: Path, read: bool = True) -> None:
        self.path = folder / FILE
        self.read = read
        self.days: list[date] = []  # the settled days, oldest first
        self.base = ""
        self.hits = 0
        self.parts: dict[str, Settled] = {}
        self.entries: dict[str, str] = {}  # node key -> its entry, once kept or read
        self.groups: dict[str, tuple[Bar, ...]] = {}  # a group of entries -> its bars
        self._kept: dict[str, list] = {}
        self._groups: dict[str, list] = {}
        self._cells: list[Bar] = []
        self._new = False
        self._span = ("", "")
        self._after = ""
        self.warnings: list[str] = []
        self.charts = LatencyCache(folder, read)  # the nodes' 24 h charts

    def start(
        self,
        config: Config,
        view: HistoryView,
        now: datetime,
        warnings: list[str] | None = None,
        raw: RawCache | None = None,
    ) -> None:
        """Find the settled days of `view` at `now` and read the parts kept for them.
        `warnings`: the history's, to which reading a settled day may add one; `raw`:
        the raw index `view` was loaded with (it proves the kept 24 h charts true)."""
        self.warnings = [] if warnings is None else warnings
        self.charts.start(view, now, raw)
        self.days, files = settled_days(view, now.date(), BAR_DAYS)
        if not self.days:
            return
        first, last = self.days[0].isoformat(), self.days[-1].isoformat()
        self._span = (first, last)
        self._after = (self.days[-1] + timedelta(days=1)).isoformat()
        self.base = page_key(
            FORMAT,
            code_digest(),
            now.date(),
            BAR_DAYS,
            files,
            view.policy,
            config.history.model_dump_json(),
        )
        if self.read:
            self._load()

    @property
    def span(self) -> tuple[str, str]:
        """The first and last settled day, as ISO names."""
        return self._span

    def key(
        self,
        node: str,
        replica_keys: Sequence[str],
        windows: Sequence[tuple[datetime, datetime]],
        own: Mapping[date, list],
        shared: Mapping[date, list],
    ) -> str:
        """The entry of node `node`: everything its settled part depends on but the
        calendar's files."""
        first, last = self.days[0], self.days[-1]
        touching = [
            (a, b) for a, b in iso_windows(windows) if a < self._after and b > self._span[0]
        ]
        return page_key(
            node,
            tuple(replica_keys),
            touching,
            [(day, own[day]) for day in sorted(own) if first <= day <= last],
            [(day, shared[day]) for day in sorted(shared) if first <= day <= last],
        )

    def get(self, entry: str) -> Settled | None:
        found = self._kept.get(entry)
        if found is None:
            return None
        try:
            ids, means, worst, sums, changes = found
            bars = tuple(map(self._cells.__getitem__, ids))
            if not len(bars) == len(means) == len(worst) == len(self.days):
                return None
            if len(sums) != sum(1 for _, days in WINDOWS if days > 1):
                return None
            part = Settled(
                bars,
                tuple(zip(self.days, means, worst, strict=True)),
                tuple((checks, dead) for checks, dead in sums),
                tuple((at, code) for at, code in changes),
            )
        except (ValueError, TypeError, IndexError):
            return None
        self.parts[entry] = part
        self.hits += 1
        return part

    def put(self, entry: str, part: Settled) -> None:
        self.parts[entry] = part
        self._new = True

    def group_key(self, nodes: Sequence[str]) -> str | None:
        """The key of the combined bars of nodes `nodes` (keys, in order), when each has
        its part in this build's cache: they are a function of those parts only."""
        entries = [self.entries.get(node) for node in nodes]
        if not entries or None in entries:
            return None
        return page_key("group", *entries)

    def group(self, key: str) -> tuple[Bar, ...] | None:
        """The settled days' combined bars of a group kept under `key`, or None."""
        ids = self._groups.get(key)
        if ids is None:
            return None
        try:
            bars = tuple(map(self._cells.__getitem__, ids))
        except (TypeError, IndexError):
            return None
        if len(bars) != len(self.days):
            return None
        self.groups[key] = bars
        return bars

    def put_group(self, key: str, bars: tuple[Bar, ...]) -> None:
        self.groups[key] = bars
        self._new = True

    def _load(self) -> None:
        try:
            data = read_entry(self.path)
            if data is None:  # torn by a crash (written without fsync)
                return
            found = orjson.loads(data)
            if found["base"] != self.base:
                return
            self._cells = [
                Bar(
                    date.fromisoformat(day),
                    Status.from_code(code) if code else None,
                    uptime,
                    checks,
                    tuple(Note(*note) for note in notes),
                )
                for day, code, uptime, checks, notes in found["cells"]
            ]
            self._kept, self._groups = found["nodes"], found["groups"]
            if type(self._kept) is not dict or type(self._groups) is not dict:
                raise TypeError("nodes")
        except (OSError, ValueError, KeyError, TypeError):
            self._cells, self._kept, self._groups = [], {}, {}

    def save(self) -> None:
        """Write this build's parts when they are not those read. A cache that cannot be
        written only costs time."""
        self.charts.save()
        if not self.days:
            return
        unused = len(self._kept) != len(self.parts) or len(self._groups) != len(self.groups)
        if not self._new and not unused:
            return
        cells: dict[int, int] = {}
        table: list[Bar] = []

        def numbered(bars: tuple[Bar, ...]) -> list[int]:
            ids = []
            for bar in bars:  # the note-less bars are shared: kept once
                j = cells.get(id(bar))
                if j is None:
                    j = cells[id(bar)] = len(table)
                    table.append(bar)
                ids.append(j)
            return ids

        nodes = {}
        for entry, part in self.parts.items():
            nodes[entry] = [
                numbered(part.bars),
                [mean for _, mean, _ in part.daily_latency],
                [p95 for _, _, p95 in part.daily_latency],
                part.sums,
                part.changes,
            ]
        groups = {key: numbered(bars) for key, bars in self.groups.items()}
        document = {
            "base": self.base,
            "cells": [
                [
                    bar.day.isoformat(),
                    bar.status.code if bar.status else None,
                    bar.uptime,
                    bar.checks,
                    [[note.kind, note.id, note.title] for note in bar.notes],
                ]
                for bar in table
            ],
            "nodes": nodes,
            "groups": groups,
        }
        try:
            data = orjson.dumps(document)
        except TypeError:  # a latency past 64 bits (a hand-made line): not kept
            return
        write_entry(self.path, data)
