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

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from statusgen.clock import iso
from statusgen.errors import fs_error, os_reason
from statusgen.files import locked
from statusgen.health import Evaluation
from statusgen.history import meta as metafile
from statusgen.history import packed
from statusgen.history.lines import Corrupt, decode_sealed, dumps, pass_problem
from statusgen.history.locations import Latest, MergePolicy, combine
from statusgen.history.rawfiles import RawFiles
from statusgen.history.rows import Compactor
from statusgen.history.sealing import Sealing
from statusgen.history.spool import Spool, append_lines
from statusgen.status import ProbeResult

SCHEMA = metafile.SCHEMA
# A day is sealed this long after it ends, so a late writer (a location on a slow link,
# a pass that started at 23:59) still lands in it.
GRACE = timedelta(hours=2)
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


class Store(Sealing, RawFiles):
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
        self._compact = Compactor()
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

    # --- reading -----------------------------------------------------------------------

    def raw_day_names(self) -> list[str]:
        """Days that have raw samples (any writer), oldest first."""
        names = {packed.day_of(p) for p in self._files(self.samples_dir, "*/*.jsonl*")}
        return sorted(name for name in names if packed.is_day(name))

    def raw_files(self, day: str) -> list[Path]:
        """Every writer's raw file of `day`, plain or packed (a packed one first)."""
        found = self._files(self.samples_dir, f"*/{day}.jsonl*")
        paths = [p for p in found if p.name in (day + packed.PLAIN, day + packed.PACKED)]
        return sorted(paths, key=lambda p: (p.parent.name, not packed.is_packed(p)))

    def sealed_day_names(self) -> list[str]:
        return sorted(p.stem for p in self._files(self.days_dir, "*.json") if packed.is_day(p.stem))

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
            floor = (since or {}).get(day, "").encode()
            for path, limit in self.day_sources(day):
                lines = self.file_lines(path, day, late_after=limit, since=floor, until=until)
                by_writer.setdefault(path.parent.name, []).extend(lines)
        return combine(by_writer.items(), self.policy, self.latest)

    def sealed(self, day: str) -> dict | None:
        """The sealed record of `day`, or None (not sealed, or unreadable: then copied to
        corrupt/ with a warning)."""
        if day not in self._sealed:
            self._sealed[day] = self._read_sealed(day)
        return self._sealed[day]

    def sealed_rows(self, day: str) -> Mapping[str, list] | None:
        """The aggregates (`k`) of sealed `day`, compact (`statusgen.history.rows`), or
        None. The rest of the record is not kept: a build reads 90 days of these."""
        record = self._sealed[day] if day in self._sealed else self._read_sealed(day)
        if record is None:
            self._sealed[day] = None  # a broken day is copied aside once
            return None
        return self._compact(record["k"])

    def _read_sealed(self, day: str) -> dict | None:
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
            record, problem = decode_sealed(data, day)
            if problem:
                self.corrupt.keep(path, 1, data, problem)
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
                kept = [
                    x for x in packed.tail(path, count, day, ceiling) if floor <= x["t"] <= ceiling
                ]
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
