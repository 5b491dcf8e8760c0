"""Shared fixtures: an injectable clock and throwaway projects in tmp_path."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from statusgen.clock import FixedClock

T0 = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)

MINIMAL_CONFIG = """
[page]
name = "Test Status"

[[services]]
id = "web"
name = "Web"

[[services.nodes]]
id = "site"
label = "Site"
replicas = ["http://127.0.0.1:9/"]
"""


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def write_project(root: Path, config_text: str = MINIMAL_CONFIG) -> Path:
    """A project folder with config/statusgen.toml; returns the config path."""
    config_dir = root / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "statusgen.toml"
    path.write_text(textwrap.dedent(config_text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path):
    """Call with config text; get the config path of a fresh project."""
    return lambda text=MINIMAL_CONFIG: write_project(tmp_path, text)
