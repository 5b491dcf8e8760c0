"""`statusgen publish DEST`: copy the built site to a folder another server serves (a
web root, a mounted bucket), moving only what changed.

Changed and new files are written first, each atomically (a temporary file renamed over
the old one), assets before pages and the home page last, so a visitor never gets a page
whose style sheet or script is not there yet; files the build no longer makes are removed
after. A symlink in DEST is replaced, never written through.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from statusgen.errors import StatusgenError


@dataclass
class PublishReport:
    copied: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)

    def summary(self, source: Path, dest: Path) -> str:
        return (
            f"published {source} to {dest}: {len(self.copied)} copied, "
            f"{self.unchanged} unchanged, {len(self.removed)} removed"
        )


def publish_site(source: Path, dest: Path, delete: bool = True) -> PublishReport:
    """Make `dest` hold exactly the files of `source` (with `delete`; else leave files
    only `dest` has), writing only the files whose bytes differ."""
    if not (source / "index.html").is_file():
        raise StatusgenError(f"{source}: no built site here; run statusgen build first")
    source, dest = source.resolve(), Path(os.path.abspath(dest))
    if dest == source or source in dest.parents or dest in source.parents:
        raise StatusgenError(f"{dest}: must be outside {source} (and not contain it)")
    files = sorted((p.relative_to(source) for p in source.rglob("*") if p.is_file()), key=_order)
    report = PublishReport()
    for relative in files:
        data = (source / relative).read_bytes()
        target = dest / relative
        _real_dirs(dest, relative.parent)
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            report.unchanged += 1
            continue
        _write(target, data)
        report.copied.append(relative.as_posix())
    if delete:
        report.removed = _remove_extra(dest, {f.as_posix() for f in files})
    return report


def _order(relative: Path) -> tuple[int, str]:
    """Assets first, then pages, the home page last."""
    name = relative.as_posix()
    rank = 2 if name == "index.html" else 1 if relative.suffix == ".html" else 0
    return rank, name


def _real_dirs(dest: Path, folder: Path) -> None:
    current = dest
    for part in (Path(), *folder.parts):
        current = current / part
        if current.is_symlink():
            current.unlink()
        current.mkdir(parents=True, exist_ok=True)


def _write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(tmp, target)  # replaces a symlink itself, never its target
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _remove_extra(dest: Path, keep: set[str]) -> list[str]:
    removed: list[str] = []
    for path in sorted(dest.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        name = path.relative_to(dest).as_posix()
        if path.is_symlink() or path.is_file():
            if name not in keep:
                path.unlink()
                removed.append(name)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sorted(removed)
