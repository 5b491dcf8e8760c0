"""Reading the history back for the site, the API and notifications.

Keys are those of the pass lines: a replica `svc/node/replica`, a node `svc/node`, a
service `svc`, the page `""`. Uptime counts healthy and sick checks as up and dead as
down; windows of whole days combine raw samples (recent days) with daily aggregates
(older days). Checks inside `exclude` windows (maintenance) are left out of the maths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from statusgen.clock import iso, parse_iso
from statusgen.history.store import Store, aggregate_day
from statusgen.status import Status

Window = tuple[datetime, datetime]


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


def entry_of(line: dict, key: str) -> tuple[str, int | None, str] | None:
    """(status code, latency ms, reason) of `key` in one pass line, or None."""
    if key == "":
        return (line["p"], None, "") if "p" in line else None
    if key.count("/") >= 2:
        entry = line.get("r", {}).get(key)
        if entry is None:
            return None
        return entry[0], entry[1], entry[2] if len(entry) > 2 else ""
    code = line.get("n" if "/" in key else "s", {}).get(key)
    return None if code is None else (code, None, "")


def _in_any(at: str, windows: Sequence[tuple[str, str]]) -> bool:
    return any(start <= at < end for start, end in windows)


class HistoryView:
    """An in-memory read of one history folder, computed once per build."""

    def __init__(self, passes: list[dict], daily: dict[str, dict[str, list]]) -> None:
        self.passes = sorted(passes, key=lambda line: line["t"])
        self._by_day: dict[str, list[dict]] = {}
        for line in self.passes:
            self._by_day.setdefault(line["t"][:10], []).append(line)
        self.days = dict(daily)
        for day, lines in self._by_day.items():
            self.days[day] = aggregate_day(lines)

    @classmethod
    def load(cls, store: Store) -> HistoryView:
        return cls(store.passes(), store.daily())

    @property
    def last_pass_at(self) -> datetime | None:
        return parse_iso(self.passes[-1]["t"]) if self.passes else None

    def latest(self, key: str) -> Sample | None:
        """The most recent sample of `key`."""
        for line in reversed(self.passes):
            found = entry_of(line, key)
            if found is not None:
                return Sample(parse_iso(line["t"]), Status.from_code(found[0]), found[1], found[2])
        return None

    def samples(self, key: str, since: datetime) -> list[Sample]:
        """Raw samples of `key` from `since` on, oldest first."""
        floor = iso(since.replace(microsecond=0))
        out = []
        for line in self.passes:
            if line["t"] < floor:
                continue
            found = entry_of(line, key)
            if found is not None:
                out.append(
                    Sample(parse_iso(line["t"]), Status.from_code(found[0]), found[1], found[2])
                )
        return out

    def uptime(
        self, key: str, now: datetime, days: float, exclude: Iterable[Window] = ()
    ) -> float | None:
        """Share of up checks (0..1) over the last `days`, None without data. Windows under
        one day use raw samples; longer ones use whole days up to today."""
        windows = _iso_windows(exclude)
        if days <= 1:
            samples = [
                s
                for s in self.samples(key, now - timedelta(days=days))
                if not _in_any(iso(s.at), windows)
            ]
            return _ratio(len(samples), sum(s.status is Status.DEAD for s in samples))
        checks = dead = 0
        for day in _last_days(now, int(days)):
            row = self._day_counts(key, day, windows)
            if row:
                checks += row[0]
                dead += row[3]
        return _ratio(checks, dead)

    def daily_bars(
        self, key: str, now: datetime, days: int = 90, exclude: Iterable[Window] = ()
    ) -> list[DayBar]:
        """One bar per day, oldest first, ending today."""
        windows = _iso_windows(exclude)
        bars = []
        for day in _last_days(now, days):
            row = self._day_counts(key, day, windows)
            if not row or not row[0]:
                bars.append(DayBar(day, None, None, 0))
                continue
            checks, _, sick, dead = row[:4]
            worst = Status.DEAD if dead else Status.SICK if sick else Status.HEALTHY
            bars.append(DayBar(day, worst, _ratio(checks, dead), checks))
        return bars

    def latency_series(
        self, key: str, now: datetime, hours: float = 24
    ) -> list[tuple[datetime, int]]:
        """(time, ms) of every answered check in the last `hours`."""
        return [
            (s.at, s.latency_ms)
            for s in self.samples(key, now - timedelta(hours=hours))
            if s.latency_ms is not None
        ]

    def _day_counts(self, key: str, day: date, windows: Sequence[tuple[str, str]]) -> list | None:
        name = day.isoformat()
        if windows and name in self._by_day:
            lines = [line for line in self._by_day[name] if not _in_any(line["t"], windows)]
            return aggregate_day(lines).get(key)
        return self.days.get(name, {}).get(key)


def _ratio(checks: int, dead: int) -> float | None:
    return None if checks == 0 else (checks - dead) / checks


def _last_days(now: datetime, days: int) -> list[date]:
    today = now.date()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _iso_windows(windows: Iterable[Window]) -> list[tuple[str, str]]:
    return [(iso(a.replace(microsecond=0)), iso(b.replace(microsecond=0))) for a, b in windows]
