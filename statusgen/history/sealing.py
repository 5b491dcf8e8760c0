"""Sealing: the one roll-up step, under the history lock, that turns a finished day's raw
passes into its sealed record (`days/<date>.json`, written once), packs old raw days on
the data branch and deletes what aged out. Part of `Store` (a mixin: it works on the
store's files and caches); the format is in docs/history.md."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen.clock import iso
from statusgen.files import locked, write_atomic
from statusgen.history import packed
from statusgen.history.days import sealed_record
from statusgen.history.lines import dumps, sealed_problem
from statusgen.history.locations import combine

if TYPE_CHECKING:
    from statusgen.history.store import Store

    _Base = Store
else:
    _Base = object


class Sealing(_Base):
    """`Store.seal` and `Store.write_sealed_day`."""

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
