"""Writing an import: checked in a scratch folder first, then written, never over an
existing file unless forced."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tomlkit

from statusgen.config import DEFAULT_CONFIG, Config, load_config
from statusgen.content import check_content
from statusgen.errors import ConfigError
from statusgen.files import write_atomic
from statusgen.history import open_store
from statusgen.importers.base import Imported, ImportError_
from statusgen.notify.channels import validate_channels
from statusgen.site.problems import site_problems

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Written:
    paths: list[Path]  # written, or to be written on a dry run
    env: list[str]  # environment variables the config reads
    days: int = 0  # history days written (or to be written)
    days_kept: int = 0  # history days left as they were (already sealed)


def apply(
    imported: Imported,
    root: Path,
    now: datetime,
    *,
    dry_run: bool = False,
    force: bool = False,
) -> Written:
    """Check the import as a whole (config loads, content reads, `statusgen check` would
    pass) in a scratch copy, then write it under `root` unless `dry_run`. Raises
    ImportError_ naming every file that exists when `force` is not given."""
    config_path = root / DEFAULT_CONFIG
    config_text = _toml(imported) if imported.config is not None else None
    if config_text is None and not config_path.exists():
        raise ImportError_(
            f"{config_path}: no config to add the imported content to; run `statusgen init` "
            "first, or import a monitor's config (gatus, upptime, vigil)"
        )
    env_names = env_references(config_text or config_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="statusgen-import-") as tmp:
        scratch = Path(tmp)
        (scratch / DEFAULT_CONFIG).parent.mkdir(parents=True)
        if config_text is None:
            shutil.copyfile(config_path, scratch / DEFAULT_CONFIG)
        else:
            (scratch / DEFAULT_CONFIG).write_text(config_text, encoding="utf-8")
        config = _load(scratch / DEFAULT_CONFIG, env_names)
        targets = _targets(imported, config, root, scratch)
        for target, text in targets.items():
            scratch_path = scratch / target.relative_to(root)
            scratch_path.parent.mkdir(parents=True, exist_ok=True)
            scratch_path.write_text(text, encoding="utf-8")
        problems = check_content(config) + site_problems(config)
        if not env_names:  # a channel URL made of unset variables cannot be checked here
            problems += validate_channels(config)
        if problems:
            raise ImportError_([f"import {imported_name(p)}" for p in problems])
    if config_text is not None:
        targets = {config_path: config_text, **targets}
    existing = [path for path in targets if path.exists()]
    if existing and not force:
        raise ImportError_([f"{p}: already exists; use --force to overwrite" for p in existing])
    if not dry_run:
        for path, text in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
    written, kept = _days(imported, config_path, env_names, now, dry_run)
    return Written(list(targets), env_names, written, kept)


def _days(
    imported: Imported, config_path: Path, env: list[str], now: datetime, dry_run: bool
) -> tuple[int, int]:
    """Seal the imported past days in the page's history; a day already sealed is kept
    as it is (a sealed day is never written again)."""
    if not imported.days:
        return 0, 0
    if dry_run and not config_path.exists():
        return len(imported.days), 0
    store = open_store(_load(config_path, env))
    sealed = set(store.sealed_day_names()) if store.days_dir.exists() else set()
    fresh = {day: rows for day, rows in sorted(imported.days.items()) if day not in sealed}
    if not dry_run:
        for day, rows in fresh.items():
            store.write_sealed_day(day, rows, now)
    return len(fresh), len(imported.days) - len(fresh)


def env_references(toml_text: str) -> list[str]:
    """The `${NAME}` variables a config's values read (comments do not count)."""
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError:
        return []
    return sorted(set(_ENV_REF.findall(json.dumps(data))))


def imported_name(problem: str) -> str:
    """A problem found in the scratch copy, named by the file's place in the page."""
    return re.sub(r"^/\S*?/statusgen-import-[^/]+/", "", problem)


def _toml(imported: Imported) -> str:
    header = "# Imported by `statusgen import`; every key is documented in docs/configuration.md.\n"
    return header + tomlkit.dumps(imported.config)


def _load(path: Path, env_names: list[str]) -> Config:
    # A variable that is not set here may be set where the page runs: check the shape.
    env = {**{name: "placeholder" for name in env_names}, **os.environ}
    try:
        return load_config(path, env=env)
    except ConfigError as exc:
        raise ConfigError([f"import {imported_name(p)}" for p in exc.problems]) from None


def _targets(imported: Imported, config: Config, root: Path, scratch: Path) -> dict[Path, str]:
    folders = {
        "incidents": config.content.incidents,
        "maintenance": config.content.maintenance,
        "announcements": config.content.announcements,
    }
    out: dict[Path, str] = {}
    for kind, name, text in imported.files:
        out[root / folders[kind] / name] = text
    return out
