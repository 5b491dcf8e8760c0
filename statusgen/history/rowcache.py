"""Sealed days' aggregates decoded once: the compact rows (`statusgen.history.rows`) of
each sealed day a build draws, kept between builds in `<state>/build-cache/sealed/`.

A sealed day is written once and never again, yet a build decodes the 90 it draws (the
bars, uptimes and daily latency): about 0.5 s of JSON at 1,000 nodes, the same every
build. Kept as their rows (a JSON list of keys, then one array of ints), they load in
well under a millisecond each. A kept day is used while its file is the one it was read
from (same device, inode, size and modification time: a sealed file is only ever
replaced whole) and this package's code and the schema are the same (`rawindex.code_digest`);
a day that cannot be compacted (a hand-made value) or that is broken is read by the
store every time, as without the cache (a broken one is quarantined once).
"""

from __future__ import annotations

import contextlib
import json
import os
from array import array
from collections.abc import Mapping
from pathlib import Path

from statusgen.files import seal, unseal, write_atomic
from statusgen.history.lines import loads
from statusgen.history.rows import DayRows
from statusgen.history.store import Store


class SealedRows:
    """The kept rows of sealed days in `folder`, written by code of `digest`; with `read`
    False nothing is taken from it."""

    def __init__(self, folder: Path, digest: str, read: bool = True) -> None:
        self.folder = folder
        self.digest = digest
        self.read = read
        self.used: set[str] = set()
        self.new: dict[str, bytes] = {}
        self.hits = 0
        self._slots: dict[tuple[str, ...], dict[str, int]] = {}

    def rows(self, store: Store, day: str) -> Mapping[str, list] | None:
        """`store.sealed_rows(day)`, from the folder when it holds that very file's."""
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
            keys = list(rows._slots)
            head = json.dumps({"format": self.digest, "ident": ident, "keys": keys})
            self.new[day] = head.encode() + b"\n" + rows._values.tobytes()
        return rows

    def _kept(self, day: str, ident: list[int]) -> DayRows | None:
        try:
            data = unseal((self.folder / f"{day}.rows").read_bytes())
            if data is None:  # torn by a crash (written without fsync)
                return None
            head, _, blob = data.partition(b"\n")
            found = loads(head)
            if found["format"] != self.digest or found["ident"] != ident:
                return None
            keys = tuple(found["keys"])
            values = array("i")
            values.frombytes(blob)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if len(values) != 6 * len(keys):
            return None
        slots = self._slots.get(keys)
        if slots is None:  # days with the same keys share one table, as the store's do
            slots = self._slots[keys] = {key: slot for slot, key in enumerate(keys)}
        return DayRows(slots, values)

    def save(self) -> None:
        """Write the days read afresh and remove those this build did not draw (only
        when it drew some); a cache that cannot be written only costs time."""
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            for day, data in self.new.items():
                write_atomic(self.folder / f"{day}.rows", seal(data), mode=0o600, sync=False)
            self.new = {}
            if not self.used:
                return
            for entry in os.scandir(self.folder):
                if entry.name.endswith(".rows") and entry.name[:-5] not in self.used:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
