"""The history on disk (schema 2): JSON files in the repo, so git is the database.

    history/
      meta.json                          {"schema": 2, "latency": ..., "first_seen": {...}}
      samples/<writer>/<YYYY-MM-DD>.jsonl one pass line per pass, append-only
      days/<YYYY-MM-DD>.json             a sealed day's aggregates, written once
      corrupt/                           copies of records that could not be read

Appending is one `write` of one whole line to a file opened with O_APPEND, so writers
never need the lock to append and never interleave. The lock (`history/.lock`) guards
the rest: migration, `meta.json`, sealing a day and deleting what aged out. The full
format is in docs/history.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from statusgen.clock import iso
from statusgen.errors import fs_error, os_reason
from statusgen.files import locked, write_atomic
from statusgen.health import Evaluation
from statusgen.history import meta as metafile
from statusgen.history import packed
from statusgen.history.days import sealed_record
from statusgen.history.lines import _TIME, Corrupt, dumps, pass_problem, sealed_problem
from statusgen.history.locations import Latest, MergePolicy, combine
from statusgen.history.spool import Spool, append_lines
from statusgen.status import ProbeResult

SCHEMA = metafile.SCHEMA
# A day is sealed this long after it ends, so a late writer (a location on a slow link,
# a pass that started at 23:59) still lands in it.
GRACE = timedelta(hours=2)
# An unterminated last line younger than this may be a write still under way: skip it
# quietly; older, it is what a killed writer left, and goes to corrupt/.
PARTIAL_AGE = 10.0
log = logging.getLogger("statusgen.history")


def pass_record(evaluation: Evaluation, results: list[ProbeResult], at: datetime) -> dict:
    """The compact JSON line for one pass."""
    by_key = {result.key: result for result in results}
    replicas: dict[str, list[Any]] = {}
    for key, status in evaluation.replicas.items():
        result = by_key.get(key)
        latency = None if result is None or result.latency is None else round(result.latency * 1000)
        entry: list[Any] = [status.code, latency]
        if result is not None and status.code != "h":
            entry.append(result.reason)
        replicas[key] = entry
    return {
        "t": iso(at.replace(microsecond=0)),
        "r": replicas,
        "n": {key: status.code for key, status in evaluation.nodes.items()},
        "s": {key: status.code for key, status in evaluation.services.items()},
        "p": evaluation.page.code,
    }


class Store:
    """One history folder. `writer` names this process's raw files (`main`, or a
    location id). With `pack`, sealed raw days older than yesterday are packed (on the
    data branch, where squashing drops old blobs; on main every blob stays in git and a
    packed copy would only add to it). Reading never changes a history file."""

    def __init__(
        self,
        directory: Path,
        retention_days: int = 7,
        aggregate_days: int = 400,
        writer: str = "main",
        grace: timedelta = GRACE,
        spool: Path | None = None,
        policy: MergePolicy | None = None,
        pack: bool = False,
    ):
        self.directory = directory
        self.pack = pack
        self.policy = policy or MergePolicy()
        # each location's latest entry per replica, as far as this Store has read
        self.latest: Latest = {}
        self.retention_days = retention_days
        self.aggregate_days = aggregate_days
        self.writer = writer
        self.grace = grace
        self.warnings: list[str] = []
        self.corrupt = Corrupt(directory / "corrupt", self.warnings)
        self._meta: dict | None = None
        self._sealed: dict[str, dict | None] = {}
        self.spool = Spool(spool, writer) if spool is not None else None

    @property
    def samples_dir(self) -> Path:
        return self.directory / "samples"

    @property
    def days_dir(self) -> Path:
        return self.directory / "days"

    # --- writing -----------------------------------------------------------------------

    def append(self, record: dict, at: datetime) -> Path:
        """Append one pass line to this writer's file of its day, then seal the days
        that are over and delete what aged out.

        When the history refuses the line (a full disk, a read-only or immutable folder,
        a folder where the day's file belongs), it is kept in the spool (when the Store
        has one) and a FileSystemError says where and why; the next append that can
        write appends the spooled lines first. Sealing and `meta.json` failures after
        the line is written are warnings: the next pass tries again."""
        day = record.get("t", "")[:10] if isinstance(record, dict) else ""
        problem = pass_problem(record, day)
        if problem:
            raise ValueError(f"not a pass line: {problem}")
        path = self._day_file(day)
        line = (dumps(record) + "\n").encode("utf-8")
        try:
            self.upgrade()
            if self.spool is not None and (drained := self.spool.drain(self._day_file)):
                message = f"{self.spool.path}: {drained} spooled pass(es) appended"
                self._warn(message, level=logging.INFO)
            append_lines(path, [line])
        except OSError as error:
            kept = self._keep(line)
            raise fs_error(path, f"append the pass of {record['t']}", error, kept) from error
        try:
            if (self.days_dir / f"{day}.json").is_file():
                self._warn(
                    f"{path}: a pass at {record['t']} arrived after {day} was sealed: it is "
                    f"kept in the raw file, not in that day's aggregates"
                )
            self._note_first_seen(record)
            if (self._meta or {}).get("latency") != metafile.LATENCY_METHOD:
                self._meta = metafile.note_latency(self, record["t"])
            self.seal(at)
        except OSError as error:
            self._warn(
                f"{error.filename or self.directory}: cannot update the history after "
                f"appending the pass: {os_reason(error)}; the next pass tries again"
            )
        return path

    def _day_file(self, day: str) -> Path:
        return self.samples_dir / self.writer / f"{day}.jsonl"

    def _keep(self, line: bytes) -> str:
        """Spool a pass the history refused; says where it went (or that it is lost)."""
        if self.spool is None:
            return "the pass is not recorded"
        try:
            self.spool.keep(line)
        except OSError as error:
            reason = os_reason(error)
            return f"the pass is lost: it could not be kept in {self.spool.path} either ({reason})"
        return (
            f"the pass is kept in {self.spool.path} and appended by the next pass that can "
            f"write to the history"
        )

    def upgrade(self) -> None:
        """Make the folder schema 2: migrate a v1 history, or rebuild a missing or broken
        `meta.json`. Once per Store; a no-op when the folder is current."""
        if self._meta is not None:
            return
        meta = metafile.read(self.directory, self.corrupt)
        if meta is None or metafile.is_v1(self.directory, meta):
            with locked(self.directory):
                meta = metafile.read(self.directory, self.corrupt)
                if metafile.is_v1(self.directory, meta):
                    self._warn(metafile.migrate_v1(self, meta), level=logging.INFO)
                    meta = metafile.read(self.directory, self.corrupt)
                if meta is None:
                    meta = metafile.rebuild(self)
        metafile.check_version(self.directory, meta)
        self._meta = meta

    def migrate_if_v1(self) -> None:
        """Migrate a schema 1 history (for readers such as `build`, which otherwise never
        write to the history)."""
        if metafile.is_v1(self.directory, metafile.read(self.directory, self.corrupt)):
            self.upgrade()

    def meta(self) -> dict:
        """meta.json as last read ({} when missing or broken). Never writes."""
        if self._meta is None:
            found = metafile.read(self.directory, self.corrupt)
            if found is not None:
                metafile.check_version(self.directory, found)
            return found or {}
        return self._meta

    def _note_first_seen(self, record: dict) -> None:
        known = (self._meta or {}).get("first_seen", {})
        new = [key for key in record.get("n", {}) if key not in known]
        if not new:
            return
        with locked(self.directory):
            meta = metafile.read(self.directory, self.corrupt) or metafile.fresh()
            seen = meta.setdefault("first_seen", {})
            for key in new:
                seen.setdefault(key, record["t"])
            metafile.write(self.directory, meta)
            self._meta = meta

    def note_certificates(self, expiries: dict[str, str]) -> None:
        """Keep each replica's latest certificate expiry (`notAfter`, UTC ISO time, by
        replica key) in `meta.json` for the pages. The file is rewritten only when one
        changed (a renewal, a new replica), not on every pass."""
        known = self.meta().get("certificates", {})
        changed = {key: at for key, at in expiries.items() if known.get(key) != at}
        if not changed:
            return
        self.upgrade()
        with locked(self.directory):
            meta = metafile.read(self.directory, self.corrupt) or metafile.fresh()
            meta.setdefault("certificates", {}).update(changed)
            metafile.write(self.directory, meta)
            self._meta = meta

    def seal(self, now: datetime) -> list[str]:
        """Seal every day that ended `grace` ago and is not sealed, then delete raw files
        older than `retention_days` (once sealed) and sealed days older than
        `aggregate_days`. Takes the lock only when there is something to do."""
        if not self._due(now):
            return []
        sealed = []
        with locked(self.directory):
            due = self._due(now)  # again: another writer may have sealed meanwhile
            if due is None:
                return []
            raw, expired_raw, expired_days, to_pack = due
            for day in raw:
                if self._seal_day(day, now):
                    sealed.append(day)
            is_sealed = set(self.sealed_day_names())  # a day that failed to seal keeps its raw
            for day in expired_raw:
                for path in self.raw_files(day) if day in is_sealed else ():
                    path.unlink(missing_ok=True)
            for path in to_pack:
                with contextlib.suppress(FileNotFoundError):
                    packed.pack(path, self._write_new)
            for day in expired_days:
                (self.days_dir / f"{day}.json").unlink(missing_ok=True)
                self._sealed.pop(day, None)
        return sealed

    def _due(self, now: datetime) -> tuple[list[str], list[str], list[str], list[Path]] | None:
        raw_days = self.raw_day_names()
        sealed = set(self.sealed_day_names())
        last_due = (now - self.grace).date() - timedelta(days=1)
        to_seal = [d for d in raw_days if d not in sealed and date.fromisoformat(d) <= last_due]
        keep_raw = (now.date() - timedelta(days=self.retention_days)).isoformat()
        keep_days = (now.date() - timedelta(days=self.aggregate_days)).isoformat()
        will_be = sealed | set(to_seal)
        expired_raw = [d for d in raw_days if d < keep_raw and d in will_be]
        expired_days = [d for d in sealed if d < keep_days]
        # Builds read raw lines of the last 24 hours only: older sealed days are packed.
        pack_before = (now.date() - timedelta(days=1)).isoformat() if self.pack else ""
        to_pack = [
            path
            for day in raw_days
            if day < pack_before and day in will_be and day not in expired_raw
            for path in self.raw_files(day)
            if not packed.is_packed(path) and not path.with_name(day + packed.PACKED).exists()
        ]
        if not (to_seal or expired_raw or expired_days or to_pack):
            return None
        return to_seal, expired_raw, expired_days, to_pack

    @staticmethod
    def _write_new(path: Path, data: bytes) -> None:
        write_atomic(path, data, new=True)

    def _seal_day(self, day: str, now: datetime) -> bool:
        by_writer: list[tuple[str, list[dict]]] = []
        sources: dict[str, dict[str, int]] = {}
        for path in self.raw_files(day):
            found, size = self._read_file(path, day)
            by_writer.append((path.parent.name, found))
            sources[path.parent.name] = {"bytes": size, "lines": len(found)}
        lines = combine(by_writer, self.policy)
        record = sealed_record(day, lines, sources, now)
        path = self.days_dir / f"{day}.json"
        try:
            write_atomic(path, dumps(record) + "\n", new=True)
        except FileExistsError:
            if not path.is_file():
                self._warn(
                    f"{path}: is not a file, so {day} cannot be sealed; its raw samples are "
                    f"kept (move it away)",
                    quiet=True,
                )
            return False
        self._sealed[day] = record
        return True

    def write_sealed_day(self, day: str, aggregates: dict[str, list], now: datetime) -> None:
        """Seal `day` with aggregates made elsewhere (the demo's and benchmarks' made-up
        past); refuses to replace a sealed day."""
        record = {"schema": 2, "date": day, "sealed_at": iso(now.replace(microsecond=0))}
        record.update({"k": aggregates, "changes": {}, "sources": {}})
        problem = sealed_problem(record, day)
        if problem:
            raise ValueError(f"not a sealed day: {problem}")
        self.upgrade()
        with locked(self.directory):
            write_atomic(self.days_dir / f"{day}.json", dumps(record) + "\n", new=True)

    # --- reading -----------------------------------------------------------------------

    def raw_day_names(self) -> list[str]:
        """Days that have raw samples (any writer), oldest first."""
        names = {packed.day_of(p) for p in self._files(self.samples_dir, "*/*.jsonl*")}
        return sorted(name for name in names if _is_day(name))

    def raw_files(self, day: str) -> list[Path]:
        """Every writer's raw file of `day`, plain or packed (a packed one first)."""
        found = self._files(self.samples_dir, f"*/{day}.jsonl*")
        paths = [p for p in found if p.name in (day + packed.PLAIN, day + packed.PACKED)]
        return sorted(paths, key=lambda p: (p.parent.name, not packed.is_packed(p)))

    def sealed_day_names(self) -> list[str]:
        return sorted(p.stem for p in self._files(self.days_dir, "*.json") if _is_day(p.stem))

    def _files(self, folder: Path, pattern: str) -> list[Path]:
        """The regular files of `folder` that match `pattern`; anything else in their
        place (a folder named like a day) is skipped with a warning."""
        out = []
        for path in folder.glob(pattern):
            if path.is_file():
                out.append(path)
            else:
                self._warn(f"{path}: is not a file; skipped (move it away)", quiet=True)
        return out

    def read_raw(self, day: str, since: str = "", until: str = "") -> list[dict]:
        """Every pass of `day`, oldest first (only those at or after the ISO time `since`
        and, with `until`, at or before it: the others are passed over unparsed): the
        `main` writer's lines, and the locations' lines merged
        (`statusgen.history.locations`). Lines written after the day was sealed are
        included, with a warning that counts them."""
        return self.read_days([day], {day: since}, until)

    def read_days(
        self, days: Iterable[str], since: dict[str, str] | None = None, until: str = ""
    ) -> list[dict]:
        """`read_raw` over several days at once, so a location's last pass of one day
        still votes in the first rounds of the next."""
        by_writer: dict[str, list[dict]] = {}
        for day in days:
            sealed = self.sealed(day)
            floor = (since or {}).get(day, "").encode()
            files = self.raw_files(day)
            for path in files:
                limit = None
                if sealed is not None:
                    limit = sealed.get("sources", {}).get(path.parent.name, {}).get("bytes", 0)
                    if not packed.is_packed(path) and path.with_name(day + packed.PACKED) in files:
                        limit = 0  # a plain file beside a packed one holds late lines only
                lines, _ = self._read_file(
                    path, day, late_after=limit, since=floor, until=until.encode()
                )
                found = by_writer.setdefault(path.parent.name, [])
                found.extend(line for line in lines if not until or line["t"] <= until)
        return combine(by_writer.items(), self.policy, self.latest)

    def _read_file(
        self,
        path: Path,
        day: str,
        late_after: int | None = None,
        since: bytes = b"",
        until: bytes = b"",
    ) -> tuple[list[dict], int]:
        """Good lines of one raw file, and how many bytes of it were whole lines."""
        try:
            data, modified, problem = packed.read_raw_bytes(path)
        except FileNotFoundError:
            return [], 0
        except OSError as error:
            self._warn(f"{path}: cannot be read: {os_reason(error)}; skipped", quiet=True)
            return [], 0
        if problem:  # the whole file aside; the lines before the damage still count
            self.corrupt.keep(path, 0, path.read_bytes(), problem)
        end = data.rfind(b"\n") + 1
        good, late, offset = [], 0, 0
        for number, raw in enumerate(data[:end].split(b"\n")[:-1], start=1):
            start, offset = offset, offset + len(raw) + 1
            if not raw.strip() or (since and _time_of(raw) < since):
                continue
            if until and (at := _time_of(raw)) != b"~" and at > until:
                continue
            line = self._parse(path, number, raw, day)
            if line is not None:
                good.append(line)
                if late_after is not None and start >= late_after:
                    late += 1
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
        return good, end

    def _parse(self, path: Path, number: int, raw: bytes, day: str) -> dict | None:
        try:
            line = json.loads(raw)
        except ValueError:
            self.corrupt.keep(path, number, raw, "not JSON")
            return None
        problem = pass_problem(line, day)
        if problem:
            self.corrupt.keep(path, number, raw, problem)
            return None
        return line

    def sealed(self, day: str) -> dict | None:
        """The sealed record of `day`, or None (not sealed, or unreadable: then copied to
        corrupt/ with a warning)."""
        if day in self._sealed:
            return self._sealed[day]
        path = self.days_dir / f"{day}.json"
        record = None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as error:
            self._warn(f"{path}: cannot be read: {os_reason(error)}; skipped", quiet=True)
            data = None
        if data is not None:
            try:
                record = json.loads(data)
                problem = sealed_problem(record, day)
            except ValueError:
                problem = "not JSON"
            if problem:
                self.corrupt.keep(path, 1, data, problem)
                record = None
        self._sealed[day] = record
        return record

    def last_passes(self, count: int, since: datetime, until: datetime | None = None) -> list[dict]:
        """The last `count` pass lines from `since` on (and up to `until`), oldest first,
        read from the end of the newest raw files: a pass that looks back a few passes
        reads a few lines, not the day. Bad lines are skipped here (a full read copies
        them to corrupt/). After the clock stepped back, the passes written before the
        step are after `until`: the history as of `until` does not hold them yet."""
        floor = iso(since.replace(microsecond=0))
        ceiling = iso(until.replace(microsecond=0)) if until else "9999"
        found: dict[str, list[dict]] = {}
        for day in reversed(self.raw_day_names()):
            if day < floor[:10] or min(map(len, found.values()), default=0) >= count:
                break
            if day > ceiling[:10]:
                continue
            for path in self.raw_files(day):
                kept = [x for x in _tail(path, count, day, ceiling) if floor <= x["t"] <= ceiling]
                found.setdefault(path.parent.name, [])[:0] = kept
        merged = combine(found.items(), self.policy)
        return merged[-count:] if count else []

    def passes(self, since: datetime | None = None) -> list[dict]:
        """Every raw pass line, oldest first, optionally from `since` on."""
        floor = iso(since.replace(microsecond=0)) if since else ""
        lines = []
        for day in self.raw_day_names():
            if day >= floor[:10]:
                lines.extend(line for line in self.read_raw(day) if line["t"] >= floor)
        return sorted(lines, key=lambda line: line["t"])

    def daily(self) -> dict[str, dict[str, list]]:
        """Sealed aggregates by ISO date: {date: {key: [checks, healthy, sick, dead, mean,
        p95]}}."""
        days = {}
        for day in self.sealed_day_names():
            record = self.sealed(day)
            if record is not None:
                days[day] = record["k"]
        return days

    def _warn(self, message: str, level: int = logging.WARNING, quiet: bool = False) -> None:
        if quiet and message in self.warnings:
            return
        self.warnings.append(message)
        log.log(level, message)


def _time_of(raw: bytes) -> bytes:
    """The time of a line as statusgen writes it (keys sorted: "t" comes last), read
    without parsing the line; b"~" (after every time) when it is not there."""
    at = raw[-27:-2]
    if at.startswith(b'"t":"') and _TIME.match(at[5:].decode("ascii", "replace")):
        return at[5:]
    return b"~"


def _tail(
    path: Path, count: int, day: str, until: str = "9999", block: int = 1 << 16
) -> list[dict]:
    """Up to `count` good whole lines at or before the ISO time `until` from the end of
    `path`."""
    try:
        if packed.is_packed(path):  # old and small: read whole
            data, start = packed.read_raw_bytes(path)[0], 0
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
        try:
            line = json.loads(raw) if raw.strip() else None
        except ValueError:
            continue
        if line is not None and pass_problem(line, day) is None and line["t"] <= until:
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


def _is_day(name: str) -> bool:
    with contextlib.suppress(ValueError):
        return date.fromisoformat(name).isoformat() == name
    return False
