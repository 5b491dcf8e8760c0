"""Incidents, announcements and maintenance: Markdown files with YAML front matter.

Read with `load_content(config)` (or `check_content(config)` for the problems only), write
with the functions of `statusgen.content.writer`, and let `sync_auto_incidents` open and
resolve incidents for dead nodes when `[content] auto_incidents` is on.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statusgen.content.auto import auto_window, sync_auto_incidents
    from statusgen.content.folders import check_content, load_content, read_content
    from statusgen.content.git import commit_files
    from statusgen.content.models import (
        Announcement,
        Content,
        Incident,
        Maintenance,
        Update,
        expand_ids,
    )
    from statusgen.content.render import render_markdown, sanitize_html
    from statusgen.content.writer import (
        add_update,
        new_announcement,
        new_incident,
        new_maintenance,
        resolve_incident,
    )

# name -> the module it lives in, imported on first use so that importing one module of
# this package does not load them all (`statusgen --help` and `check` stay light).
_EXPORTS = {
    "auto_window": "auto",
    "sync_auto_incidents": "auto",
    "commit_files": "git",
    "Announcement": "models",
    "Content": "models",
    "Incident": "models",
    "Maintenance": "models",
    "Update": "models",
    "expand_ids": "models",
    "check_content": "folders",
    "load_content": "folders",
    "read_content": "folders",
    "render_markdown": "render",
    "sanitize_html": "render",
    "add_update": "writer",
    "new_announcement": "writer",
    "new_incident": "writer",
    "new_maintenance": "writer",
    "resolve_incident": "writer",
}

__all__ = [
    "Announcement",
    "Content",
    "Incident",
    "Maintenance",
    "Update",
    "add_update",
    "check_content",
    "commit_files",
    "expand_ids",
    "load_content",
    "new_announcement",
    "new_incident",
    "new_maintenance",
    "read_content",
    "render_markdown",
    "resolve_incident",
    "sanitize_html",
    "auto_window",
    "sync_auto_incidents",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
