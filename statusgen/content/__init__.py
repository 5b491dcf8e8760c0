"""Incidents, announcements and maintenance: Markdown files with YAML front matter.

Read with `load_content(config)` (or `check_content(config)` for the problems only), write
with the functions of `statusgen.content.writer`, and let `sync_auto_incidents` open and
resolve incidents for dead nodes when `[content] auto_incidents` is on.
"""

from statusgen.content.auto import auto_window, sync_auto_incidents
from statusgen.content.git import commit_files
from statusgen.content.models import (
    Announcement,
    Content,
    Incident,
    Maintenance,
    Update,
    expand_ids,
)
from statusgen.content.reader import check_content, load_content, read_content
from statusgen.content.render import render_markdown, sanitize_html
from statusgen.content.writer import (
    add_update,
    new_announcement,
    new_incident,
    new_maintenance,
    resolve_incident,
)

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
