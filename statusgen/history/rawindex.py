"""The recent raw files decoded once: their lines kept between builds, folded, so a
build decodes only the lines appended since the one before.

A build reads the raw passes of the last 24 hours (two day files, 11 MB a day at 1,000
nodes) and turns them into one series per key. Raw files are append-only, so a
`FileIndex` holds the lines of one file up to a byte offset (`end`) as they are folded
(`statusgen.history.rowblocks`: runs of lines with the same keys, a byte per status
letter and a latency per replica, line after line), with each line's byte offset. The
next build checks that the file is still the one indexed (same device and inode, and
its first `end` bytes hash as they did: reading and hashing 11 MB costs about 20 ms,
decoding them about a second), decodes only what follows, and deals the runs it draws
out to the view's per-key columns. A file that shrank, was replaced or packed, or an
index written by other code (this package's files or the history schema changed), is
decoded afresh; a file holding a latency past 64 bits is not indexed.

Reading stays exact: the lines after `end` go through the store's own checks (a bad line
is copied to `corrupt/` once, with the store's warning, numbered as a full read numbers
it), an unfinished last line is left for later (and quarantined when old, as a full read
does), and the lines a full read passes over unread (before the window, on a sealed day)
are passed over here too. Only the simple history takes this path: one plain file of the
`main` writer per day, in time order; anything else (locations' files, packed days, lines
out of order) is read the ordinary way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from statusgen.files import read_entry, seal, stat_digest, write_atomic
from statusgen.history import packed
from statusgen.history.columns import Columns
from statusgen.history.lines import loads
from statusgen.history.locations import MAIN
from statusgen.history.meta import SCHEMA
from statusgen.history.rawfiles import PARTIAL_AGE
from statusgen.history.rowblocks import Folder, Run, Unfit, deal, extend
from statusgen.history.rowcache import SealedRows
from statusgen.history.store import Store

FORMAT = 2


@lru_cache(maxsize=1)
def code_digest() -> str:
    """This package's code (names, sizes, mtimes), the schema and the machine's array
    layout: an index written by other code is not trusted."""
    root = Path(__file__).parent
    layout = f"{sys.byteorder}{array('I').itemsize}{array('i').itemsize}{array('q').itemsize}"
    return stat_digest(sorted(root.glob("*.py")), str(FORMAT), SCHEMA, layout, root=root)


class OutOfOrder(Exception):
    """A line older than the one before it: the file is read the ordinary way."""


@dataclass
class FileIndex:
    """The decoded lines of one raw file up to byte `end`: their `times`, where each
    starts (`starts`) and their entries in runs of lines with the same keys (`runs`);
    `number` lines (good or not) were read; lines before the time `floor` were passed
    over unread; `check` is the SHA-1 of the first `end` bytes."""

    day: str
    ident: tuple[int, int]
    end: int = 0
    number: int = 0
    floor: str = ""
    check: str = ""
    starts: list[int] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    dirty: bool = False
    _folder: Folder | None = None

    @property
    def folder(self) -> Folder:
        """Where lines read after `end` are folded (`absorb` adds them to the runs)."""
        if self._folder is None:
            self._folder = Folder(self.times)
        return self._folder

    def add(self, start: int, line: dict) -> None:
        """Append a good pass line (starting at byte `start`). Raises OutOfOrder, Unfit."""
        if self.times and line["t"] < self.times[-1]:
            raise OutOfOrder(line["t"])
        self.folder.add(line, checked=True)
        self.starts.append(start)
        self.dirty = True

    def take(self, start: int, raw: bytes) -> bool:
        """Append the raw line `raw` (starting at byte `start`) when `Columns.take` takes
        it. Raises OutOfOrder."""
        times = self.times
        if not self.folder.take(raw, self.day):
            return False
        if len(times) > 1 and times[-1] < times[-2]:
            raise OutOfOrder(times[-1])
        self.starts.append(start)
        self.dirty = True
        return True

    def absorb(self) -> None:
        """Add the lines folded since the last call to the runs. Raises OverflowError
        for a latency past 64 bits."""
        if self._folder is not None:
            extend(self.runs, self._folder.runs())

    def dumps(self) -> bytes:
        """A JSON header line, then each run's letters and latencies (native arrays)."""
        header = {
            "format": code_digest(),
            "day": self.day,
            "ident": list(self.ident),
            "end": self.end,
            "number": self.number,
            "floor": self.floor,
            "check": self.check,
            "times": self.times,
            "starts": self.starts,
            "runs": [run.header() for run in self.runs],
        }
        blobs = [part for run in self.runs for part in (run.codes, run.ms.tobytes())]
        return json.dumps(header, separators=(",", ":")).encode() + b"\n" + b"".join(blobs)

    @classmethod
    def loads(cls, data: bytes) -> FileIndex | None:
        """The index `dumps` wrote, or None (another format, damaged)."""
        head, _, blob = data.partition(b"\n")
        view = memoryview(blob)
        try:
            found = loads(head)
            if found["format"] != code_digest():
                return None
            index = cls(found["day"], tuple(found["ident"]), found["end"], found["number"])
            index.floor, index.check, index.starts = found["floor"], found["check"], found["starts"]
            index.times = found["times"]
            offset = 0
            for header in found["runs"]:
                run, offset = Run.from_header(header, view, offset)
                index.runs.append(run)
            if offset != len(blob) or len(index.starts) != len(index.times):
                return None
            if sum(run.count for run in index.runs) != len(index.times):
                return None
        except (ValueError, KeyError, TypeError, IndexError):
            return None
        return index


