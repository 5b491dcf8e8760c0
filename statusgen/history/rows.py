"""A sealed day's aggregates held compact: one `array` of ints for every row of the day.

Decoded, a sealed day at 1,000 nodes is about 2,500 keys of six-number lists, most of
the numbers boxed ints: 0.8 MB a day, 70 MB for the 90 days a build draws. Held as one
array per day (the row of a key at its slot, `NONE` for a null mean or p95) with the
key-to-slot table shared by the days that have the same keys, it is 60 KB a day.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from datetime import date

NONE = -(2**31)  # a null mean or p95 (counts and latencies are never negative)
WIDTH = 6  # [checks, healthy, sick, dead, mean ms, p95 ms]


class DayRows(Mapping[str, list]):
    """{key: [checks, healthy, sick, dead, mean ms, p95 ms]} over one array; each row
    read is a new list."""

    __slots__ = ("_slots", "_values")

    def __init__(self, slots: dict[str, int], values: array) -> None:
        self._slots = slots
        self._values = values

    def __getitem__(self, key: str) -> list:
        row = self.get(key)
        if row is None:
            raise KeyError(key)
        return row

    def get(self, key: str, default: list | None = None) -> list | None:  # type: ignore[override]
        # The row read written out here, not called: a build reads a quarter of a
        # million rows through get().
        slot = self._slots.get(key)
        if slot is None:
            return default
        start = slot * WIDTH
        row = self._values[start : start + WIDTH].tolist()
        if row[4] == NONE:
            row[4] = None
        if row[5] == NONE:
            row[5] = None
        return row

    def __contains__(self, key: object) -> bool:
        return key in self._slots

    def __iter__(self) -> Iterator[str]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)


def latency_of(rows: Mapping[str, list], keys: Sequence[str]) -> tuple[int | None, int | None]:
    """(the mean of the `keys`' daily mean ms, the worst of their p95 ms) in one day's
    rows, None where none has one: read in place from DayRows (a build asks it of 90 days
    of every node), from the rows' lists otherwise."""
    if type(rows) is DayRows:
        return _compact_latency(rows._slots, rows._values, keys)
    total = count = 0
    worst = None
    for key in keys:
        row = rows.get(key)
        if not row:
            continue
        mean, p95 = row[4], row[5]
        if mean is not None:
            total += mean
            count += 1
        if p95 is not None and (worst is None or p95 > worst):
            worst = p95
    return (round(total / count) if count else None), worst


def _compact_latency(
    slots: Mapping[str, int], values: array, keys: Sequence[str]
) -> tuple[int | None, int | None]:
    """`latency_of` read in place from a DayRows' slots and values."""
    total = count = 0
    worst = None
    for key in keys:
        slot = slots.get(key)
        if slot is None:
            continue
        mean, p95 = values[slot * WIDTH + 4], values[slot * WIDTH + 5]
        if mean != NONE:
            total += mean
            count += 1
        if p95 != NONE and (worst is None or p95 > worst):
            worst = p95
    return (round(total / count) if count else None), worst


def rows_and_latency(
    days: Sequence[tuple[date, Mapping[str, list]]], key: str, keys: Sequence[str]
) -> tuple[list[tuple[date, list | None]], list[tuple[date, int | None, int | None]]]:
    """For each (day, that day's rows) of `days`: (day, the row of `key` or None) and
    (day, *`latency_of`(rows, `keys`)), in one walk (a full build asks it of 90 days of
    every node)."""
    found: list[tuple[date, list | None]] = []
    latency: list[tuple[date, int | None, int | None]] = []
    for day, rows in days:
        found.append((day, rows.get(key)))
        latency.append((day, *latency_of(rows, keys)))
    return found, latency


class Compactor:
    """Turns decoded sealed-day aggregates into DayRows, sharing one key table between
    consecutive days with the same keys (the usual case: keys are written sorted)."""

    def __init__(self) -> None:
        self._keys: tuple[str, ...] = ()
        self._slots: dict[str, int] = {}

    def __call__(self, rows: dict[str, list]) -> Mapping[str, list]:
        """`rows` as DayRows, or as they are when a value is not a whole number that
        fits (a hand-made day: such a day keeps its decoded form)."""
        try:
            values = array("i", [NONE if v is None else v for row in rows.values() for v in row])
        except (TypeError, OverflowError):
            return rows
        keys = tuple(rows)
        if keys != self._keys:
            self._keys, self._slots = keys, {key: slot for slot, key in enumerate(keys)}
        return DayRows(self._slots, values)
