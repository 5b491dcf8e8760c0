"""`meta.json` (schema, latency method, when each node was first seen) and the one-time
migration from the schema 1 layout.

    {"schema": 2, "latency": "network-events", "first_seen": {"svc/node": "2026-11-23T12:00:00Z"},
     "certificates": {"svc/node/replica": "2027-02-01T12:00:00Z"}}

A history whose passes were measured another way before keeps saying so:
`"latency_before": "wall-clock", "latency_since": "<time of the first pass measured now>"`.

Schema 1 (statusgen before history v2) kept raw files in `samples/<date>.jsonl` and
aggregates in `daily/<YYYY-MM>.jsonl`, one line per day.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen.errors import HistoryError
from statusgen.files import locked, write_atomic
from statusgen.history.lines import Corrupt, dumps, sealed_problem

if TYPE_CHECKING:
    from statusgen.history.store import Store

log = logging.getLogger("statusgen.history")
SCHEMA = 2
# How pass latencies are measured (docs/probes.md#latency): from the probe's own network
# events. Histories written before it say "wall-clock" (the probe coroutine's own clock,
# queueing included); the two are not comparable, so a switch is recorded (`switch_latency`).
LATENCY_METHOD = "network-events"
OLD_LATENCY_METHOD = "wall-clock"


def fresh() -> dict:
    return {"schema": SCHEMA, "latency": LATENCY_METHOD, "first_seen": {}}


def read(directory: Path, corrupt: Corrupt) -> dict | None:
    """meta.json, or None when missing; when broken, None too, after copying it to
    corrupt/ with a warning (once)."""
    path = directory / "meta.json"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        meta = json.loads(data)
        problem = _problem(meta)
    except ValueError:
        problem = "not JSON"
    if problem:
        corrupt.keep(path, 1, data, problem)
        return None
    return meta


def _problem(meta: object) -> str | None:
    if type(meta) is not dict:
        return "not a JSON object"
    schema = meta.get("schema")
    if type(schema) is not int or schema < 1:
        return '"schema" is not a whole number from 1 up'
    if schema != SCHEMA:
        return None  # schema 1 is migrated; a newer schema is refused by check_version
    if type(meta.get("latency")) is not str:
        return '"latency" is not text'
    if any(k in meta and type(meta[k]) is not str for k in ("latency_before", "latency_since")):
        return '"latency_before" or "latency_since" is not text'
    seen = meta.get("first_seen")
    if type(seen) is not dict or not all(type(v) is str for v in seen.values()):
        return '"first_seen" is not an object of times'
    certificates = meta.get("certificates", {})
    if type(certificates) is not dict or not all(type(v) is str for v in certificates.values()):
        return '"certificates" is not an object of times'
    return None


def check_version(directory: Path, meta: dict | None) -> None:
    schema = (meta or {}).get("schema", SCHEMA)
    if schema > SCHEMA:
        raise HistoryError(
            f"{directory / 'meta.json'}: history schema {schema} is newer than this "
            f"statusgen reads ({SCHEMA}); upgrade statusgen"
        )


def write(directory: Path, meta: dict) -> None:
    write_atomic(directory / "meta.json", json.dumps(meta, indent=1, sort_keys=True) + "\n")


def is_v1(directory: Path, meta: dict | None) -> bool:
    """Whether `meta` says schema 1 or schema 1 files are there (a v1 history, or one a
    v1 writer touched)."""
    if meta is not None and meta.get("schema") == 1:
        return True
    return (directory / "daily").is_dir() or any((directory / "samples").glob("*.jsonl"))


def migrate_v1(store: Store, meta: dict | None) -> str:
    """Move a schema 1 history to schema 2 (the caller holds the lock). Idempotent: a
    migration cut short is finished by the next one. Every pass line and day aggregate
    is kept; raw files are moved, not rewritten."""
    check_version(store.directory, meta)
    moved = 0
    target_dir = store.samples_dir / "main"
    for path in sorted(store.samples_dir.glob("*.jsonl")):
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / path.name
        if target.exists():  # a v2 writer got there first: add the v1 lines to its file
            _append_file(path, target)
            path.unlink()
        else:
            os.replace(path, target)
        moved += 1
    days = 0
    daily = store.directory / "daily"
    for path in sorted(daily.glob("*.jsonl")):
        days += _daily_to_days(store, path)
        path.unlink()
    if daily.is_dir() and not any(daily.iterdir()):
        daily.rmdir()
    new = fresh()
    new["latency"] = OLD_LATENCY_METHOD  # schema 1 passes were timed that way
    new["first_seen"] = first_seen(store)
    write(store.directory, new)
    return (
        f"{store.directory}: history migrated from schema 1 to 2: {moved} raw file(s) "
        f"moved to samples/main/, {days} day(s) of aggregates to days/ (see docs/history.md)"
    )


def _append_file(source: Path, target: Path) -> None:
    data = source.read_bytes()
    fd = os.open(target, os.O_RDWR | os.O_APPEND)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        os.write(fd, data if data.endswith(b"\n") else data + b"\n")
    finally:
        os.close(fd)


def _daily_to_days(store: Store, path: Path) -> int:
    written = 0
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            day = record.get("date") if isinstance(record, dict) else None
            problem = sealed_problem(record, day) if isinstance(day, str) else '"date" missing'
        except ValueError:
            problem = "not JSON"
        if problem:
            store.corrupt.keep(path, number, raw, problem)
            continue
        sealed = {"schema": 2, "date": day, "k": record["k"], "changes": {}, "sources": {}}
        sealed["from_schema"] = 1
        try:
            write_atomic(store.days_dir / f"{day}.json", dumps(sealed) + "\n", new=True)
            written += 1
        except FileExistsError:
            pass
    return written


def first_seen(store: Store) -> dict[str, str]:
    """When each node key was first seen, from the sealed days and the raw samples."""
    seen: dict[str, str] = {}
    for day in store.sealed_day_names():
        record = store.sealed(day)
        for key in record["k"] if record else ():
            if key.count("/") == 1:
                seen.setdefault(key, f"{day}T00:00:00Z")
    for day in store.raw_day_names():
        for line in store.read_raw(day):
            for key in line.get("n", {}):
                if key not in seen or line["t"] < seen[key]:
                    seen[key] = line["t"]
    return seen


def rebuild(store: Store) -> dict:
    """A new meta.json for a schema 2 folder whose meta.json is missing or broken."""
    meta = fresh()
    meta["first_seen"] = first_seen(store)
    write(store.directory, meta)
    return meta


def note_latency(store: Store, at: str) -> dict:
    """A pass at `at` measured by `LATENCY_METHOD` in a history whose earlier passes were
    measured another way: record the switch in meta.json and say so once. Returns the
    meta now on disk."""
    with locked(store.directory):
        meta = read(store.directory, store.corrupt) or fresh()
        before = meta.get("latency", OLD_LATENCY_METHOD)
        if before == LATENCY_METHOD:
            return meta
        meta.update(latency=LATENCY_METHOD, latency_before=before, latency_since=at)
        write(store.directory, meta)
    store.warnings.append(
        f"{store.directory / 'meta.json'}: latencies from {at} on are measured from network "
        f"events ({LATENCY_METHOD}); earlier ones ({before}) include the prober's own "
        f"waiting and are not comparable (see docs/probes.md#latency)"
    )
    log.warning(store.warnings[-1])
    return meta
