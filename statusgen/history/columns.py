"""The raw passes a HistoryView loaded, held per key in compact columns.

A day of passes at 1,000 nodes decodes into about a million small Python objects
(100 MB and more); what a build asks of them is, per key, the times, status letters,
latencies and the rare reasons. Each line is folded into the columns as it is decoded
and then dropped, so a build holds a few bytes per sample instead of the decoded day:
per key, the positions of its samples among the view's pass times (`array`), one byte
per status letter (`bytearray`), the latencies (`array`, `NO_MS` for none) and the
reasons by position (only the few entries that have one).
"""

from __future__ import annotations

import contextlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from operator import itemgetter

from statusgen.history.dayrows import up_share as share_of
from statusgen.history.lines import quick_row
from statusgen.history.spans import NO_MS, day_row, passes_within

DEAD = ord("d")
_LETTER = {ord(code): code for code in "hsd"}


class Column:
    """One key's samples, oldest first."""

    __slots__ = ("at", "codes", "ms", "reasons")

    def __init__(self) -> None:
        self.at = array("I")  # positions in Columns.times
        self.codes = bytearray()  # status letters
        self.ms: array | list = array("q")  # latency ms, NO_MS for none
        self.reasons: dict[int, str] = {}  # position in this column -> reason

    def add(self, index: int, code: str, ms: int | None, reason: str = "") -> None:
        self.at.append(index)
        self.codes.append(ord(code))
        try:
            self.ms.append(NO_MS if ms is None else ms)
        except OverflowError:
            self.add_latencies([ms])
        if reason:
            self.reasons[len(self.at) - 1] = reason

    def add_latencies(self, values: list | array) -> None:
        """Append latencies (NO_MS for none); past 64 bits, this column's are kept as
        Python ints from then on (None for none)."""
        if type(self.ms) is not list:
            try:
                self.ms += values if type(values) is array else array("q", values)
                return
            except OverflowError:  # a latency past 64 bits
                self.ms = [None if v == NO_MS else v for v in self.ms]
        self.ms += [None if v == NO_MS else v for v in values]

    def code(self, j: int) -> str:
        value = self.codes[j]
        return _LETTER.get(value) or chr(value)

    def latency(self, j: int) -> int | None:
        value = self.ms[j]
        return None if value == NO_MS else value

    def entry(self, j: int) -> tuple[str, int | None, str]:
        """(status code, latency ms, reason) of sample `j`."""
        return self.code(j), self.latency(j), self.reasons.get(j, "")

    def changes(self, a: int, b: int, times: list[str]) -> list[tuple[str, str]]:
        """(ISO time, status code) of samples `a` to `b` (excluded) where the status
        differs from the sample before it among them (the first one included)."""
        out, before = [], -1
        for index, value in zip(self.at[a:b], self.codes[a:b], strict=True):
            if value != before:
                out.append((times[index], _LETTER.get(value) or chr(value)))
                before = value
        return out

    def span(self, lo: int, hi: int) -> tuple[int, int]:
        """The samples taken at pass positions `lo` to `hi` (excluded), as (a, b)."""
        return bisect_left(self.at, lo), bisect_left(self.at, hi)

    def reorder(self, rank: list[int]) -> None:
        """Renumber pass positions (old -> `rank[old]`) and sort the samples by them."""
        order = sorted(range(len(self.at)), key=lambda j: rank[self.at[j]])
        self.at = array("I", (rank[self.at[j]] for j in order))
        self.codes = bytearray(self.codes[j] for j in order)
        kind = array if isinstance(self.ms, array) else None
        values = [self.ms[j] for j in order]
        self.ms = array("q", values) if kind else values
        moved = {j: new for new, j in enumerate(order)}
        self.reasons = {moved[j]: reason for j, reason in self.reasons.items()}


class Block:
    """Consecutive pass lines with the same keys in the same order (the usual case: every
    line of a writer names the same replicas, nodes and services), held row by row: a
    line costs a few calls in C instead of three appends per key. `Columns.flush` deals
    the rows out to the keys' Columns with strided slices."""

    __slots__ = ("keys", "at", "codes", "ms", "reasons", "width", "checked")

    def __init__(self, keys: tuple) -> None:
        self.keys = keys  # (replica keys, node keys, service keys, has "p")
        self.checked = False  # a line of these keys passed `pass_problem`
        self.width = len(keys[0]) + len(keys[1]) + len(keys[2]) + keys[3]
        self.at: list[int] = []  # pass positions
        self.codes = bytearray()  # status letters, `width` per line
        self.ms: list = []  # latencies of the replica keys, NO_MS for none
        self.reasons: list[tuple[int, int, str]] = []  # (line, replica key index, reason)


_first, _second = itemgetter(0), itemgetter(1)


