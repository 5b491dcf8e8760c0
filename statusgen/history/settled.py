"""The settled days of a build's calendar: the days before today whose rows, bars and
status changes a later build reads from the same files, so a build cache may keep what
was computed from them (`statusgen.site.seriescache`).

A day of the calendar is settled when it is before today and the view does not compute
it from the raw passes it loaded (today, and yesterday until it is sealed, are computed
from them on every build). What a view reads of a settled day comes from its sealed file
(`days/<day>.json`: the rows and the changes) and, where a maintenance window cuts the
day or for the changes of a day without a sealed file, from its raw files. Sealed files
are written once and replaced whole; raw files of a past day only grow (late lines).
So the identity of a settled day is that of each of those files (device, inode, size and
modification time, or its absence), and the settled days are the calendar's first days
up to the first that is not settled, so that the days after them are computed apart.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from statusgen.history.query import HistoryView


def settled_days(view: HistoryView, today: date, days: int) -> tuple[list[date], str]:
    """The settled days among the `days` calendar days ending `today` (the first ones,
    oldest first) and a digest of the files they are read from; ([], "") for a view not
    read from a store."""
    store = view._older.store
    if store is None:
        return [], ""
    live = view._loaded_days - view._older.partial
    raw = set(view._older.raw)
    found: list[date] = []
    digest = hashlib.sha256()
    for day, name, _ in view._calendar(today, days):
        if day >= today or name in live:
            break
        found.append(day)
        digest.update(f"{name}\0{_ident(store.days_dir / f'{name}.json')}\0".encode())
        for path in store.raw_files(name) if name in raw else ():
            digest.update(f"{path.parent.name}/{path.name}\0{_ident(path)}\0".encode())
    return found, digest.hexdigest()


def _ident(path: Path) -> tuple[int, int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns
