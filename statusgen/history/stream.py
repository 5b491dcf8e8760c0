"""Raw passes one line at a time, for readers that fold each line into their own form
(`statusgen.history.columns`) and never hold a decoded day."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from statusgen.history.locations import MAIN

if TYPE_CHECKING:
    from statusgen.history.store import Store


def each_line(
    store: Store, days: Iterable[str], since: dict[str, str] | None = None
) -> Iterator[dict]:
    """The pass lines `store.read_days(days, since)` returns, in the same order. With the
    `main` writer's files only there is nothing to merge, and each line is decoded as
    the caller takes it; locations' lines are merged in rounds, which needs them all."""
    days = list(days)
    sources = [(day, path, limit) for day in days for path, limit in store.day_sources(day)]
    if any(path.parent.name != MAIN for _, path, _ in sources):
        yield from store.read_days(days, since)
        return
    for day, path, limit in sources:
        floor = (since or {}).get(day, "").encode()
        yield from store.file_lines(path, day, late_after=limit, since=floor)
