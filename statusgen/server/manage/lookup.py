"""Look-ups the management routes share: which page an id names, and where its files are.

Imports none of the route modules, so pages, incidents and announcements can all use it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from statusgen.config import Config, ExtraPage
from statusgen.server.manage.api import ApiError

PAGE_NAMESPACE = uuid.UUID("5b0e7a52-3c64-4f0e-9a51-8f6f1c2d7e01")
NOT_FOUND = "Status page not found"


@dataclass(frozen=True)
class PageRef:
    """A page an incident or announcement can be about: an extra page or the main one."""

    id: str
    slug: str
    servers: tuple[str, ...]
    extra: ExtraPage | None


def page_id(page: ExtraPage) -> str:
    return page.id or str(uuid.uuid5(PAGE_NAMESPACE, page.slug))


def find_extra(config: Config, ident: str) -> ExtraPage:
    """The `[[pages]]` entry with id `ident`, or 404."""
    found = next((p for p in config.pages if page_id(p) == ident), None)
    if found is None:
        raise ApiError(404, NOT_FOUND)
    return found


def find_page(config: Config, ident: str) -> PageRef:
    """An extra page by id, or the main page by its `[page].id`; else 404."""
    if ident == config.page.id:
        return PageRef(ident, ident, (), None)
    page = find_extra(config, ident)
    return PageRef(page_id(page), page.slug, tuple(page.services), page)


def check_servers(config: Config, servers: list[str]) -> None:
    unknown = [s for s in servers if s not in config.known_ids()]
    if unknown:
        known = ", ".join(sorted(config.known_ids())) or "(none configured)"
        raise ApiError(
            400,
            f"Unknown servers: {', '.join(unknown)}; expected service or node ids of the "
            f"config: {known}",
        )


def announcement_path(config: Config, slug: str) -> Path:
    return config.resolve(config.content.announcements) / f"page-{slug}.md"
