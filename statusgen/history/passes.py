"""Pass folders: a location's passes carried to another machine (a workflow artifact), in
the history's own layout, and imported into a history.

    <folder>/samples/<writer>/<YYYY-MM-DD>.jsonl    one pass line per pass

`write_pass` writes one (`statusgen probe --location ID --out DIR`); `import_passes`
appends the lines of any number of them to the history (`statusgen data import DIR...`),
each to its writer's own raw files, so no two folders ever touch the same file. A line
the history already holds is not appended again, so importing twice changes nothing
(`append_once`, which the server's location route uses for a replayed report too).

A folder that is damaged (no `samples/`, a file or line that is not a pass line, an
unfinished last line, a writer that is no configured location, a link) is quarantined
whole: its files are copied to the history's `corrupt/imports/<folder>~<hash>/` with a
warning, none of its lines is imported, and the other folders go on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from statusgen.history import packed
from statusgen.history.lines import dumps, pass_problem
from statusgen.history.spool import append_lines
from statusgen.history.store import Store

# A writer folder: a location id, or `<id>.<K>-<N>` for shard K of N.
_WRITER = re.compile(r"^([a-z0-9][a-z0-9_-]*)(?:\.([1-9][0-9]{0,3})-([1-9][0-9]{0,3}))?$")
MAX_FILE = 64 << 20  # a pass of 10,000 replicas is ~0.5 MB


def write_pass(folder: Path, writer: str, line: dict) -> Path:
    """Append one pass line to `folder`'s file of `writer` and its day (the history's
    raw layout); returns that file. ValueError for a line that is not a pass line."""
    problem = pass_problem(line)
    if problem:
        raise ValueError(f"not a pass line: {problem}")
    path = folder / "samples" / writer / f"{line['t'][:10]}{packed.PLAIN}"
    append_lines(path, [(dumps(line) + "\n").encode("utf-8")])
    return path


def holds(store: Store, line: dict) -> bool:
    """Whether `store`'s writer already recorded `line` (the same time and content), in
    its raw files of that day or in its spool. A pass's writer and time are its key."""
    day = line["t"][:10]
    # Lines are written with sorted keys, so a line of that time ends with this: found
    # by one scan of the file, and only those lines are parsed.
    ending = b'"t":"' + line["t"].encode() + b'"}'
    paths = [p for p in store.raw_files(day) if p.parent.name == store.writer]
    if store.spool is not None:
        paths.append(store.spool.path)
    for path in paths:
        try:
            data, _, _ = packed.read_raw_bytes(path)
        except OSError:
            continue
        end = data.find(ending)
        while end >= 0:
            start = data.rfind(b"\n", 0, end) + 1
            if _parse(data[start : end + len(ending)]) == line:
                return True
            end = data.find(ending, end + 1)
    return False


def append_once(store: Store, line: dict, at: datetime) -> bool:
    """Append `line` to `store` unless it holds it already (see `holds`); True when it
    was appended. Callers keep two appends of one writer apart (one process, or a lock)."""
    if holds(store, line):
        return False
    store.append(line, at)
    return True


@dataclass
class ImportReport:
    """What `import_passes` did: lines appended, lines the history already held, the
    folders read, and one warning per quarantined folder (plus the history's own)."""

    appended: int = 0
    already: int = 0
    folders: list[Path] = field(default_factory=list)
    quarantined: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def pass_folders(paths: Iterable[Path]) -> list[Path]:
    """The pass folders in `paths`: each path that holds `samples/`, else each of its
    sub-folders (a download of several artifacts, one folder each). A sub-folder without
    `samples/` is returned too: it is what a damaged artifact looks like."""
    found: list[Path] = []
    for path in paths:
        if (path / "samples").exists():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.is_dir() or p.is_symlink()))
    return found


