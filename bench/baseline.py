"""Another commit's code for a side-by-side benchmark: `git archive` of the parts asked
for, extracted into a folder (put it first on a child's sys.path to run that code)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def baseline_code(ref: str, into: Path, parts: Sequence[str] = ("statusgen",)) -> Path:
    """The `parts` (paths in the repository) of commit `ref`, extracted into `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, *parts], check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into
