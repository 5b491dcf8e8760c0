"""`statusgen import FORMAT SOURCE`: a page's config and content from another tool.

One module per format returns an `Imported` (config data, content files, what did not
carry over); `write.apply` checks it as a whole and writes it, never over an existing
file unless forced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from statusgen.config import DEFAULT_CONFIG, Config, load_config
from statusgen.importers.base import Imported, ImportError_
from statusgen.importers.write import Written, apply, env_references

FORMATS = ("upptime", "gatus", "vigil", "cstate", "statuspage")


@dataclass(frozen=True)
class Report:
    imported: Imported
    written: Written


def run_import(
    fmt: str, source: str, root: Path, now: datetime, *, dry_run: bool = False, force: bool = False
) -> Report:
    """Read `source` in format `fmt`, check the result, and write it under `root`."""
    imported = read_source(fmt, source, _existing(root), now)
    notify = (imported.config or {}).get("notify", {})
    if any("${" not in c["url"] for c in notify.get("channels", [])):
        imported.notes.append(
            "channel URLs hold the source's secrets: move them to ${VARIABLES} before "
            "committing the config (docs/configuration.md)"
        )
    return Report(imported, apply(imported, root, now, dry_run=dry_run, force=force))


def read_source(fmt: str, source: str, config: Config | None, now: datetime) -> Imported:
    if fmt == "upptime":
        from statusgen.importers.upptime import import_upptime

        return import_upptime(source, now)
    if fmt == "gatus":
        from statusgen.importers.gatus import import_gatus

        return import_gatus(source, now)
    if fmt == "vigil":
        from statusgen.importers.vigil import import_vigil

        return import_vigil(source)
    if fmt == "cstate":
        from statusgen.importers.cstate import import_cstate

        return import_cstate(source, config, now)
    if fmt == "statuspage":
        from statusgen.importers.statuspage import import_statuspage

        return import_statuspage(source, config)
    raise ImportError_(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def _existing(root: Path) -> Config | None:
    """The page's config, when there is one: content imports match affected names to it."""
    path = root / DEFAULT_CONFIG
    if not path.exists():
        return None
    names = env_references(path.read_text(encoding="utf-8"))
    return load_config(path, env={**dict.fromkeys(names, "placeholder"), **os.environ})


__all__ = ["FORMATS", "ImportError_", "Imported", "Report", "read_source", "run_import"]
