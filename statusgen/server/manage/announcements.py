"""A page's announcement over HTTP (the internal API's resolve, save and delete routes).

Each page has at most one, kept as `<announcements>/page-<slug>.md` with `page: <slug>`
in its front matter, so the site shows it on that page only. The file is written with the
content writers' `announcement_text` and checked with their reader before it replaces the
old one. `expire_at` is the file's `expires`; a PUT replaces the announcement, so its
`created_at` and `updated_at` are the time of the PUT.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.content import Announcement
from statusgen.content.reader import read_announcement
from statusgen.content.schema import to_utc
from statusgen.content.writer import announcement_text
from statusgen.errors import ContentError
from statusgen.files import write_atomic
from statusgen.server.manage import models as m
from statusgen.server.manage.api import ApiError, ManageApi, Operation, require, validate
from statusgen.server.manage.lookup import announcement_path, find_page
from statusgen.server.manage.write import FileGuard, Written, write

NOT_FOUND = "Announcement not found"


def expire_time(value: str | float | None) -> datetime | None:
    """`expire_at` as ISO 8601 or Unix milliseconds (Crisp), or a 400."""
    if value is None:
        return None
    try:
        if isinstance(value, str):
            if not re.match(m.TIME_PATTERN, value):
                raise ValueError(value)
            return to_utc(value)
        if not m.MS_RANGE[0] <= value <= m.MS_RANGE[1]:
            raise ValueError(value)
        return datetime.fromtimestamp(value / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        raise ApiError(
            400, "expire_at: expected a time like 2026-05-24T18:42:11Z or Unix milliseconds"
        ) from None


def announcement_out(item: Announcement) -> m.AnnouncementOut:
    created = iso(item.created) if item.created else None
    return m.AnnouncementOut(
        title=item.title,
        message=item.message,
        created_at=created,
        updated_at=created,
        expire_at=iso(item.expires) if item.expires else None,
    )


def read_page_announcement(config: Config, slug: str) -> Announcement:
    path = announcement_path(config, slug)
    if not path.is_file():
        raise ApiError(404, NOT_FOUND)
    item, problems = read_announcement(config, path)
    if item is None:
        # Only a hand edit can break a file the API wrote: the client is not at fault.
        raise ApiError(409, "; ".join(problems))
    return item


# --- handlers ---------------------------------------------------------------------------


async def get_announcement(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    page = find_page(api.ctx.config, request.path_params["id"])
    item = read_page_announcement(api.ctx.config, page.slug)
    return api.reply(m.AnnouncementReply, announcement=announcement_out(item))


async def put_announcement(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    page = find_page(api.ctx.config, request.path_params["id"])
    require(body, ("title", "message"), "title and message are required")
    data: m.AnnouncementPut = validate(m.AnnouncementPut, body)
    expires = expire_time(data.expire_at)

    def run(guard: FileGuard) -> Written:
        config = api.ctx.config
        path = guard.watch(announcement_path(config, page.slug))
        text = announcement_text(
            title=data.title,
            message=data.message,
            expires=expires,
            created=api.ctx.clock(),
            page=page.slug,
        )
        item, problems = read_announcement(config, path, text)
        if item is None or problems:
            raise ContentError(problems)
        write_atomic(path, text)
        return Written(read_page_announcement(config, page.slug), data.title)

    item = await write(api.ctx, f"PUT /status-pages/{page.id}/announcement", run)
    reply = m.AnnouncementSaved
    return api.reply(reply, message="Announcement saved", announcement=announcement_out(item))  # type: ignore[arg-type]


async def delete_announcement(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    page = find_page(api.ctx.config, request.path_params["id"])
    read_page_announcement(api.ctx.config, page.slug)

    def run(guard: FileGuard) -> Written:
        item = read_page_announcement(api.ctx.config, page.slug)
        guard.watch(item.path).unlink()
        return Written(None, item.title)

    await write(api.ctx, f"DELETE /status-pages/{page.id}/announcement", run)
    return api.reply(m.Done, message="Announcement deleted")


PATH = "/status-pages/{id}/announcement"
OPERATIONS = [
    Operation(
        "GET", PATH, get_announcement, "A page's announcement", 200, m.AnnouncementReply,
        errors=(404,),
    ),
    Operation(
        "PUT", PATH, put_announcement, "Save a page's announcement", 200,
        m.AnnouncementSaved, m.AnnouncementPut, errors=(400, 404, 409, 500, 503),
    ),
    Operation(
        "DELETE", PATH, delete_announcement, "Delete a page's announcement", 200, m.Done,
        errors=(404, 409, 500, 503),
    ),
]  # fmt: skip
