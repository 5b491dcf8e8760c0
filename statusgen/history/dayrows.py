"""The day-row maths of the history's reading side: samples and day bars, uptime shares,
a day's counts from raw entries ([checks, healthy, sick, dead, mean ms, p95 ms], as
`statusgen.history.days.aggregate_day` computes them), and the ISO day and window
helpers `statusgen.history.query.HistoryView` uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from statusgen.clock import iso, parse_iso
from statusgen.status import Status

Window = tuple[datetime, datetime]
# Every key of a pass shares its time: parse each pass time once, not once per key.
parse_time = lru_cache(maxsize=65536)(parse_iso)


@dataclass(frozen=True, slots=True)
class Sample:
    at: datetime
    status: Status
    latency_ms: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DayBar:
    """One cell of the 90-day bar. `status` is the worst of the day, None with no data."""

    day: date
    status: Status | None
    uptime: float | None
    checks: int


def in_any(at: str, windows: Sequence[tuple[str, str]]) -> bool:
    return any(start <= at < end for start, end in windows)


def uptime_of(rows: Iterable[tuple[date, list | None]]) -> float | None:
    """Share of up checks over day rows (see `HistoryView.day_rows`); None without data."""
    checks = dead = 0
    for _, row in rows:
        if row:
            checks += row[0]
            dead += row[3]
    return up_share(checks, dead)


def bar_of(day: date, row: list | None) -> DayBar:
    """The bar cell of one day row: the worst status of the day and its uptime."""
    return DayBar(day, *day_summary(row))


def day_summary(row: list | None) -> tuple[Status | None, float | None, int]:
    """(worst status, uptime, checks) of one day row; (None, None, 0) without checks."""
    if not row or not row[0]:
        return None, None, 0
    checks, _, sick, dead = row[:4]
    worst = Status.DEAD if dead else Status.SICK if sick else Status.HEALTHY
    return worst, up_share(checks, dead), checks


def counts_of(entries: list[tuple[str, int | None, str]]) -> list:
    """[checks, healthy, sick, dead, mean ms, p95 ms] as aggregate_day computes them."""
    row: list = [len(entries), 0, 0, 0]
    for code, _, _ in entries:
        row[{"h": 1, "s": 2, "d": 3}.get(code, 3)] += 1
    values = sorted(latency for _, latency, _ in entries if latency is not None)
    mean = round(sum(values) / len(values)) if values else None
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))] if values else None
    return [*row, mean, p95]


def up_share(checks: int, dead: int) -> float | None:
    """Share of up checks (0..1) among `checks` with `dead` down; None without checks."""
    return None if checks == 0 else (checks - dead) / checks


def last_days(today: date, days: int) -> list[date]:
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def next_day(name: str) -> str:
    return (date.fromisoformat(name) + timedelta(days=1)).isoformat()


def iso_windows(windows: Iterable[Window]) -> list[tuple[str, str]]:
    return [(iso(a.replace(microsecond=0)), iso(b.replace(microsecond=0))) for a, b in windows]
