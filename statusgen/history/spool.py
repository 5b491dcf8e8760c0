"""Appending whole lines, and the spool that keeps a pass the history could not take.

`append_lines` is the one way a raw history file grows: one `write` under an `flock`,
and when the file system refuses part of it (a full disk) the file is cut back to where
it was, so a failed append leaves nothing half-written.

A pass the history folder refuses (read-only, full, a folder where the day's file
belongs) is not lost: it waits in `<state folder>/history-spool/<writer>.jsonl`, and the
next pass that can write appends the spooled lines first (each at most once), then its
own. The spool holds pass lines exactly as the history would; only `statusgen.history`
writes or reads it. The same kind of spool keeps the passes `statusgen probe --location
ID --report-to URL` could not deliver (`<state folder>/report-spool/`, see
`statusgen.locations`), sent first by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from statusgen.history import packed
from statusgen.history.lines import pass_problem


def append_lines(path: Path, lines: list[bytes], mode: int = 0o644) -> None:
    """Append `lines` (each ending in a newline) to `path` with one write, whole or not
    at all; a killed writer's unterminated last line stays a line of its own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The flock is held for one write: a writer that sees no newline at the end knows a
    # killed writer left it, not another writer halfway through its line.
    fd = packed.open_for_append(path, mode)
    try:
        size = os.fstat(fd).st_size
        data = b"".join(lines)
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                if written == 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
        except OSError as error:
            os.ftruncate(fd, size)  # a full disk may take part of it: take that back
            raise OSError(error.errno, error.strerror, str(path)) from None
    finally:
        os.close(fd)


class Spool:
    """`<folder>/<writer>.jsonl`: pass lines waiting for the history."""

    def __init__(self, folder: Path, writer: str) -> None:
        self.folder = folder
        self.path = folder / f"{writer}.jsonl"

    def keep(self, line: bytes, limit: int | None = None) -> int:
        """Add `line` (ending in a newline) at the end; with `limit`, then drop the oldest
        lines beyond it. Returns how many were dropped."""
        append_lines(self.path, [line], mode=0o600)
        if limit is None:
            return 0
        with self._locked() as held:
            if not held:
                return 0
            lines = self.path.read_bytes().splitlines(keepends=True)
            if len(lines) <= limit:
                return 0
            _replace(self.path, b"".join(lines[-limit:]))
            return len(lines) - limit

    def lines(self, limit: int | None = None) -> list[bytes]:
        """The waiting lines (the first `limit` of them), oldest first."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        whole = data[: data.rfind(b"\n") + 1].splitlines()  # a torn last line is no line
        return [raw for raw in whole if raw.strip()][:limit]

    def forget(self, count: int) -> None:
        """Drop the `count` oldest lines (the file goes when none is left)."""
        if count <= 0:
            return
        with self._locked() as held:
            if not held:
                return
            lines = [x for x in self.path.read_bytes().splitlines(keepends=True) if x.strip()]
            if len(lines) <= count:
                self.path.unlink()
            else:
                _replace(self.path, b"".join(lines[count:]))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[bool]:
        """The spool's flock (False when there is no spool file)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            yield False
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield self.path.is_file()
        finally:
            os.close(fd)

    def drain(self, day_file: Callable[[str], Path]) -> int:
        """Append every spooled line to its day's file (`day_file(day)`), then empty the
        spool; returns how many lines were appended. Raises OSError (the spool kept) when
        the history refuses them. Only a kill between the append and the unlink could
        append a line twice: the choice is a duplicate line over a lost pass."""
        if not self.path.is_file():
            return 0
        # Passes are one at a time (the run lock): the flock only keeps two drains apart.
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return 0
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not self.path.is_file():
                return 0  # another drain emptied it
            data = self.path.read_bytes()
            by_day: dict[str, list[bytes]] = {}
            for raw in data.splitlines():
                day = _day_of(raw)
                if day:
                    by_day.setdefault(day, []).append(raw + b"\n")
            count = 0
            for day, lines in sorted(by_day.items()):
                append_lines(day_file(day), lines)
                count += len(lines)
                # Appended: off the spool at once, so a later day's failure cannot make
                # the next drain append this day's lines again.
                rest = b"".join(x for d, ls in by_day.items() if d > day for x in ls)
                if rest:
                    _replace(self.path, rest)
            self.path.unlink()
            return count
        finally:
            os.close(fd)


def _day_of(raw: bytes) -> str | None:
    try:
        line = json.loads(raw)
    except ValueError:
        return None
    return line["t"][:10] if pass_problem(line) is None else None


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
