"""The parts of a loaded HistoryView read on demand: sealed days, and raw days older than
the loaded window."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from statusgen.history.store import Store


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


class Days:
    """Aggregates by ISO day: computed from loaded raw passes, else the sealed day,
    read from the store on first use."""

    def __init__(self, computed: dict[str, dict[str, list]], older: OlderDays) -> None:
        self._days = computed
        self._older = older

    def get(self, name: str, default: dict | None = None) -> dict | None:
        found = self._days.get(name)
        if found is None and name not in self._days:
            found = self._days[name] = self._older.aggregates(name)
        return default if found is None else found


class OlderDays:
    """What a loaded view reads from its store on demand: sealed days, and the raw lines
    before the loaded window (`start`): whole days before it (`before`), and the early
    lines of a sealed day it cuts (`partial`), each day read once."""

    def __init__(
        self,
        store: Store | None = None,
        ceiling: str = "9999",
        start: str = "",
        before: list[str] | None = None,
        raw: list[str] | None = None,
        partial: set[str] | None = None,
    ) -> None:
        self.store = store
        self.ceiling = ceiling
        self.start = start
        self.before = before or []
        self.raw = raw or []
        self.partial = partial or set()
        # where sealed days' rows come from when not the store itself (a build's cache)
        self.rows: Callable[[str], Mapping[str, list] | None] | None = None
        self._lines: dict[str, list[dict]] = {}

    def lines(self, day: str) -> list[dict]:
        """Every line of `day` up to the view's `until`, sorted by time."""
        if day not in self._lines:
            found = self.store.read_raw(day) if self.store else []
            found = [line for line in found if line["t"] <= self.ceiling]
            self._lines[day] = sorted(found, key=lambda line: line["t"])
        return self._lines[day]

    def lines_within(self, day: str, since: str, until: str) -> list[dict]:
        """The lines of `day` from `since` to `until` (ISO times), the others unparsed."""
        key = f"{day} {since} {until}"
        if key not in self._lines:
            found = self.store.read_raw(day, since, until) if self.store else []
            self._lines[key] = [line for line in found if line["t"] <= self.ceiling]
        return self._lines[key]

    def lines_before(self, day: str) -> list[dict]:
        """The lines of `day` that the view did not load."""
        return [line for line in self.lines(day) if line["t"] < self.start]

    def aggregates(self, day: str) -> Mapping[str, list] | None:
        if self.store is None or day > self.ceiling[:10]:
            return None
        return (self.rows or self.store.sealed_rows)(day)

    def changes(self, day: str, key: str) -> list[tuple[str, str]]:
        record = self.store.sealed(day) if self.store else None
        if record is None or "sources" not in record or not record.get("sources"):
            return [(line["t"], e[0]) for line in self.lines(day) if (e := entry_of(line, key))]
        return [(at, code) for at, code in record.get("changes", {}).get(key, ())]
