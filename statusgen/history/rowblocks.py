"""A raw file's decoded lines held as they are folded: in runs of lines with the same
keys (`columns.Block`), row by row, for the build cache (`statusgen.history.rawindex`).

A day's file is, as a rule, one run: every line of a writer names the same replicas,
nodes and services. Kept row by row (a status letter per key and a latency per replica,
line after line), a run is stored and loaded as two blobs, a line appended is a row
added at its end, and the lines a build draws from several files are joined into the
view's per-key columns (`columns.Columns`) in one deal: runs of the same keys are put
end to end first, so each key's column is made once, with strided slices.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from statusgen.history.columns import Block, Columns


class Unfit(Exception):
    """A line that does not fit a run (never a good line): read the file the ordinary
    way."""


@dataclass
class Run:
    """Lines `first` to `first + count` of a file (positions among its lines), all with
    `keys` (replica keys, node keys, service keys, has "p"): `codes` holds `width`
    status letters a line, `ms` a latency per replica key a line (`NO_MS` for none),
    `reasons` (row, replica key index, reason) the few entries with one."""

    keys: tuple
    first: int
    count: int
    codes: bytes
    ms: array
    reasons: list[tuple[int, int, object]] = field(default_factory=list)

    @property
    def width(self) -> int:
        replicas, nodes, services, page = self.keys
        return len(replicas) + len(nodes) + len(services) + page

    def header(self) -> list:
        replicas, nodes, services, page = self.keys
        reasons = [list(reason) for reason in self.reasons]
        return [list(replicas), list(nodes), list(services), page, self.first, self.count, reasons]

    @classmethod
    def from_header(cls, found: list, blob: memoryview, offset: int) -> tuple[Run, int]:
        """The run a `header` describes, its rows read from `blob` at `offset`; and the
        offset after them. Raises ValueError when the blob is short."""
        replicas, nodes, services, page, first, count, reasons = found
        keys = (tuple(replicas), tuple(nodes), tuple(services), bool(page))
        run = cls(keys, first, count, b"", array("q"), [tuple(r) for r in reasons])
        size = count * run.width
        run.codes = bytes(blob[offset : offset + size])
        offset += size
        ms = blob[offset : offset + 8 * count * len(replicas)]
        run.ms.frombytes(ms)
        if len(run.codes) != size or len(ms) != 8 * count * len(replicas):
            raise ValueError("a run cut short")
        return run, offset + len(ms)


class Folder(Columns):
    """Columns that keep the lines folded into them as Blocks, never dealt out to keys
    (`runs` takes them); a line that does not fit one raises Unfit."""

    def __init__(self, times: list[str]) -> None:
        super().__init__()
        self.times = times  # the file's lines before: positions go on from them
        self.kept: list[Block] = []

    def flush(self) -> None:
        block, self._block = self._block, None
        if block is not None and block.at:
            self.kept.append(block)

    def _add_entries(self, index: int, line: dict) -> None:
        raise Unfit(line.get("t"))

    def runs(self) -> list[Run]:
        """The lines folded so far as Runs. Raises OverflowError for a latency past 64
        bits (the ordinary read keeps such a key's latencies as Python ints)."""
        self.flush()
        kept, self.kept = self.kept, []
        return [
            Run(
                block.keys,
                block.at[0],
                len(block.at),
                bytes(block.codes),
                array("q", block.ms),
                list(block.reasons),
            )
            for block in kept
        ]


def extend(runs: list[Run], more: list[Run]) -> None:
    """Append `more` (the runs of the lines after those of `runs`) to `runs`, a run of
    the same keys as the last one added to its end."""
    for run in more:
        last = runs[-1] if runs else None
        if last is None or last.keys != run.keys or last.first + last.count != run.first:
            runs.append(run)
            continue
        last.reasons += [(row + last.count, slot, text) for row, slot, text in run.reasons]
        last.codes += run.codes
        last.ms += run.ms
        last.count += run.count


def deal(out: Columns, pieces: list[tuple[list[Run], int, int]]) -> None:
    """Append to `out` (holding no Block) the lines `lo` to `hi` of each (runs, lo, hi)
    of `pieces`, one after the other; `out.times` must already hold their times."""
    position = len(out.times) - sum(hi - lo for _, lo, hi in pieces)
    joined: list[Run] = []
    for runs, lo, hi in pieces:
        for run in runs:
            a, b = max(lo, run.first) - run.first, min(hi, run.first + run.count) - run.first
            if a >= b:
                continue
            width, count = run.width, len(run.keys[0])
            reasons = [(row - a, slot, text) for row, slot, text in run.reasons if a <= row < b]
            piece = Run(
                run.keys,
                position,
                b - a,
                run.codes[a * width : b * width],
                run.ms[a * count : b * count],
                reasons,
            )
            extend(joined, [piece])
            position += b - a
    for run in joined:
        block = Block(run.keys)
        block.at = range(run.first, run.first + run.count)  # type: ignore[assignment]
        block.codes, block.ms = run.codes, run.ms  # type: ignore[assignment]
        block.reasons = run.reasons  # type: ignore[assignment]
        out._block = block
        out.flush()
