"""A node's response times over the last day, as the 24 h charts read them.

Held as two parallel sequences (the pass times, shared with the history's loaded passes
where the node answered every pass, and an `array` of milliseconds) rather than a tuple
of (time, ms) tuples: 288 passes of 1,000 nodes are 25 MB of small tuples and boxed ints
otherwise. It reads as that tuple did: iterating, indexing and `len` give (time, ms).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from itertools import repeat
from operator import add, truediv
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from statusgen.history import HistoryView

LATENCY_HOURS = 24


class Points(Sequence[tuple[datetime, int]]):
    """(time, ms) pairs, oldest first."""

    __slots__ = ("_times", "_values")

    def __init__(self, times: Sequence[datetime] = (), values: Sequence[int] = ()) -> None:
        try:
            self._values: Sequence[int] = array("q", values)
        except OverflowError:  # a latency past 64 bits (a hand-made line)
            self._values = list(values)
        self._times = times

    @property
    def times(self) -> Sequence[datetime]:
        """The times, oldest first (what the charts read without making pairs)."""
        return self._times

    @property
    def values(self) -> Sequence[int]:
        return self._values

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> tuple[datetime, int]: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[tuple[datetime, int], ...]: ...
    def __getitem__(self, index: int | slice) -> object:
        if isinstance(index, slice):
            return tuple(zip(self._times[index], self._values[index], strict=True))
        return self._times[index], self._values[index]

    def __iter__(self) -> Iterator[tuple[datetime, int]]:
        return zip(self._times, self._values, strict=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Points({tuple(self)!r})"


def node_latency(
    view: HistoryView, keys: list[str], now: datetime, since: datetime | None = None
) -> Points:
    """The node's response time per pass over the last day (from `since` when given):
    the mean of its replicas that answered."""
    since = now - timedelta(hours=LATENCY_HOURS) if since is None else since
    found = [view.latencies(key, since, now) for key in keys]
    if len(found) == 1:  # most nodes: no per-time grouping needed (same values)
        times, values = found[0]
        if None not in values:
            return Points(times, values)
        kept = [(at, v) for at, v in zip(times, values, strict=True) if v is not None]
        return Points([at for at, _ in kept], [v for _, v in kept])
    times = found[0][0] if found else []
    out_times: list[datetime] = []
    out: list[int] = []
    if len(found) == 2 and found[1][0] == times:  # the usual pair: the same passes
        ones, twos = found[0][1], found[1][1]
        if None not in ones and None not in twos:  # both answered every pass: in C
            return Points(times, list(map(round, map(truediv, map(add, ones, twos), repeat(2)))))
        for at, one, two in zip(times, ones, twos, strict=True):
            if one is None or two is None:
                if one is None and two is None:
                    continue
                out.append(one if two is None else two)  # round(x / 1) == x
            else:
                out.append(round((one + two) / 2))
            out_times.append(at)
        return Points(out_times, out)
    if found and all(other == times for other, _ in found[1:]):  # the same passes
        rows = zip(*(values for _, values in found), strict=True)
        for at, row in zip(times, rows, strict=True):
            known = [v for v in row if v is not None]
            if known:
                out_times.append(at)
                out.append(round(sum(known) / len(known)))
        return Points(out_times, out)
    by_time: dict[datetime, list[int]] = defaultdict(list)
    for times, values in found:
        for at, latency in zip(times, values, strict=True):
            if latency is not None:
                by_time[at].append(latency)
    ordered = sorted(by_time.items())
    return Points([at for at, _ in ordered], [round(sum(v) / len(v)) for _, v in ordered])
