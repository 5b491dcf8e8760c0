"""Raw passes read into per-key columns (`statusgen.history.columns`) one line at a
time, never holding a decoded day."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from statusgen.history.columns import Columns
from statusgen.history.locations import MAIN

if TYPE_CHECKING:
    from statusgen.history.store import Store


def fold_lines(
    store: Store, days: Iterable[str], since: dict[str, str] | None = None, until: str = "9999"
) -> Columns:
    """`Columns` of the pass lines `store.read_days(days, since)` returns up to the ISO
    time `until`. With the `main` writer's files only there is nothing to merge: each
    line is folded in as it is read, and one that has the keys of the good line before it
    is decoded, checked and folded in one go (`Columns.take`). Locations' lines are
    merged in rounds, which needs them all."""
    days = list(days)
    sources = [(day, path, limit) for day in days for path, limit in store.day_sources(day)]
    if any(path.parent.name != MAIN for _, path, _ in sources):
        return Columns(line for line in store.read_days(days, since) if line["t"] <= until)
    columns = Columns()
    for day, path, limit in sources:
        floor = (since or {}).get(day, "")
        take = partial(columns.take, day=day, until=until, since=floor)
        # The lines `take` leaves come in file order: folded as they come, order holds.
        for line in store.file_lines(path, day, late_after=limit, since=floor.encode(), take=take):
            if line["t"] <= until:
                columns.add(line, checked=True)
    columns.settle()
    return columns
