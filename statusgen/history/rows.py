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
    days: Sequence[tuple[date, Mapping[str, list]]] | Joined, key: str, keys: Sequence[str]
) -> tuple[list[tuple[date, list | None]], list[tuple[date, int | None, int | None]]]:
    """For each (day, that day's rows) of `days`: (day, the row of `key` or None) and
    (day, *`latency_of`(rows, `keys`)), in one walk (a full build asks it of 90 days of
    every node). From `Joined` days, a run of compact days is read column by column."""
    found: list[tuple[date, list | None]] = []
    latency: list[tuple[date, int | None, int | None]] = []
    for part, dates, slots, values in (
        days.runs if type(days) is Joined else [(days, [], None, None)]
    ):
        if slots is None or values is None:
            for day, rows in part:
                found.append((day, rows.get(key)))
                latency.append((day, *latency_of(rows, keys)))
            continue
        stride = len(slots) * WIDTH
        slot = slots.get(key)
        if slot is None:
            found.extend((day, None) for day in dates)
        else:
            at = slot * WIDTH
            columns = [values[at + i :: stride].tolist() for i in range(WIDTH)]
            columns[4], columns[5] = _nulls(columns[4]), _nulls(columns[5])
            found.extend(zip(dates, map(list, zip(*columns, strict=True)), strict=True))
        latency.extend(_run_latency(dates, slots, values, stride, keys))
    return found, latency


def _run_latency(
    dates: list[date], slots: Mapping[str, int], values: array, stride: int, keys: Sequence[str]
) -> Iterator[tuple[date, int | None, int | None]]:
    """`latency_of` of each day of a run of compact days, from the `keys`' columns."""
    at = [slots[key] * WIDTH for key in keys if key in slots]
    means = [values[a + 4 :: stride].tolist() for a in at]
    worst = [values[a + 5 :: stride].tolist() for a in at]
    if len(at) == 1:  # one replica: its own mean and p95 (round(m / 1) == m)
        return zip(dates, _nulls(means[0]), _nulls(worst[0]), strict=True)
    if not at:
        return ((day, None, None) for day in dates)
    high = _nulls(list(map(max, zip(*worst, strict=True))))  # NONE < 0: the worst known
    if all(NONE not in column for column in means):  # every replica has a mean every day
        count = len(at)
        mean = [round(total / count) for total in map(sum, zip(*means, strict=True))]
    else:
        mean = []
        for day_means in zip(*means, strict=True):
            known = [m for m in day_means if m != NONE]
            mean.append(round(sum(known) / len(known)) if known else None)
    return zip(dates, mean, high, strict=True)


def _nulls(values: list) -> list:
    """`values` with None for NONE."""
    return [None if v == NONE else v for v in values] if NONE in values else values


class Joined:
    """Days of `(day, rows)` as runs: each run of consecutive compact days that share
    one key table (every sealed day with the same keys, as a rule) with their arrays put
    end to end, so a key's row over the run is a strided slice of one array (a few C
    calls a node instead of a lookup and a slice a day); other days are runs of one."""

    __slots__ = ("runs",)

    def __init__(self, days: Sequence[tuple[date, Mapping[str, list]]]) -> None:
        self.runs: list[tuple[list, list[date], Mapping[str, int] | None, array | None]] = []
        i = 0
        while i < len(days):
            rows = days[i][1]
            j = i + 1
            if type(rows) is DayRows:
                while (
                    j < len(days)
                    and type(days[j][1]) is DayRows
                    and days[j][1]._slots is rows._slots  # type: ignore[attr-defined]
                ):
                    j += 1
            if j - i > 1:
                values = array("i")
                for _, more in days[i:j]:
                    values.extend(more._values)  # type: ignore[attr-defined]
                dates = [day for day, _ in days[i:j]]
                self.runs.append((list(days[i:j]), dates, rows._slots, values))  # type: ignore[attr-defined]
            else:
                self.runs.append((list(days[i:j]), [], None, None))
            i = j


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
