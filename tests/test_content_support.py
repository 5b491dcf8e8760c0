"""Shared helpers for the content tests: a project with two services of two nodes."""

from __future__ import annotations

import textwrap
from pathlib import Path

from statusgen.config import Config, load_config
from tests.conftest import write_project

CONTENT_CONFIG = """
[page]
name = "Test Status"

[[services]]
id = "web"
name = "Website"

  [[services.nodes]]
  id = "site"
  label = "Landing page"
  replicas = ["http://127.0.0.1:9/"]

  [[services.nodes]]
  id = "docs"
  label = "Documentation"
  replicas = ["http://127.0.0.1:9/docs"]

[[services]]
id = "api"
name = "API"

  [[services.nodes]]
  id = "rest"
  label = "REST API"
  replicas = ["http://127.0.0.1:9/api"]

  [[services.nodes]]
  id = "db"
  label = "Database"
  replicas = ["tcp://127.0.0.1:9"]
"""

FOLDERS = {
    "incident": "config/incidents",
    "announcement": "config/announcements",
    "maintenance": "config/maintenance",
}


def make_config(root: Path, extra: str = "") -> Config:
    """A project in `root` with services web (site, docs) and api (rest, db)."""
    return load_config(write_project(root, CONTENT_CONFIG + textwrap.dedent(extra)))


def write_item(root: Path, kind: str, name: str, text: str) -> Path:
    """Write a content file (text is dedented) and return its path."""
    path = root / FOLDERS[kind] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path
