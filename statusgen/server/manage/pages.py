"""Status pages: `[[pages]]` of the config, listed, created, changed and deleted over HTTP,
and the public `GET /status/{slug}` document.

A page's id is its `id` key (a uuid4 written when the API creates it); a page written by
hand without one gets a uuid5 of its slug, stable as long as the slug is. `servers` are
service or node ids of the config. Writes go through `statusgen.config_writer`, which
keeps the file's comments and formatting and re-validates it before replacing it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from statusgen.clock import iso
from statusgen.config import SLUG_PATTERN, ExtraPage
from statusgen.config_writer import add_page, remove_page, update_page
from statusgen.server.manage import models as m
from statusgen.server.manage.api import ApiError, ManageApi, Operation, require, validate
from statusgen.server.manage.lookup import (
    NOT_FOUND,
    announcement_path,
    check_servers,
    find_extra,
    page_id,
)
from statusgen.server.manage.write import FileGuard, Written, write


def page_out(page: ExtraPage) -> m.StatusPage:
    return m.StatusPage(
        id=page_id(page),
        slug=page.slug,
        name=page.name,
        description=page.description,
        logo_url=page.logo,
        servers=list(page.services),
        theme=page.theme,
        custom_domain=page.custom_domain,
        enabled=page.enabled,
        created_at=page.created_at,
    )


# --- handlers ---------------------------------------------------------------------------


async def list_pages(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    pages = [page_out(p) for p in api.ctx.config.pages]
    return api.reply(m.StatusPageList, status_pages=pages)


async def create_page(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    require(body, ("slug", "name"), "slug and name are required")
    if isinstance(body["slug"], str) and not re.match(SLUG_PATTERN, body["slug"]):
        raise ApiError(400, "Invalid slug format: lowercase letters, numbers and hyphens only")
    data: m.PageCreate = validate(m.PageCreate, body)
    config = api.ctx.config
    check_servers(config, data.servers)
    fields = {
        "id": str(uuid.uuid4()),
        "slug": data.slug,
        "name": data.name,
        "description": data.description or None,
        "logo": data.logo_url,
        "services": data.servers,
        "theme": data.theme,
        "created_at": iso(api.ctx.clock()),
    }

    def run(guard: FileGuard) -> Written:
        current = api.ctx.config
        if data.slug == current.page.id or any(p.slug == data.slug for p in current.pages):
            raise ApiError(409, "Slug already taken")
        written = add_page(guard.watch(current.path), fields)
        page = next(p for p in written.pages if p.slug == data.slug)
        return Written(page, data.slug, written)

    page = await write(api.ctx, "POST /status-pages", run)
    return api.reply(m.StatusPageReply, 201, status_page=page_out(page))  # type: ignore[arg-type]


async def get_page(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    page = find_extra(api.ctx.config, request.path_params["id"])
    return api.reply(m.StatusPageReply, status_page=page_out(page))


async def patch_page(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    ident = request.path_params["id"]
    find_extra(api.ctx.config, ident)
    data: m.PagePatch = validate(m.PagePatch, body)
    given = data.model_fields_set
    if not given:
        raise ApiError(400, "No fields to update")
    for name in ("name", "servers", "theme", "enabled"):
        if name in given and getattr(data, name) is None:
            raise ApiError(400, f"{name}: must not be null")
    if data.servers is not None:
        check_servers(api.ctx.config, data.servers)
    names = {"logo_url": "logo", "servers": "services"}
    changes = {names.get(k, k): getattr(data, k) for k in given}
    if changes.get("description") == "":
        changes["description"] = None  # the default: keep the file short

    def run(guard: FileGuard) -> Written:
        page = find_extra(api.ctx.config, ident)
        written = update_page(guard.watch(api.ctx.config.path), page.slug, changes)
        return Written(find_extra(written, ident), page.slug, written)

    page = await write(api.ctx, f"PATCH /status-pages/{ident}", run)
    reply = m.StatusPageUpdated
    return api.reply(reply, message="Status page updated", status_page=page_out(page))  # type: ignore[arg-type]


async def delete_page(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:

    ident = request.path_params["id"]
    find_extra(api.ctx.config, ident)

    def run(guard: FileGuard) -> Written:
        config = api.ctx.config
        page = find_extra(config, ident)
        # The page's announcement would name a page that no longer exists.
        notice = announcement_path(config, page.slug)
        if notice.is_file():
            guard.watch(notice).unlink()
        written = remove_page(guard.watch(config.path), page.slug)
        return Written(None, page.slug, written)

    await write(api.ctx, f"DELETE /status-pages/{ident}", run)
    return api.reply(m.Done, message="Status page deleted")


async def public_status(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    """The page's public JSON, byte for byte the static `status/<slug>.json`."""
    slug = request.path_params["slug"].removesuffix(".json")
    path = f"status/{slug}.json"
    document = api.ctx.documents.by_path.get(path)
    config = api.ctx.config
    known = {config.page.id, *(p.slug for p in config.pages if p.enabled)}
    if document is None and slug in known:
        # Not built yet (a page created a moment ago, or no build so far): render now.
        document = (await current_documents(api)).get(path)
    if document is None:
        raise ApiError(404, NOT_FOUND)
    headers = {"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"}
    return Response(document, media_type="application/json; charset=utf-8", headers=headers)


async def current_documents(api: ManageApi) -> dict[str, bytes]:
    """The API documents rendered now, for a server that has not built any yet."""
    from statusgen.server.site import live_documents

    ctx = api.ctx

    def render() -> dict[str, bytes]:
        now = ctx.clock()
        return live_documents(ctx.config, now, ctx.live.statuses(now))

    return await ctx.run_locked(render)


WRITE_ERRORS = (400, 409, 500, 503)
OPERATIONS = [
    Operation("GET", "/status-pages", list_pages, "List status pages", 200, m.StatusPageList),
    Operation(
        "POST", "/status-pages", create_page, "Create a status page", 201, m.StatusPageReply,
        m.PageCreate, errors=WRITE_ERRORS,
    ),
    Operation(
        "GET", "/status-pages/{id}", get_page, "Get a status page", 200, m.StatusPageReply,
        errors=(404,),
    ),
    Operation(
        "PATCH", "/status-pages/{id}", patch_page, "Update a status page", 200,
        m.StatusPageUpdated, m.PagePatch, errors=(404, *WRITE_ERRORS),
    ),
    Operation(
        "DELETE", "/status-pages/{id}", delete_page, "Delete a status page (and its "
        "announcement)", 200, m.Done, errors=(404, 409, 500, 503),
    ),
    Operation(
        "GET", "/status/{slug}", public_status, "A page's public status document (no auth)",
        200, None, auth=False, errors=(404,),
    ),
]  # fmt: skip
