"""The nodes' 24 h response-time charts and today's status changes kept between builds,
in `<state>/build-cache/latency.bin`, so that a rebuild after one new pass computes
them for the new pass only.

A node's chart holds, at each loaded pass of the last 24 hours, the mean of its
replicas that answered (`statusgen.site.latency.node_latency`): one value per pass,
computed from that pass alone. So the chart of a later build is the kept one without
the passes that left the window, then the values of the passes after it. That holds
when the kept passes are the same lines. The file keeps the window's pass times and the
raw index's identity of each file the view was loaded from (`statusgen.history.
rawindex.identity`: the file, how many of its bytes were decoded and their hash); this
build's raw index must have found each of those it loads again still holding those
bytes (`RawCache.proven`; a file new since holds only new lines), its window must start
with the kept passes still inside it, and its other passes must come strictly after
them. Anything else (a file replaced or rewritten, a late line between the kept passes,
a day read the ordinary way, two passes at the same time, `--full`, other code)
computes every chart whole, and a torn or damaged file only costs that time. Each
node's entry is keyed by its key and its replicas'.

Today's passes all lie in the window, so a node's status changes over the days after
the settled ones (`statusgen.site.nodeseries`), when those are today alone, are kept
too (for that day) and joined with the new passes' changes.
"""

from __future__ import annotations

import contextlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from statusgen.clock import iso
from statusgen.files import read_entry, write_entry
from statusgen.history.dayrows import parse_time
from statusgen.site.cache import code_digest
from statusgen.site.latency import LATENCY_HOURS, Points, node_latency

if TYPE_CHECKING:
    from statusgen.history import HistoryView, RawCache

FILE = "latency.bin"
FORMAT = 1
# Past this, a mean of one value (round(v / 1)) may differ from the value, and which
# one a chart holds depends on the path node_latency takes for the whole window.
SAFE = 2**53

Record = tuple[array | None, array]  # positions in the window (None: every pass), ms
Changes = list[tuple[str, str]]


