"""Where a project's content files are, and how problems name them."""

from __future__ import annotations

import os
from pathlib import Path

from statusgen.config import Config


def content_files(folder: Path) -> list[Path]:
    """The `.md` files of a content folder, by name; hidden and temporary files are not
    content."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.md") if not p.name.startswith(".") and p.is_file())


def misnamed_files(folder: Path) -> list[Path]:
    """Files that look like content but are not read: `.MD`, `.Md`, `.markdown`."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".md", ".markdown") and p.suffix != ".md"
        if not p.name.startswith(".")
    )


def display_name(config: Config, path: Path, root: Path | None = None) -> str:
    """`path` relative to the project root (`root`: that root resolved, when known)."""
    return _relative(path.resolve(), root or config.root.resolve(), path)


def _relative(resolved: Path, root: Path, path: Path) -> str:
    try:
        return str(resolved.relative_to(root))
    except ValueError:
        return str(path)


def named_files(config: Config, folder: Path) -> list[tuple[Path, str]]:
    """`content_files(folder)` with their `display_name`s, resolving the folder once
    rather than every file (a file that is a link is resolved itself)."""
    if not folder.is_dir():
        return []
    root = config.root.resolve()
    resolved = folder.resolve()
    named = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.endswith(".md") and not name.startswith(".") and entry.is_file():
                path = folder / name
                if entry.is_symlink():
                    named.append((path, display_name(config, path, root)))
                else:
                    named.append((path, _relative(resolved / name, root, path)))
    return sorted(named)