Part = tuple[Path, FileIndex, int, int]


class RawCache:
    """The FileIndexes of a build cache folder (`<state>/build-cache/raw/<day>.idx`).
    With `read` False, nothing is taken from it, but what is decoded is kept."""

    def __init__(self, folder: Path, read: bool = True) -> None:
        self.folder = folder
        self.read = read
        self.used: dict[str, FileIndex] = {}
        # day -> `identity` of the stored index this build found its file still holds
        self.proven: dict[str, str] = {}
        self.served: list[str] | None = None  # the days `columns` gave, all from indexes
        self.decoded = 0  # lines read by this build (the appended ones, when cached)
        # the sealed days' rows, beside (`<state>/build-cache/sealed/`)
        self.sealed = SealedRows(folder.parent / "sealed", code_digest(), read)

    def sealed_rows(self, store: Store, day: str) -> Mapping[str, list] | None:
        """`store.sealed_rows(day)`, decoded by an earlier build when it could be."""
        return self.sealed.rows(store, day)

    def finish(self) -> None:
        """Keep what this build decoded (call once the build has drawn its days)."""
        self.save()
        self.sealed.save()

    def columns(
        self, store: Store, days: list[str], since: dict[str, str], ceiling: str
    ) -> Columns | None:
        """The loaded `days` as a view holds them: every line up to the ISO time
        `ceiling`, from `since[day]` on for the sealed days cut by the window, from the
        indexes after decoding what was appended; None when the history is not the
        simple one (see the module): then read it the ordinary way."""
        parts: list[Part] = []
        for day in days:
            sources = list(store.day_sources(day))
            if len(sources) != 1:
                return None
            path, limit = sources[0]
            if path.parent.name != MAIN or packed.is_packed(path):
                return None
            floor = since.get(day, "")
            try:
                index = self._current(store, path, day, floor)
            except (OutOfOrder, Unfit, OverflowError):
                return None
            if index is None:
                return None
            times = index.times
            lo = bisect_left(times, floor) if floor else 0
            part = (path, index, lo, bisect_right(times, ceiling))
            _warn_late(store, part, limit)
            parts.append(part)
        self.save()
        joined = _joined(parts)
        self.served = list(days)
        return joined

    def _current(self, store: Store, path: Path, day: str, floor: str) -> FileIndex | None:
        try:
            with open(path, "rb") as handle:
                found = os.fstat(handle.fileno())
                data = memoryview(handle.read())
        except OSError:
            return None
        ident = (found.st_dev, found.st_ino)
        index = self._stored(day) if self.read else None
        digest = hashlib.sha1(usedforsecurity=False)
        if index is not None:
            digest.update(data[: index.end])
        if (
            index is None
            or index.ident != ident
            or index.day != day
            or len(data) < index.end
            or index.floor > floor
            or digest.hexdigest() != index.check
        ):
            index = FileIndex(day, ident, floor=floor, dirty=True)
            digest = hashlib.sha1(usedforsecurity=False)
        else:
            self.proven[day] = identity(index)
        before = index.end
        self.decoded += _advance(store, path, index, data[before:], found.st_mtime, floor)
        index.absorb()
        digest.update(data[before : index.end])
        index.check = digest.hexdigest()
        self.used[day] = index
        return index

    def identity(self, day: str) -> str | None:
        """The `identity` of day `day`'s index as this build leaves it (what the next
        build finds in `proven` when the file still holds those lines), if it has one."""
        index = self.used.get(day)
        return None if index is None else identity(index)

    def _stored(self, day: str) -> FileIndex | None:
        data = read_entry(self.folder / f"{day}.idx")
        return None if data is None else FileIndex.loads(data)  # None: torn by a crash

    def save(self) -> None:
        """Write the indexes that changed and remove those no longer used; a cache that
        cannot be written only costs the next build time."""
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            for day, index in self.used.items():
                if index.dirty:
                    entry = seal(index.dumps())
                    write_atomic(self.folder / f"{day}.idx", entry, mode=0o600, sync=False)
                    index.dirty = False
            for entry in os.scandir(self.folder):
                if entry.name.endswith(".idx") and entry.name[:-4] not in self.used:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def identity(index: FileIndex) -> str:
    """What names the lines an index holds: its file (device, inode), how many bytes
    of it were read and their hash. Equal identities: the same lines, decoded alike."""
    return f"{code_digest()}:{index.ident[0]}:{index.ident[1]}:{index.end}:{index.check}"


