"""Incidents over HTTP: open one on a page, patch it, append updates.

Incidents are the content writers' Markdown files (`statusgen.content.writer`), the same
files `statusgen incident new|update|resolve` write and a person commits; their messages
go through the same Markdown renderer and sanitiser when the site is built. An incident's
id is its file name. statusgen incidents are about services and nodes, not pages: an
incident opened on a page without `affected_servers` is about that page's servers (none
on the main page: the whole page).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.content import Incident
from statusgen.content.reader import SLUG, read_incident
from statusgen.content.writer import (
    add_update,
    folder_lock,
    incident_text,
    new_incident,
)
from statusgen.errors import ContentError
from statusgen.files import write_atomic
from statusgen.server.manage import models as m
from statusgen.server.manage.api import ApiError, ManageApi, Operation, require, validate
from statusgen.server.manage.lookup import PageRef, check_servers, find_page
from statusgen.server.manage.write import FileGuard, Written, write

NOT_FOUND = "Incident not found"


def incident_path(config: Config, ident: str) -> Path:
    """The file of incident `ident`, or 404."""
    path = config.resolve(config.content.incidents) / f"{ident}.md"
    if not SLUG.match(ident) or not path.is_file():
        raise ApiError(404, NOT_FOUND)
    return path


def read_existing(config: Config, path: Path) -> Incident:
    """The incident in `path`; a file a hand edit broke is a 409, not the client's fault."""
    incident, problems = read_incident(config, path)
    if incident is None or problems:
        raise ApiError(409, "; ".join(problems))
    return incident


def incident_out(incident: Incident, page: str) -> m.IncidentOut:
    return m.IncidentOut(
        id=incident.id,
        status_page_id=page,
        title=incident.title,
        status=incident.status,  # type: ignore[arg-type]
        severity=incident.severity,  # type: ignore[arg-type]
        message=incident.message,
        affected_servers=list(incident.affected),
        created_at=iso(incident.started),
        resolved_at=iso(incident.resolved) if incident.resolved else None,
    )


def edit_incident(
    config: Config, path: Path, *, title: str | None, severity: str | None
) -> Incident:
    """Change an incident's title or severity, keeping its timeline as it is."""
    with folder_lock(path.parent):
        incident, problems = read_incident(config, path)
        if incident is None:
            raise ContentError(problems)
        text = incident_text(
            title=title or incident.title,
            severity=severity or incident.severity,
            status=incident.status,
            affected=incident.affected,
            started=incident.started,
            resolved=incident.resolved,
            updates=[(u.at, u.status, u.message) for u in incident.updates],
            auto=incident.auto,
            created=incident.created,
        )
        checked, problems = read_incident(config, path, text)
        if checked is None or problems:
            raise ContentError(problems)
        write_atomic(path, text)
    return checked


# --- handlers ---------------------------------------------------------------------------


async def create_incident(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    page: PageRef = find_page(api.ctx.config, request.path_params["id"])
    require(body, ("title", "message"), "title and message are required")
    data: m.IncidentCreate = validate(m.IncidentCreate, body)
    affected = list(page.servers) if data.affected_servers is None else data.affected_servers
    check_servers(api.ctx.config, affected)

    def run(guard: FileGuard) -> Written:
        incident = new_incident(
            api.ctx.config,
            data.title,
            message=data.message,
            now=api.ctx.clock(),
            severity=data.severity,
            status=data.status,
            affected=affected,
        )
        guard.created(incident.path)
        return Written(incident, data.title)

    label = f"POST /status-pages/{page.id}/incidents"
    incident: Incident = await write(api.ctx, label, run)  # type: ignore[assignment]
    return api.reply(m.IncidentReply, 201, incident=incident_out(incident, page.id))


async def patch_incident(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    ident = request.path_params["id"]
    incident_path(api.ctx.config, ident)
    data: m.IncidentPatch = validate(m.IncidentPatch, body)
    if not {k for k in data.model_fields_set if getattr(data, k) is not None}:
        raise ApiError(400, "No fields to update")

    def run(guard: FileGuard) -> Written:
        config = api.ctx.config
        path = guard.watch(incident_path(config, ident))
        incident = read_existing(config, path)
        if data.status is not None and data.status != incident.status:
            # The file's status is its newest update's: a new status is a new update.
            words = data.status.replace("_", " ")
            add_update(
                config, ident, message=f"Status changed to {words}.", now=api.ctx.clock(),
                status=data.status,
            )  # fmt: skip
        if data.title is not None or data.severity is not None:
            edit_incident(config, path, title=data.title, severity=data.severity)
        return Written(None, data.title or incident.title)

    await write(api.ctx, f"PATCH /status-pages/incidents/{ident}", run)
    return api.reply(m.Done, message="Incident updated")


async def create_update(api: ManageApi, request: Request, body: dict[str, Any]) -> Response:
    ident = request.path_params["id"]
    incident_path(api.ctx.config, ident)
    require(body, ("message",), "message is required")
    data: m.UpdateCreate = validate(m.UpdateCreate, body)

    def run(guard: FileGuard) -> Written:
        config = api.ctx.config
        read_existing(config, guard.watch(incident_path(config, ident)))
        incident = add_update(
            config, ident, message=data.message, now=api.ctx.clock(), status=data.status
        )
        return Written(incident, f"{incident.title}: {incident.updates[0].status}")

    label = f"POST /status-pages/incidents/{ident}/updates"
    incident: Incident = await write(api.ctx, label, run)  # type: ignore[assignment]
    update = incident.updates[0]
    out = m.UpdateOut(
        id=update.id,
        incident_id=incident.id,
        status=update.status,  # type: ignore[arg-type]
        message=update.message,
        created_at=iso(update.at),
    )
    return api.reply(m.UpdateReply, 201, update=out)


WRITE_ERRORS = (400, 404, 409, 500, 503)
OPERATIONS = [
    Operation(
        "POST", "/status-pages/{id}/incidents", create_incident, "Open an incident", 201,
        m.IncidentReply, m.IncidentCreate, errors=WRITE_ERRORS,
    ),
    Operation(
        "PATCH", "/status-pages/incidents/{id}", patch_incident, "Update an incident", 200,
        m.Done, m.IncidentPatch, errors=WRITE_ERRORS,
    ),
    Operation(
        "POST", "/status-pages/incidents/{id}/updates", create_update,
        "Add an update to an incident's timeline", 201, m.UpdateReply, m.UpdateCreate,
        errors=WRITE_ERRORS,
    ),
]  # fmt: skip