class LatencyCache:
    """This build's window of passes and each node's chart over it; with `read` False
    (`--full`) nothing is taken from the file."""

    def __init__(self, folder: Path, read: bool = True) -> None:
        self.path = folder / FILE
        self.read = read
        self.hits = 0  # charts extended from the kept ones
        self.window: list[str] = []  # the ISO times of the passes in the window
        self.records: dict[str, Record] = {}  # this build's charts, to keep
        self._days: dict[str, str] | None = None  # None: this build's are not kept
        self._now = ""
        self._kept: dict[str, Record] = {}
        self._drop = 0  # passes of the kept window before this one's
        self._keep = 0  # passes of this window that the kept one had
        self._since: datetime | None = None  # the first pass after them
        self._moments: list[datetime] | None = None
        self._index: dict[datetime, int] | None = None
        self._changes: dict[str, Changes] = {}  # node -> today's status changes, kept
        self.changes_kept: dict[str, Changes] = {}  # this build's, to keep

    def start(self, view: HistoryView, now: datetime, raw: RawCache | None) -> None:
        """Find the window of `view` at `now` and read the charts kept over it, when
        `raw` (the raw index `view` was loaded with) proves them still true."""
        floor = iso((now - timedelta(hours=LATENCY_HOURS)).replace(microsecond=0))
        ceiling = iso(now.replace(microsecond=0))
        times = view.pass_times
        window = times[bisect_left(times, floor) : bisect_right(times, ceiling)]
        if any(a >= b for a, b in pairwise(window)):
            return
        if raw is None or raw.served is None:  # read the ordinary way
            return
        days = {day: raw.identity(day) for day in raw.served}
        if None in days.values():
            return
        self.window, self._days, self._now = window, days, ceiling
        if self.read:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError, IndexError):
                self._load(raw, floor)

    def _load(self, raw: RawCache, floor: str) -> None:
        data = read_entry(self.path)
        if data is None:  # torn by a crash (written without fsync)
            return
        head, _, blob = data.partition(b"\n")
        found = orjson.loads(head)
        if found["format"] != [FORMAT, code_digest()]:
            return
        old, days = found["window"], found["days"]
        drop = bisect_left(old, floor)
        kept = old[drop:]
        if not kept or self.window[: len(kept)] != kept:
            return
        for day in self._days or ():  # a file new since (no day of `kept`) holds new lines
            if day in days and raw.proven.get(day) != days[day]:
                return
        view, offset, records = memoryview(blob), 0, {}
        for entry, count, positioned in found["nodes"]:
            values = array("q")
            values.frombytes(view[offset : offset + 8 * count])
            offset += 8 * count
            positions = None
            if positioned:
                positions = array("I")
                positions.frombytes(view[offset : offset + 4 * count])
                offset += 4 * count
                if positions and positions[-1] >= len(old):
                    return
            elif count != len(old):
                return
            if len(values) != count:
                return
            records[entry] = (positions, values)
        if offset != len(blob):
            return
        self._kept, self._drop, self._keep = records, drop, len(kept)
        if found["today"] == self._now[:10]:
            self._changes = {node: list(map(tuple, out)) for node, out in found["changes"].items()}
        if len(kept) < len(self.window):
            self._since = parse_time(self.window[len(kept)])

    def latency(self, view: HistoryView, node: str, keys: Sequence[str], now: datetime) -> Points:
        """Node `node`'s chart (its replicas' `keys`), as `node_latency` computes it."""
        entry = "\n".join((node, *keys))
        old = self._kept.get(entry)
        found = self._extended(view, old, keys, now) if old is not None else None
        if found is not None:
            self.hits += 1
            positions, values = found
            moments = self._moments_of()
            times = moments if positions is None else list(map(moments.__getitem__, positions))
            self.records[entry] = found
            return Points(times, values)
        points = node_latency(view, list(keys), now)
        if self._days is not None:
            self._remember(entry, points)
        return points

    def changes(
        self, view: HistoryView, node: str, since: datetime, now: datetime, after: str
    ) -> Changes:
        """`view.changes(node, since, now, (after, "9999"))`: the status changes of the
        days from `after` on. When that is today alone, every pass of it is in the window:
        the kept ones are joined with those of the new passes."""
        today = self._now[:10]
        if after != today or self._days is None:
            return view.changes(node, since, now, (after, "9999"))
        found = self._changes.get(node)
        if found is None:
            found = view.changes(node, since, now, (after, "9999"))
        elif self._since is not None:
            found = joined(found, view.changes(node, self._since, now, (after, "9999")))
        self.changes_kept[node] = found
        return found

    def _extended(
        self, view: HistoryView, old: Record, keys: Sequence[str], now: datetime
    ) -> Record | None:
        """The kept chart `old` moved to this window, or None when it cannot be."""
        positions, values = old
        drop = self._drop
        if positions is None:
            values = values[drop:]
        else:
            first = bisect_left(positions, drop)
            values = values[first:]
            positions = array("I", [p - drop for p in positions[first:]])
        if self._since is None:
            return positions, values
        new = node_latency(view, list(keys), now, self._since)
        more = new.values
        if type(more) is not array or (more and (max(more) >= SAFE or min(more) <= -SAFE)):
            return None
        if positions is None and len(more) == len(self.window) - self._keep:
            values.extend(more)
            return None, values
        if positions is None:
            positions = array("I", range(len(values)))
        index = self._index_of()
        positions.extend(index[at] for at in new.times)
        values.extend(more)
        return positions, values

    def _remember(self, entry: str, points: Points) -> None:
        values = points.values
        if type(values) is not array or (values and (max(values) >= SAFE or min(values) <= -SAFE)):
            return
        positions = None
        if len(values) != len(self.window):
            index = self._index_of()
            try:
                positions = array("I", [index[at] for at in points.times])
            except KeyError:  # not a pass of the window: not kept
                return
        self.records[entry] = (positions, values)

    def _moments_of(self) -> list[datetime]:
        if self._moments is None:
            self._moments = [parse_time(at) for at in self.window]
        return self._moments

    def _index_of(self) -> dict[datetime, int]:
        if self._index is None:
            self._index = {at: j for j, at in enumerate(self._moments_of())}
        return self._index

    def save(self) -> None:
        """Keep this build's charts, unless they are those read; a file that cannot be
        written only costs the next build time."""
        if self._days is None:
            return
        same = not self._drop and self._since is None and self.hits == len(self._kept)
        if same and len(self.records) == self.hits:
            return
        nodes, blobs = [], []
        for entry, (positions, values) in self.records.items():
            nodes.append([entry, len(values), positions is not None])
            blobs.append(values.tobytes())
            if positions is not None:
                blobs.append(positions.tobytes())
        head = {
            "format": [FORMAT, code_digest()],
            "now": self._now,
            "window": self.window,
            "days": self._days,
            "today": self._now[:10],
            "changes": self.changes_kept,
            "nodes": nodes,
        }
        data = orjson.dumps(head) + b"\n" + b"".join(blobs)
        write_entry(self.path, data)


def joined(head: Sequence[tuple[str, str]], tail: Sequence[tuple[str, str]]) -> Changes:
    """Two deduplicated runs of status changes as one: the tail's first is no change
    when the head ends on its status."""
    if head and tail and head[-1][1] == tail[0][1]:
        tail = tail[1:]
    return [*head, *tail]
