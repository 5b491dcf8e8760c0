"""`statusgen init`: copy the example page (config, content, workflows) into a folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from statusgen.errors import StatusgenError

# The checkout this package runs from: the repo template holds the example page.
SOURCE_ROOT = Path(__file__).resolve().parent.parent
SCAFFOLD = ("config", ".github/workflows")


def init_project(target: Path, force: bool = False, source: Path = SOURCE_ROOT) -> list[Path]:
    """Copy the example config, content and workflows into `target`; returns the files
    written. Refuses to overwrite an existing config unless `force`."""
    config = target / "config" / "statusgen.toml"
    if config.exists() and not force:
        raise StatusgenError(f"{config}: already exists; use --force to overwrite")
    missing = [name for name in SCAFFOLD if not (source / name).is_dir()]
    if missing:
        raise StatusgenError(
            f"{source}: the example page ({', '.join(missing)}) is not there; "
            "statusgen init runs from a checkout of the statusgen repo (pip install -e .)"
        )
    written: list[Path] = []
    for name in SCAFFOLD:
        for path in sorted((source / name).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                dest = target / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
                written.append(dest)
    for name in ("history", "output"):
        (target / name).mkdir(exist_ok=True)
    gitignore = target / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(".statusgen/\n*.lock\n__pycache__/\n", encoding="utf-8")
        written.append(gitignore)
    return written
