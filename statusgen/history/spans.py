"""A key's samples counted over spans of a loaded day (`statusgen.history.columns`):
the day's row ([checks, healthy, sick, dead, mean ms, p95 ms]) and the pass positions
inside maintenance windows, read in place rather than sample by sample."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from statusgen.history.columns import Column

NO_MS = -(2**63)  # no latency (the entry's `null`); never a recorded value
_HEALTHY, _SICK = ord("h"), ord("s")


def day_row(column: Column, spans: list[tuple[int, int]]) -> list | None:
    """[checks, healthy, sick, dead, mean ms, p95 ms] of `column`'s samples `a` to `b`
    (excluded) of each (a, b) of `spans`; None without any."""
    codes = b"".join(column.codes[a:b] for a, b in spans if a < b)
    if not codes:
        return None
    checks, healthy, sick = len(codes), codes.count(_HEALTHY), codes.count(_SICK)
    if type(column.ms) is array:  # sorted in C; NO_MS (no latency) sorts first
        ms = array("q")
        for a, b in spans:
            ms += column.ms[a:b]
        if ms[0] == ms[-1] == NO_MS and ms.count(NO_MS) == checks:
            values = []  # nodes, services, the page: no latency, nothing to sort
        else:
            values = ms.tolist()  # a list sorts faster than an array
            values.sort()
            if values[0] == NO_MS:
                del values[: bisect_right(values, NO_MS)]
    else:
        found = [v for a, b in spans for v in column.ms[a:b]]
        values = sorted(v for v in found if v != NO_MS and v is not None)
    mean = round(sum(values) / len(values)) if values else None
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))] if values else None
    return [checks, healthy, sick, checks - healthy - sick, mean, p95]


def passes_within(
    times: list[str], windows: Iterable[tuple[str, str]], lo: int
) -> list[tuple[int, int]]:
    """The pass positions from `lo` on whose times fall inside one of `windows` (ISO
    (start, end), the end excluded), as ranges (start, end excluded) that do not overlap."""
    ranges = sorted(
        (max(lo, bisect_left(times, start)), max(lo, bisect_left(times, end)))
        for start, end in windows
    )
    out: list[tuple[int, int]] = []
    for start, end in ranges:
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