def import_passes(
    open_writer: Callable[[str], Store],
    paths: Iterable[Path],
    locations: set[str],
    at: datetime,
    corrupt: Path,
) -> ImportReport:
    """Append the pass lines of the pass folders in `paths` (see `pass_folders`) to the
    history, each through `open_writer(writer)` (a Store of that writer); only writers of
    `locations` are taken. A damaged folder is copied under `corrupt` instead."""
    report = ImportReport()
    stores: dict[str, Store] = {}
    for folder in pass_folders(paths):
        report.folders.append(folder)
        try:
            lines = read_folder(folder, locations)
        except ValueError as problem:
            report.warnings.append(quarantine(folder, str(problem), corrupt))
            report.quarantined.append(folder)
            continue
        for writer, line in lines:
            store = stores.get(writer) or stores.setdefault(writer, open_writer(writer))
            if append_once(store, line, at):
                report.appended += 1
            else:
                report.already += 1
    for store in stores.values():
        report.warnings.extend(w for w in store.warnings if w not in report.warnings)
    return report


def read_folder(folder: Path, locations: set[str]) -> list[tuple[str, dict]]:
    """Every (writer, pass line) of one pass folder, oldest first; ValueError naming the
    file (and line) at the first thing wrong."""
    samples = folder / "samples"
    if folder.is_symlink() or samples.is_symlink() or not samples.is_dir():
        raise ValueError(f"{folder}: not a pass folder: expected samples/<writer>/<day>.jsonl")
    out: list[tuple[str, dict]] = []
    for entry in sorted(samples.rglob("*")):
        relative = entry.relative_to(samples)
        if entry.is_symlink():
            raise ValueError(f"{entry}: a link; expected plain files")
        if entry.is_dir():
            if len(relative.parts) > 1:
                raise ValueError(f"{entry}: expected samples/<writer>/<day>.jsonl")
            continue
        if len(relative.parts) != 2 or not entry.name.endswith(packed.PLAIN):
            raise ValueError(f"{entry}: expected samples/<writer>/<day>.jsonl")
        writer, day = relative.parts[0], packed.day_of(entry)
        match = _WRITER.match(writer)
        if match is None or match.group(1) not in locations:
            raise ValueError(f"{entry}: {writer!r} is not a writer of a configured location")
        if match.group(2) and int(match.group(2)) > int(match.group(3)):
            raise ValueError(f"{entry}: {writer!r}: a shard K-N needs K <= N")
        if not packed.is_day(day):
            raise ValueError(f"{entry}: expected a file named like 2026-11-23.jsonl")
        out.extend((writer, line) for line in _read_lines(entry, day))
    return sorted(out, key=lambda item: item[1]["t"])


def _read_lines(path: Path, day: str) -> list[dict]:
    if path.stat().st_size > MAX_FILE:
        raise ValueError(f"{path}: larger than {MAX_FILE >> 20} MB")
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        raise ValueError(f"{path}: an unfinished last line (the job stopped while writing?)")
    lines = []
    for number, raw in enumerate(data.splitlines(), start=1):
        line = _parse(raw)
        problem = "not JSON" if line is None else pass_problem(line, day)
        if problem:
            raise ValueError(f"{path}: line {number}: {problem}")
        lines.append(line)
    return lines


def _parse(raw: bytes) -> dict | None:
    try:
        line = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return None
    return line if isinstance(line, dict) else None


def quarantine(folder: Path, problem: str, corrupt: Path) -> str:
    """Copy `folder`'s regular files (never through a link) to `corrupt/<name>~<hash>/`;
    returns the warning to show."""
    files = (
        []
        if folder.is_symlink()
        else sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes()[:MAX_FILE])
    aside = corrupt / f"{folder.name}~{digest.hexdigest()[:12]}"
    kept = "nothing to copy"
    if files:
        try:
            for path in files:
                target = aside / path.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes()[:MAX_FILE])
            kept = f"copied to {aside}"
        except OSError as error:
            kept = f"not copied: {error}"
    return f"{problem}; the folder is quarantined, none of its passes imported ({kept})"
