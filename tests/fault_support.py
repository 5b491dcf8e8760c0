"""Shared by the config and content fault suites: a valid template project with a
history and a built site, a CLI runner inside a project, and a byte snapshot of the
folders a failed command must not touch."""

from __future__ import annotations

import hashlib
import os
from contextlib import chdir
from pathlib import Path

from click.testing import CliRunner, Result

from statusgen.cli import main

FAULTS = Path(__file__).parent / "faults"
WATCHED = ("output", "history")


def template_project(root: Path) -> Path:
    """A valid project (tests/faults/base.toml, one incident) that has been probed once
    and built."""
    (root / "config" / "incidents").mkdir(parents=True)
    (root / "config" / "statusgen.toml").write_text((FAULTS / "base.toml").read_text())
    (root / "config" / "incidents" / "2026-11-20-slow-api.md").write_text(
        "---\ntitle: Slow API\naffected: [rest]\n---\n\n"
        "## 2026-11-20T10:00:00Z — resolved\n\nBack to normal.\n",
        encoding="utf-8",
    )
    for command in (["probe", "--no-notify"], ["build"]):
        result = run_cli(root, command)
        assert result.exit_code == 0, result.output
    assert (root / "output" / "index.html").is_file()
    assert any((root / "history").rglob("*.jsonl"))
    return root


def run_cli(root: Path, args: list[str], env: dict[str, str] | None = None) -> Result:
    """`statusgen ARGS` run in-process from the project folder."""
    with chdir(root):
        return CliRunner().invoke(main, args, env=env or {}, catch_exceptions=False)


def snapshot(root: Path) -> dict[str, str]:
    """Relative path -> sha256 (or link target) of everything under the watched folders."""
    out: dict[str, str] = {}
    for name in WATCHED:
        for base, dirs, files in os.walk(root / name):
            for entry in sorted(dirs + files):
                path = Path(base, entry)
                rel = str(path.relative_to(root))
                if path.is_symlink():
                    out[rel] = "-> " + os.readlink(path)
                elif path.is_file():
                    out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    out[rel] = "dir"
    return out
