"""Today's (schema 1) history writer and reader, copied from statusgen/history/store.py as
it was before history v2 (commit 8fb56ac), so tests can make a v1 history with the code
that wrote them and bench/history.py can time the v1 reader. Do not "fix" this file: it
is a record of the old format."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from statusgen.clock import iso
from statusgen.errors import LockError
from statusgen.files import locked, write_atomic
from statusgen.health import Evaluation
from statusgen.status import ProbeResult

SCHEMA = 1  # v1
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


def dumps(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


class Store:
    """Read and write one history folder. Every method that writes takes the lock."""

    def __init__(self, directory: Path, retention_days: int = 7, aggregate_days: int = 400):
        self.directory = directory
        self.retention_days = retention_days
        self.aggregate_days = aggregate_days
        self.warnings: list[str] = []

    @property
    def samples_dir(self) -> Path:
        return self.directory / "samples"

    @property
    def daily_dir(self) -> Path:
        return self.directory / "daily"

    # --- writing -----------------------------------------------------------------------

    def append(self, record: dict, at: datetime) -> Path:
        """Append one pass line to that day's file, then roll up what aged out."""
        with locked(self.directory):
            self._ensure_meta()
            path = self.samples_dir / f"{at.date().isoformat()}.jsonl"
            lines = self.read_lines(path)
            lines.append(record)
            lines.sort(key=lambda line: line["t"])
            write_atomic(path, "".join(dumps(line) + "\n" for line in lines))
            self._rollup(at)
        return path

    def _ensure_meta(self) -> None:
        meta = self.directory / "meta.json"
        try:
            schema = json.loads(meta.read_text(encoding="utf-8")).get("schema")
        except (OSError, ValueError, AttributeError):
            schema = None
        if schema is None:
            write_atomic(meta, json.dumps({"schema": SCHEMA}) + "\n")
        elif schema > SCHEMA:
            raise LockError(f"{meta}: history schema {schema} is newer than this statusgen")

    def _rollup(self, now: datetime) -> None:
        """Fold sample files older than the retention window into daily aggregates and drop
        aggregates older than `aggregate_days`."""
        oldest_kept = now.date() - timedelta(days=self.retention_days)
        for path in sorted(self.samples_dir.glob("*.jsonl")):
            day = _day_of(path)
            if day is None or day >= oldest_kept:
                continue
            self._add_daily(day, aggregate_day(self.read_lines(path)))
            path.unlink()
        # Whole months go once their last day is past the window: no file is parsed here.
        cutoff = (now.date() - timedelta(days=self.aggregate_days)).strftime("%Y-%m")
        for path in sorted(self.daily_dir.glob("*.jsonl")):
            if path.stem < cutoff:
                path.unlink()

    def _add_daily(self, day: date, aggregates: dict[str, list]) -> None:
        path = self.daily_dir / f"{day.strftime('%Y-%m')}.jsonl"
        lines = [line for line in self.read_lines(path) if line.get("date") != day.isoformat()]
        lines.append({"date": day.isoformat(), "k": aggregates})
        lines.sort(key=lambda line: line["date"])
        write_atomic(path, "".join(dumps(line) + "\n" for line in lines))

    # --- reading -----------------------------------------------------------------------

    def read_lines(self, path: Path) -> list[dict]:
        """Every good line of a JSON Lines file. Bad lines (a truncated write, a bad merge)
        are moved to corrupt/ with a warning, and the file keeps its good lines."""
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        good, bad = [], []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or not ("t" in record or "date" in record):
                    raise ValueError("not a history record")
                good.append(record)
            except ValueError:
                bad.append(line)
        if bad:
            self._quarantine(path, bad, good)
        return good

    def _quarantine(self, path: Path, bad: list[str], good: list[dict]) -> None:
        aside = self.directory / "corrupt" / f"{path.parent.name}-{path.name}.bad"
        aside.parent.mkdir(parents=True, exist_ok=True)
        with open(aside, "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in bad))
        write_atomic(path, "".join(dumps(line) + "\n" for line in good))
        message = (
            f"{path}: {len(bad)} unreadable line(s) moved to {aside}; "
            f"{len(good)} good record(s) kept"
        )
        self.warnings.append(message)
        log.warning(message)

    def passes(self, since: datetime | None = None) -> list[dict]:
        """Raw pass lines, oldest first, optionally from `since` on."""
        lines: list[dict] = []
        for path in sorted(self.samples_dir.glob("*.jsonl")):
            day = _day_of(path)
            if since is not None and day is not None and day < since.date():
                continue
            lines.extend(self.read_lines(path))
        if since is not None:
            floor = iso(since.replace(microsecond=0))
            lines = [line for line in lines if line["t"] >= floor]
        return lines

    def daily(self) -> dict[str, dict[str, list]]:
        """Aggregates by ISO date: {date: {key: [checks, healthy, sick, dead, mean, p95]}}."""
        days: dict[str, dict[str, list]] = {}
        for path in sorted(self.daily_dir.glob("*.jsonl")):
            for line in self.read_lines(path):
                days[line["date"]] = line["k"]
        return days


def _day_of(path: Path) -> date | None:
    try:
        return date.fromisoformat(path.stem)
    except ValueError:
        return None


def aggregate_day(lines: list[dict]) -> dict[str, list]:
    """Per key (replica, node, service, page ""): [checks, healthy, sick, dead, mean ms,
    p95 ms] over one day's pass lines."""
    # A build aggregates today's raw passes for every key: the loops are inlined.
    counts: dict[str, list[int]] = {}
    latencies: dict[str, list[int]] = {}
    column = _COLUMN.get
    for line in lines:
        for key, entry in line.get("r", {}).items():
            row = counts.get(key)
            if row is None:
                row = counts[key] = [0, 0, 0, 0]
            row[0] += 1
            row[column(entry[0], 3)] += 1
            if entry[1] is not None:
                values = latencies.get(key)
                if values is None:
                    latencies[key] = [entry[1]]
                else:
                    values.append(entry[1])
        for field in ("n", "s"):
            for key, code in line.get(field, {}).items():
                row = counts.get(key)
                if row is None:
                    row = counts[key] = [0, 0, 0, 0]
                row[0] += 1
                row[column(code, 3)] += 1
        if "p" in line:
            row = counts.setdefault("", [0, 0, 0, 0])
            row[0] += 1
            row[column(line["p"], 3)] += 1
    out: dict[str, list] = {}
    for key, (checks, healthy, sick, dead) in counts.items():
        values = sorted(latencies.get(key, ()))
        mean = round(sum(values) / len(values)) if values else None
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))] if values else None
        out[key] = [checks, healthy, sick, dead, mean, p95]
    return out


# Column of a status letter in a count row; anything unknown counts as dead.
_COLUMN = {"h": 1, "s": 2, "d": 3}
