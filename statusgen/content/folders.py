"""Read and validate every content file of a project.

Each folder from `[content]` (relative to the project root) holds one Markdown file per
item; its file name (without `.md`) is the item's id. All files are read even when some
are broken, and every problem is reported as `file:line: what is wrong; expected what`,
so a broken file never hides the others nor half-updates a build.

One file is read by `statusgen.content.reader` (YAML, timeline, pydantic), imported only
when a file is not taken from the build cache (`statusgen.content.cache`): a rebuild whose
content did not change loads neither PyYAML nor the front matter schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.content.cache import ContentCache, active_cache
from statusgen.content.models import Announcement, Content
from statusgen.content.paths import display_name, misnamed_files, named_files
from statusgen.content.render import render_markdown
from statusgen.errors import ContentError


def load_content(config: Config) -> Content:
    """Every incident, announcement and maintenance file, validated; raises one
    ContentError listing every problem of every file."""
    content, problems = read_content(config)
    if problems:
        raise ContentError(problems)
    return content


def check_content(config: Config) -> list[str]:
    """Every problem of every content file (`file:line: message`); empty when all valid.
    No text is rendered (rendering finds no problem), so Markdown is not even loaded."""
    return read_content(config, render=_unrendered)[1]


def _unrendered(text: str) -> str:
    return ""


def read_content(
    config: Config, render: Callable[[str], str] = render_markdown
) -> tuple[Content, list[str]]:
    """All valid items and all problems found, without raising; `render` turns their
    Markdown into HTML."""
    problems: list[str] = []
    folders = config.content
    cache = active_cache(config)
    incidents = _read_folder(config, folders.incidents, "incident", problems, render, cache)
    announcements = _read_folder(
        config, folders.announcements, "announcement", problems, render, cache
    )
    maintenance = _read_folder(config, folders.maintenance, "maintenance", problems, render, cache)
    cache.save()
    return (
        Content(
            incidents=sorted(incidents, key=lambda i: (i.started, i.id), reverse=True),
            announcements=sorted(announcements, key=_announcement_order, reverse=True),
            maintenance=sorted(maintenance, key=lambda m: (m.starts, m.id), reverse=True),
        ),
        problems,
    )


def _announcement_order(item: Announcement) -> tuple[str, str]:
    when = item.starts or item.created
    return (iso(when) if when else "", item.id)


def _read_folder(
    config: Config,
    rel: str,
    kind: str,
    problems: list[str],
    render: Callable[[str], str],
    cache: ContentCache,
) -> list[Any]:
    items = []
    folder = config.resolve(rel)
    for path in misnamed_files(folder):
        problems.append(
            f"{display_name(config, path)}:1: extension {path.suffix!r} is not read; "
            f"expected lowercase '.md' (rename it to {path.stem}.md)"
        )
    for path, name in named_files(config, folder):
        item, found = cache.read(kind, config, path, name, render)
        problems += found
        if item is not None and not found:
            items.append(item)
    return items
