"""Reading one raw file: its good lines one at a time, bad ones copied to corrupt/ with
a warning, late ones (written after the day was sealed) counted. Part of `Store` (a
mixin, like `Sealing`); the format is in docs/history.md."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen.errors import os_reason
from statusgen.history import packed
from statusgen.history.lines import decode_pass

if TYPE_CHECKING:
    from statusgen.history.store import Store

    _Base = Store
else:
    _Base = object

# An unterminated last line younger than this may be a write under way: skip it
# quietly; older, it is what a killed writer left, and goes to corrupt/.
PARTIAL_AGE = 10.0


class RawFiles(_Base):
    """`Store.file_lines` and what it needs."""

    def day_sources(self, day: str) -> Iterator[tuple[Path, int | None]]:
        """Every raw file of `day`, with the offset past which its lines are late (None
        while the day is not sealed)."""
        sealed = self.sealed(day)
        files = self.raw_files(day)
        for path in files:
            limit = None
            if sealed is not None:
                limit = sealed.get("sources", {}).get(path.parent.name, {}).get("bytes", 0)
                if not packed.is_packed(path) and path.with_name(day + packed.PACKED) in files:
                    limit = 0  # a plain file beside a packed one holds late lines only
            yield path, limit

    def _read_file(self, path: Path, day: str) -> tuple[list[dict], int]:
        """Good lines of one raw file, and how many bytes of it were whole lines."""
        whole = [0]
        return list(self.file_lines(path, day, whole=whole)), whole[0]

    def file_lines(
        self,
        path: Path,
        day: str,
        late_after: int | None = None,
        since: bytes = b"",
        until: str = "",
        whole: list[int] | None = None,
        take: Callable[[bytes], bool] | None = None,
    ) -> Iterator[dict]:
        """The good lines of one raw file, one at a time (from the ISO time `since`, up
        to `until`), decoded as the caller takes them; `whole` gets how many bytes of the
        file were whole lines. With `take`, each line is first offered to it (its bytes):
        the lines it takes (folds in itself, having found them good) are counted but not
        yielded; the others are read as without it, in file order."""
        try:
            data, modified, problem = packed.read_raw_bytes(path)
        except FileNotFoundError:
            return
        except OSError as error:
            self._warn(f"{path}: cannot be read: {os_reason(error)}; skipped", quiet=True)
            return
        if problem:  # the whole file aside; the lines before the damage still count
            self.corrupt.keep(path, 0, path.read_bytes(), problem)
        end = data.rfind(b"\n") + 1
        if whole is not None:
            whole[0] = end
        ceiling, late, offset, number = until.encode(), 0, 0, 0
        while offset < end:  # no list of every line's bytes: a day is 16 MB at 1,000 nodes
            start, offset, number = offset, data.index(b"\n", offset) + 1, number + 1
            raw = data[start : offset - 1]
            if not raw.strip() or (since and packed.time_of(raw) < since):
                continue
            if ceiling and (at := packed.time_of(raw)) != b"~" and at > ceiling:
                continue
            if take is not None and take(raw):
                late += late_after is not None and start >= late_after
                continue
            line = self._parse(path, number, raw, day)
            if line is None or (since and line["t"].encode() < since):  # "t" not last
                continue
            if late_after is not None and start >= late_after:
                late += 1
            if not until or line["t"] <= until:
                yield line
        tail = data[end:]
        if tail.strip() and time.time() - modified > PARTIAL_AGE:
            number = data.count(b"\n") + 1
            self.corrupt.keep(path, number, tail, "an unfinished last line (a killed writer?)")
        if late:
            self._warn(
                f"{path}: {late} line(s) written after {day} was sealed: in the raw samples, "
                f"not in that day's aggregates",
                quiet=True,
            )

    def _parse(self, path: Path, number: int, raw: bytes, day: str) -> dict | None:
        line, problem = decode_pass(raw, day)
        if problem:
            self.corrupt.keep(path, number, raw, problem)
        return line
