"""Raw day files, plain or packed: names, reading (whole, or a few lines from the end),
appending and packing.

A raw file is plain (`<date>.jsonl`) while it is written and while builds read it (the
last 24 hours); once its day is sealed and older than yesterday, the seal step packs it
to `<date>.jsonl.gz` (same bytes, gzip), because raw days are kept `retention_days` for
people and rare questions, not for every build. A year of history then fits the working
tree budget (docs/history.md). Nothing appends to a packed file: a writer later than
that starts a plain file beside it, and readers read both.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import os
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from statusgen.history.lines import _TIME, decode_pass

PLAIN = ".jsonl"
PACKED = ".jsonl.gz"


def day_of(path: Path) -> str:
    """The day a raw file holds (`2026-11-23` for `2026-11-23.jsonl` and `.jsonl.gz`)."""
    name = path.name
    return name[: -len(PACKED)] if name.endswith(PACKED) else name[: -len(PLAIN)]


def is_packed(path: Path) -> bool:
    return path.name.endswith(PACKED)


def read_raw_bytes(path: Path) -> tuple[bytes, float, str]:
    """(the bytes, modification time, problem) of a raw file, plain or packed; a packed
    file that is cut short or damaged gives what decompressed before the damage and the
    problem. Raises FileNotFoundError."""
    with open(path, "rb") as handle:
        data = handle.read()
        modified = os.fstat(handle.fileno()).st_mtime
    if not is_packed(path):
        return data, modified, ""
    inflate = zlib.decompressobj(wbits=31)  # gzip framing
    try:
        out = inflate.decompress(data)
    except zlib.error as error:
        return b"", 0.0, f"not a readable gzip file ({error})"
    if not inflate.eof:
        return out, 0.0, "a gzip file cut short"
    # Every whole line of a packed file is old: its unfinished last line is never a
    # write under way, so the modification time given makes readers treat it as stale.
    return out, 0.0, ""


def pack(path: Path, write: Callable[[Path, bytes], None]) -> Path | None:
    """Pack the plain raw file `path` into `<date>.jsonl.gz` beside it with `write` (an
    atomic writer that refuses to replace a file), then remove the plain file; None when
    a packed file is already there (the plain one then holds late lines and stays).

    Holds the file's `flock` throughout, as appenders do for their one write, and an
    appender that finds its file gone after taking the lock opens a new one: no line
    lands in the removed file. Deterministic bytes (no name or time in the gzip header),
    so two machines packing the same day agree."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0)
        target = path.with_name(day_of(path) + PACKED)
        try:
            write(target, gzip.compress(data, compresslevel=9, mtime=0))
        except FileExistsError:
            return None
        path.unlink()
        return target
    finally:
        os.close(fd)


def open_for_append(path: Path, mode: int = 0o644) -> int:
    """A descriptor open for appending to `path`, holding its `flock`, and still the file
    at `path` (not one that `pack` removed while this writer waited for the lock)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, mode)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def time_of(raw: bytes) -> bytes:
    """The time of a line as statusgen writes it (keys sorted: "t" comes last), read
    without parsing the line; b"~" (after every time) when it is not there."""
    at = raw[-27:-2]
    if at.startswith(b'"t":"') and _TIME.match(at[5:].decode("ascii", "replace")):
        return at[5:]
    return b"~"


def tail(path: Path, count: int, day: str, until: str = "9999", block: int = 1 << 16) -> list[dict]:
    """Up to `count` good whole lines at or before the ISO time `until` from the end of
    `path`."""
    try:
        if is_packed(path):  # old and small: read whole
            data, start = read_raw_bytes(path)[0], 0
        else:
            data, start = _tail_bytes(path, count, block)
    except OSError:  # missing, or not a file: a full read names it
        return []
    pieces = data[: data.rfind(b"\n") + 1].split(b"\n")[:-1]
    if start > 0:
        pieces = pieces[1:]  # may be cut: the line before it starts before `start`
    out: list[dict] = []
    for raw in reversed(pieces):
        if len(out) >= count:
            break
        line = decode_pass(raw, day)[0]
        if line is not None and line["t"] <= until:
            out.append(line)
    return out[::-1]


def _tail_bytes(path: Path, count: int, block: int) -> tuple[bytes, int]:
    """The end of a plain file holding more than `count` lines, and where it starts."""
    with open(path, "rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        data, start = b"", end
        while start > 0 and data.count(b"\n") <= count:
            start = max(0, start - block)
            handle.seek(start)
            data = handle.read(end - start)
    return data, start


def is_day(name: str) -> bool:
    with contextlib.suppress(ValueError):
        return date.fromisoformat(name).isoformat() == name
    return False
