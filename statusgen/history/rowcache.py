"""Sealed days' aggregates decoded once: the compact rows (`statusgen.history.rows`) of
the sealed days a build draws, kept between builds in `<state>/build-cache/sealed/`.

A sealed day is written once and never again, yet a build decodes the 90 it draws (the
bars, uptimes and daily latency): about 0.5 s of JSON at 1,000 nodes, the same every
build. They are kept as their rows in one file, `rows.pack`: a JSON header (each
distinct key table once, then per day the identity of its file, its table and where its
values are), then the days' arrays of ints, so the 90 days load in a few milliseconds
(about 27 ms as a file a day, most of it decoding the same 2,500 keys 90 times). A kept
day is used while its file is the one it was read from (same device, inode, size and
modification time: a sealed file is only ever replaced whole) and this package's code
and the schema are the same (`rawindex.code_digest`); a day that cannot be compacted (a
hand-made value) or that is broken is read by the store every time, as without the
cache (a broken one is quarantined once). The pack is written again only when a build
reads a day afresh or stops drawing one.
"""

from __future__ import annotations

import contextlib
import json
import os
from array import array
from collections.abc import Mapping
from pathlib import Path

from statusgen.files import read_entry, seal, write_atomic
from statusgen.history.lines import loads
from statusgen.history.rows import WIDTH, DayRows
from statusgen.history.store import Store

PACK = "rows.pack"
Entry = tuple[list[int], tuple[str, ...], bytes]  # (file identity, keys, values' bytes)


class SealedRows:
    """The kept rows of sealed days in `folder`, written by code of `digest`; with `read`
    False nothing is taken from it."""

    def __init__(self, folder: Path, digest: str, read: bool = True) -> None:
        self.folder = folder
        self.digest = digest
        self.read = read
        self.used: set[str] = set()
        self.hits = 0
        self.changed = False
        self._pack: dict[str, tuple[list[int], int, int, int]] | None = None
        self._tables: list[dict[str, int]] = []
        self._blob = memoryview(b"")
        self._new: dict[str, Entry] = {}

    def rows(self, store: Store, day: str) -> Mapping[str, list] | None:
        """`store.sealed_rows(day)`, from the pack when it holds that very file's."""
        try:
            found = (store.days_dir / f"{day}.json").stat()
        except OSError:
            return store.sealed_rows(day)  # missing or unreadable: the store says so
        ident = [found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns]
        self.used.add(day)
        kept = self._kept(day, ident) if self.read else None
        if kept is not None:
            self.hits += 1
            return kept
        rows = store.sealed_rows(day)
        if isinstance(rows, DayRows):
            self._new[day] = (ident, tuple(rows._slots), rows._values.tobytes())
        self.changed = True
        return rows

    def _kept(self, day: str, ident: list[int]) -> DayRows | None:
        found = self._entries().get(day)
        if found is None or found[0] != ident:
            return None
        _, table, offset, size = found
        values = array("i")
        values.frombytes(self._blob[offset : offset + size])
        return DayRows(self._tables[table], values)

    def _entries(self) -> dict[str, tuple[list[int], int, int, int]]:
        """The pack's days (file identity, table, offset, size), read once; none when it
        is missing, torn by a crash (written without fsync) or from other code."""
        if self._pack is None:
            self._pack = {}
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError, IndexError):
                data = read_entry(self.folder / PACK)
                if data is None:
                    return self._pack
                head, _, blob = data.partition(b"\n")
                found = loads(head)
                if found["format"] != self.digest:
                    return self._pack
                # a key-to-slot table each, one for all the days that have those keys
                tables = [{key: slot for slot, key in enumerate(keys)} for keys in found["tables"]]
                days = {
                    day: (list(ident), int(table), int(offset), int(size))
                    for day, (ident, table, offset, size) in found["days"].items()
                }
                if any(
                    offset + size > len(blob) or size != 4 * WIDTH * len(tables[table])
                    for _, table, offset, size in days.values()
                ):
                    return self._pack
                self._tables, self._blob, self._pack = tables, memoryview(blob), days
        return self._pack

    def save(self) -> None:
        """Write the pack again when this build read a day afresh or no longer drew one
        (only when it drew some); a cache that cannot be written only costs time."""
        kept = self._entries() if self.read else {}
        if not self.used or not (self.changed or set(kept) - self.used):
            return
        entries: dict[str, Entry] = {
            day: (ident, tuple(self._tables[table]), bytes(self._blob[offset : offset + size]))
            for day, (ident, table, offset, size) in kept.items()
            if day in self.used and day not in self._new
        }
        entries.update(self._new)
        tables: dict[tuple[str, ...], int] = {}
        days, blobs, offset = {}, [], 0
        for day in sorted(entries):
            ident, keys, values = entries[day]
            table = tables.setdefault(keys, len(tables))
            days[day] = [ident, table, offset, len(values)]
            blobs.append(values)
            offset += len(values)
        head = json.dumps({"format": self.digest, "tables": list(tables), "days": days})
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            data = seal(head.encode() + b"\n" + b"".join(blobs))
            write_atomic(self.folder / PACK, data, mode=0o600, sync=False)
            for entry in os.scandir(self.folder):  # a file a day, as builds before kept them
                if entry.name.endswith(".rows"):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
        self._new, self._pack, self.changed = {}, None, False