def _advance(
    store: Store, path: Path, index: FileIndex, data: memoryview, modified: float, floor: str
) -> int:
    """Decode the whole lines of `data` (the file after `index.end`) into the index, as
    `Store._read_file` reads a file; how many lines were read."""
    text = data.tobytes()
    end = text.rfind(b"\n") + 1
    offset, number, since = index.end, index.number, floor.encode()
    pieces = text[:end].split(b"\n")[:-1]
    for raw in pieces:
        start, offset, number = offset, offset + len(raw) + 1, number + 1
        if not raw.strip():
            continue
        if since and packed.time_of(raw) < since:
            index.floor = max(index.floor, floor)  # passed over unread, as a full read does
            continue
        if index.take(start, raw):
            continue
        line = store._parse(path, number, raw, index.day)
        if line is not None:
            index.add(start, line)
    tail = text[end:]
    if tail.strip() and time.time() - modified > PARTIAL_AGE:
        store.corrupt.keep(path, number + 1, tail, "an unfinished last line (a killed writer?)")
    if end:
        index.end, index.number, index.dirty = index.end + end, number, True
    return len(pieces)


def _warn_late(store: Store, part: Part, limit: int | None) -> None:
    """The warning a full read gives for lines written after their day was sealed."""
    path, index, lo, hi = part
    late = 0 if limit is None else sum(1 for start in index.starts[lo:hi] if start >= limit)
    if late:
        store._warn(
            f"{path}: {late} line(s) written after {index.day} was sealed: in the raw "
            f"samples, not in that day's aggregates",
            quiet=True,
        )


def _joined(parts: list[Part]) -> Columns:
    """The lines `lo` to `hi` of each part, one after the other, as one Columns (the
    newest line decoded whole, as `Columns.last`)."""
    out = Columns()
    for _, index, lo, hi in parts:
        out.times.extend(index.times[lo:hi])
    deal(out, [(index.runs, lo, hi) for _, index, lo, hi in parts])
    out.last = _newest(parts)
    return out


def _newest(parts: list[Part]) -> dict | None:
    """The newest loaded line, decoded (the last of equal times, as `Columns` keeps)."""
    for path, index, lo, hi in reversed(parts):
        if lo < hi:
            start = index.starts[hi - 1]
            with open(path, "rb") as handle:
                handle.seek(start)
                data = handle.read(index.end - start)
            return json.loads(data[: data.index(b"\n")])
    return None
