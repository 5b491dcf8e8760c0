"""The shapes of history records, checked on every read, and `corrupt/` for the rest.

A pass line (one per pass, in `samples/<writer>/<date>.jsonl`):
    {"t": "2026-11-23T12:00:00Z", "r": {"svc/node/replica": ["h", 123, "reason"]},
     "n": {"svc/node": "h"}, "s": {"svc": "h"}, "p": "h"}
A sealed day (`days/<date>.json`): see `statusgen.history.days`.

Readers never change a history file: a record of the wrong shape is skipped and copied
once to `corrupt/`, and the copy's first reader says which file and line it came from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path

import orjson

log = logging.getLogger("statusgen.history")

CODES = frozenset("hsd")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
_first, _second = itemgetter(0), itemgetter(1)


def dumps(record: dict) -> str:
    """One record as one line: compact, keys sorted, UTF-8."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def loads(data: bytes) -> object:
    """`json.loads`, faster: orjson (docs/design.md), the stdlib for what orjson refuses
    (NaN, a lone surrogate, another encoding than UTF-8); ValueError when neither reads it.
    orjson reads an integer past 64 bits as a float: records that hold numbers go through
    `decode_pass` and `decode_sealed`, which decode as `json.loads` does."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def decode_pass(raw: bytes, day: str | None = None) -> tuple[dict | None, str | None]:
    """A pass line decoded and checked: (line, None), or (None, why it is not one), as
    `json.loads` and `pass_problem` judge it. A number orjson reads otherwise (an integer
    past 64 bits, then a float) fails the check: that line is decoded again by json."""

    def check(line: object) -> tuple[str | None, bool]:
        problem = pass_problem(line, day)
        return problem, problem is not None

    return _decode(raw, check)


def decode_sealed(data: bytes, day: str) -> tuple[dict | None, str | None]:
    """A sealed day decoded and checked: (record, None), or (None, why it is not one), as
    `json.loads` and `sealed_problem` judge it. A day orjson reads with a float in its rows
    (an integer past 64 bits reads as one) is decoded again by json."""

    def check(record: object) -> tuple[str | None, bool]:
        problem, kinds = _sealed_check(record, day)
        return problem, problem is not None or float in kinds

    return _decode(data, check)


def _decode(
    data: bytes, check: Callable[[object], tuple[str | None, bool]]
) -> tuple[dict | None, str | None]:
    """`data` read by `loads` and checked by `check` (-> problem, read again?); when
    orjson may have read it otherwise than json would, read and checked again by json.
    (record, None), or (None, why it is not one)."""
    for decode in (loads, json.loads):
        try:
            record = decode(data)
        except ValueError:
            return None, "not JSON"
        except RecursionError:  # json, after orjson refused more than 1,024 levels
            return None, "nested too deeply"
        problem, again = check(record)
        if not again:
            break
    return (None, problem) if problem else (record, None)


def pass_problem(line: object, day: str | None = None) -> str | None:
    """Why `line` is not a pass line of `day` (None when it is one).

    Strict but cheap: the per-key checks run as set operations over whole maps, so a
    1,000-replica line costs well under a millisecond."""
    if type(line) is not dict:
        return "not a JSON object"
    t = line.get("t")
    if type(t) is not str or not _TIME.match(t):
        return '"t" is not a UTC time like 2026-11-23T12:00:00Z'
    if day is not None and t[:10] != day:
        return f'"t" {t} is not on the file\'s day {day}'
    if not set(line) <= {"t", "r", "n", "s", "p"}:
        return f"unknown field(s) {sorted(set(line) - {'t', 'r', 'n', 's', 'p'})}"
    if "p" in line and not _codes_only([line["p"]]):
        return f'"p" {line["p"]!r} is not a status letter (h, s or d)'
    for field, slashes in (("n", 1), ("s", 0)):
        codes = line.get(field, {})
        if type(codes) is not dict:
            return f'"{field}" is not an object'
        if not _codes_only(codes.values()):
            return f'"{field}" holds a status that is not h, s or d'
        if codes and set(map(str.count, codes, repeat("/"))) != {slashes}:
            return f'"{field}" holds a key of the wrong depth'
    return _replicas_problem(line.get("r", {}))


def _replicas_problem(replicas: object) -> str | None:
    if type(replicas) is not dict:
        return '"r" is not an object'
    if not replicas:
        return None
    entries = replicas.values()
    lengths = set(map(len, entries)) if set(map(type, entries)) == {list} else {0}
    if not lengths <= {2, 3}:
        return '"r" holds an entry that is not [status, ms] or [status, ms, reason]'
    if not _codes_only(map(_first, entries)):
        return '"r" holds a status that is not h, s or d'
    if not set(map(type, map(_second, entries))) <= {int, type(None)}:
        return '"r" holds a latency that is not whole milliseconds or null'
    if min(map(str.count, replicas, repeat("/"))) < 2:
        return '"r" holds a key that is not service/node/replica'
    # Only lines with a reason walk their entries one by one.
    if 3 in lengths and any(len(e) == 3 and type(e[2]) is not str for e in entries if e[0] != "h"):
        return '"r" holds a reason that is not text'
    return None


_FIELDS = frozenset("trnsp")
_LATENCY = frozenset({int, type(None)})
_EMPTY: dict = {}


def quick_row(raw: bytes, day: str, keys: tuple) -> tuple[dict, bytes, list, list, bool] | None:
    """The raw pass line `raw` decoded when it is beyond doubt a good line of `day` (as
    `decode_pass` judges it) whose keys are `keys` (replica keys, node keys, service keys,
    has "p"), those of a line found good before it: its keys are not checked again, only
    its values, as they are gathered (a line of 1,000 nodes in a third of the time).
    (line, its status letters in key order, its replica entries, their latencies, whether
    one has a reason); None for anything else: read that line the ordinary way."""
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(line) is not dict or not line.keys() <= _FIELDS:
        return None
    at = line.get("t")
    if type(at) is not str or at[:10] != day or not _TIME.match(at):
        return None
    replicas, nodes = line.get("r", _EMPTY), line.get("n", _EMPTY)
    services, page = line.get("s", _EMPTY), line.get("p", "")
    if type(replicas) is not dict or type(nodes) is not dict or type(services) is not dict:
        return None
    if (tuple(replicas), tuple(nodes), tuple(services), "p" in line) != keys:
        return None
    entries = list(replicas.values())
    try:  # an entry that is not a list of two or three fails one of these
        lengths = set(map(len, entries))
        firsts = [entry[0] for entry in entries]
        ms = [entry[1] for entry in entries]
        codes = {*firsts, *nodes.values(), *services.values()}
        if "p" in line:
            codes.add(page)
    except (TypeError, KeyError, IndexError):
        return None
    if lengths - {2, 3} or not codes <= CODES or not set(map(type, ms)) <= _LATENCY:
        return None
    if 3 in lengths and any(len(e) == 3 and type(e[2]) is not str for e in entries if e[0] != "h"):
        return None
    letters = "".join(firsts) + "".join(nodes.values()) + "".join(services.values()) + page
    return line, letters.encode("latin-1"), entries, ms, 3 in lengths


def _codes_only(values: Iterable[object]) -> bool:
    """Whether every value is a status letter (a list or an object is not: not hashable)."""
    try:
        return set(values) <= CODES
    except TypeError:
        return False


def sealed_problem(record: object, day: str) -> str | None:
    """Why `record` is not the sealed day `day` (None when it is)."""
    return _sealed_check(record, day)[0]


def _sealed_check(record: object, day: str) -> tuple[str | None, set[type]]:
    """`sealed_problem`, and the types of the values in the rows (empty when not read)."""
    if type(record) is not dict:
        return "not a JSON object", set()
    if record.get("date") != day:
        return f'"date" is not {day}', set()
    aggregates = record.get("k")
    if type(aggregates) is not dict:
        return '"k" is not an object', set()
    rows = aggregates.values()
    if rows and (set(map(type, rows)) != {list} or set(map(len, rows)) != {6}):
        return '"k" holds a row that is not [checks, healthy, sick, dead, mean, p95]', set()
    # In C (90 days of rows): the rows' values column by column, the counts ints.
    columns = list(zip(*rows, strict=True))  # checks, healthy, sick, dead, mean, p95
    if set(map(type, chain.from_iterable(columns[:4]))) - {int}:
        return '"k" holds a count that is not a whole number', set()
    kinds = {int} | set(map(type, chain.from_iterable(columns[4:])))
    changes = record.get("changes", {})
    if type(changes) is not dict or set(map(type, changes.values())) - {list}:
        return '"changes" is not an object of lists', kinds
    return None, kinds


class Corrupt:
    """`corrupt/` of one history folder: each bad record is copied there once (named by
    its file, line number and a hash of its text), with one warning on the first copy."""

    def __init__(self, directory: Path, warnings: list[str]) -> None:
        self.directory = directory
        self.warnings = warnings

    def keep(self, path: Path, number: int, text: str | bytes, why: str) -> None:
        """Copy record `number` (1-based line) of `path` aside unless already there."""
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
        rel = _relative(path, self.directory.parent)
        digest = hashlib.sha256(f"{rel}\n{number}\n".encode() + data).hexdigest()[:12]
        name = f"{rel.replace('/', '~')}~L{number}~{digest}.bad"
        aside = self.directory / name
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return
        except OSError as error:  # a read-only checkout: still skip the record, and say so
            self._warn(f"{path}: line {number}: {why}; skipped (not copied: {error})")
            return
        with os.fdopen(fd, "wb") as handle:
            handle.write(data if data.endswith(b"\n") else data + b"\n")
        self._warn(f"{path}: line {number}: {why}; skipped, copied to {aside}")

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning(message)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name