class Columns:
    """Every key's Column over one set of pass lines, with the lines' times sorted
    (a stable sort, as `sorted(lines, key=time)`), and the newest line kept whole."""

    def __init__(self, lines: Iterable[dict] = ()) -> None:
        self.times: list[str] = []
        self._columns: dict[str, Column] = {}
        self._block: Block | None = None
        self.last: dict | None = None  # the newest line (the last of equal times)
        for line in lines:
            self.add(line)
        self.settle()

    @property
    def columns(self) -> dict[str, Column]:
        """Column by key (the lines added so far all in)."""
        if self._block is not None:
            self.flush()
        return self._columns

    def add(self, line: dict, checked: bool = False) -> None:
        """Fold in `line` (`checked`: it passed `lines.pass_problem`, so `take` may take
        the lines with its keys that follow it)."""
        index = len(self.times)
        at = line["t"]
        self.times.append(at)
        if self.last is None or at >= self.last["t"]:
            self.last = line
        if not self._add_row(index, line):
            self.flush()
            self._add_entries(index, line)
        elif checked:
            self._block.checked = True  # type: ignore[union-attr]

    def take(self, raw: bytes, day: str, until: str = "9999", since: str = "") -> bool:
        """Decode the raw pass line `raw` and fold it in when it is beyond doubt a good
        line of `day` (as `decode_pass` judges it) from the ISO time `since` up to
        `until`, with the keys (and their order) of the line `add`ed before it as
        `checked`: those keys were checked then, so only the values are checked here, as
        they are gathered (a line of 1,000 nodes in a third of the time). False, with
        nothing folded, for anything else: decode and check that line the ordinary way,
        then `add` it."""
        block = self._block
        if block is None or not block.checked:
            return False
        found = quick_row(raw, day, block.keys)
        if found is None:
            return False
        line, letters, entries, ms, reasons = found
        at = line["t"]
        if at > until or at < since:
            return False
        self.times.append(at)
        if self.last is None or at >= self.last["t"]:
            self.last = line
        self._append_row(block, len(self.times) - 1, letters, entries, ms, reasons)
        return True

    def _add_row(self, index: int, line: dict) -> bool:
        """Add `line` to the current Block (a new one when its keys differ); False when
        it does not fit one (an entry that is not [letter, ms] or [letter, ms, reason])."""
        replicas, nodes, services = line.get("r", {}), line.get("n", {}), line.get("s", {})
        keys = (tuple(replicas), tuple(nodes), tuple(services), "p" in line)
        if keys[3] and "" in services:  # a service "" is the page's key: two samples a pass
            return False  # entry by entry, so that its Column stays in time order
        block = self._block
        if block is None or block.keys != keys:
            self.flush()
            block = Block(keys)
        entries = list(replicas.values())
        try:
            lengths = set(map(len, entries))
            firsts = list(map(_first, entries))
            codes = {*firsts, *nodes.values(), *services.values()}
            if lengths - {2, 3} or any(len(code) != 1 for code in codes):
                return False  # one status letter a key, or the slow path says what is wrong
            letters = "".join(firsts) + "".join(nodes.values()) + "".join(services.values())
            letters = (letters + line.get("p", "")).encode("latin-1")
        except (TypeError, UnicodeEncodeError, KeyError, IndexError):
            return False
        if len(letters) != block.width:
            return False
        ms = list(map(_second, entries))
        self._append_row(block, index, letters, entries, ms, 3 in lengths)
        self._block = block
        return True

    @staticmethod
    def _append_row(
        block: Block, index: int, letters: bytes, entries: list, ms: list, reasons: bool
    ) -> None:
        """One line's row into `block`: its letters, latencies (`ms`, of `entries`, the
        replicas' entries) and reasons (when some entry has three items)."""
        if None in ms:
            j = -1
            with contextlib.suppress(ValueError):
                while True:
                    j = ms.index(None, j + 1)
                    ms[j] = NO_MS
        if reasons:
            row = len(block.at)
            block.reasons += [(row, j, e[2]) for j, e in enumerate(entries) if len(e) > 2 and e[2]]
        block.at.append(index)
        block.codes += letters
        block.ms += ms

    def flush(self) -> None:
        """Deal the current Block's rows out to the keys' Columns."""
        block, self._block = self._block, None
        if block is None or not block.at:
            return
        columns, width, count = self._columns, block.width, len(block.at)
        replicas, nodes, services, page = block.keys
        at, none = array("I", block.at), array("q", [NO_MS]) * count
        reasons: dict[int, list[tuple[int, str]]] = {}
        for row, slot, reason in block.reasons:
            reasons.setdefault(slot, []).append((row, reason))
        for slot, key in enumerate([*replicas, *nodes, *services, *([""] if page else [])]):
            column = columns.get(key)
            if column is None:
                column = columns[key] = Column()
            first = len(column.at)
            column.at += at
            column.codes += block.codes[slot::width]
            if slot >= len(replicas):
                column.ms += none if type(column.ms) is not list else [None] * count
                continue
            column.add_latencies(block.ms[slot :: len(replicas)])
            for row, reason in reasons.get(slot, ()):
                column.reasons[first + row] = reason

    def _add_entries(self, index: int, line: dict) -> None:
        # Inlined (no helper call per entry): the lines that do not fit a Block.
        columns = self._columns
        get = columns.get
        for key, entry in line.get("r", {}).items():
            column = get(key)
            if column is None:
                column = columns[key] = Column()
            if len(entry) > 2 or type(column.ms) is list:
                column.add(index, entry[0], entry[1], entry[2] if len(entry) > 2 else "")
                continue
            column.at.append(index)
            column.codes.append(ord(entry[0]))
            ms = entry[1]
            try:
                column.ms.append(NO_MS if ms is None else ms)
            except OverflowError:  # the slow path knows what to do
                column.at.pop()
                column.codes.pop()
                column.add(index, entry[0], ms)
        for field in ("n", "s"):
            for key, code in line.get(field, {}).items():
                column = get(key)
                if column is None:
                    column = columns[key] = Column()
                column.at.append(index)
                column.codes.append(ord(code))
                column.ms.append(NO_MS)
        if "p" in line:
            column = get("")
            if column is None:
                column = columns[""] = Column()
            column.at.append(index)
            column.codes.append(ord(line["p"]))
            column.ms.append(NO_MS)

    def settle(self) -> None:
        """Sort by time once every line is in (lines of one writer come in order: then
        nothing moves)."""
        times = self.times
        if all(times[i] <= times[i + 1] for i in range(len(times) - 1)):
            return
        order = sorted(range(len(times)), key=times.__getitem__)
        rank = [0] * len(order)
        for new, old in enumerate(order):
            rank[old] = new
        self.times = [times[old] for old in order]
        for column in self.columns.values():
            column.reorder(rank)

    def get(self, key: str) -> Column | None:
        return self.columns.get(key)

    def position(self, at: str) -> int:
        """The first pass position at or after the ISO time `at`."""
        return bisect_left(self.times, at)

    def days(self) -> list[str]:
        """The days (ISO dates) the passes are on, oldest first."""
        return sorted({at[:10] for at in self.times})

    def series(
        self, key: str, since: str = ""
    ) -> tuple[list[str], list[tuple[str, int | None, str]]]:
        """(ISO times, (status code, latency ms, reason)) of `key` from `since` on."""
        column = self.columns.get(key)
        if column is None:
            return [], []
        a, b = column.span(self.position(since), len(self.times))
        times = self.times
        return [times[column.at[j]] for j in range(a, b)], [column.entry(j) for j in range(a, b)]

    def up_share(
        self, key: str, since: str, windows: Iterable[tuple[str, str]] = ()
    ) -> float | None:
        """Share of `key`'s samples from `since` on that are not dead, leaving out those
        taken inside one of `windows` (ISO (start, end), the end excluded); None without
        any. Counted in place: the windows' passes are taken off the whole span's."""
        column = self.columns.get(key)
        if column is None:
            return None
        lo = self.position(since)
        a, b = column.span(lo, len(self.times))
        checks, dead = b - a, column.codes[a:b].count(DEAD)
        for start, end in passes_within(self.times, windows, lo):
            ja, jb = column.span(start, end)
            checks, dead = checks - (jb - ja), dead - column.codes[ja:jb].count(DEAD)
        return share_of(checks, dead)

    def latencies(self, key: str, since: str, until: str) -> tuple[list[int], list[int | None]]:
        """(pass positions, latency ms or None) of `key`'s samples from the ISO time
        `since` to `until`."""
        column = self.columns.get(key)
        if column is None:
            return [], []
        a, b = column.span(bisect_left(self.times, since), bisect_right(self.times, until))
        values = column.ms[a:b]
        if type(values) is array and NO_MS not in values:  # every sample answered: in C
            return column.at[a:b].tolist(), values.tolist()
        return column.at[a:b].tolist(), [None if v == NO_MS else v for v in values]

    def aggregate(self, day: str, following: str) -> dict[str, list]:
        """Per key, [checks, healthy, sick, dead, mean ms, p95 ms] over the passes of
        `day` (as `statusgen.history.days.aggregate_day` computes them from the lines)."""
        lo, hi = self.position(day), self.position(following)
        out: dict[str, list] = {}
        for key, column in self.columns.items():
            row = day_row(column, [column.span(lo, hi)])
            if row is not None:
                out[key] = row
        return out

    def counts(
        self, key: str, day: str, following: str, windows: Iterable[tuple[str, str]]
    ) -> list | None:
        """`key`'s row of `aggregate(day, following)` leaving out the samples taken inside
        one of `windows` (ISO (start, end), the end excluded); None without any left."""
        column = self.columns.get(key)
        if column is None:
            return None
        lo, hi = self.position(day), self.position(following)
        spans, start = [], lo
        for a, b in passes_within(self.times, windows, lo):
            if a >= hi:
                break
            spans.append(column.span(start, a))
            start = max(start, b)
        if start < hi:
            spans.append(column.span(start, hi))
        return day_row(column, spans)
