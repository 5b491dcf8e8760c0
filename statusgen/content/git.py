"""`--commit`: record written content files in git with a clear message."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from statusgen.errors import StatusgenError


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )


def commit_files(root: Path, paths: Sequence[Path], message: str) -> str:
    """Commit exactly `paths` (nothing else that happens to be staged) in the repository
    holding `root`; returns the new commit's short hash."""
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
    except FileNotFoundError:
        raise StatusgenError(
            "--commit: git is not installed; install it or leave out --commit"
        ) from None
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise StatusgenError(
            f"--commit: {root} is not in a git repository; "
            "expected a project under git (run `git init`) or no --commit"
        )
    names = [str(Path(p).resolve()) for p in paths]
    for args in (("add", "--", *names), ("commit", "--quiet", "-m", message, "--", *names)):
        done = _git(root, *args)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise StatusgenError(
                f"--commit: git {args[0]} failed: {' '.join(detail[-3:]) or 'no output'}"
            )
    return _git(root, "rev-parse", "--short", "HEAD").stdout.strip()
