"""The management API: status pages, incidents, updates and announcements over HTTP.

Imports run one way: the route modules (`pages`, `incidents`, `announcements`) use the
framework (`api`), the shared look-ups (`lookup`), the writer (`write`) and the request and
reply models (`models`); none of those imports a route module. This `__init__` gathers the
routes' `OPERATIONS` into the Starlette routes and the OpenAPI document that `create_app`
mounts (`statusgen.server.app.ROUTE_MODULES`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from statusgen.server.context import ServerContext
from statusgen.server.manage import announcements, incidents, pages
from statusgen.server.manage.api import ManageApi, Operation, endpoint
from statusgen.server.manage.openapi import openapi_document

__all__ = ["operations", "routes"]


def operations() -> list[Operation]:
    """Every management operation, in the order the OpenAPI document lists them."""
    return [*pages.OPERATIONS, *incidents.OPERATIONS, *announcements.OPERATIONS]


def routes(ctx: ServerContext) -> list[BaseRoute]:
    """The management routes and `/openapi.json` over one server context."""
    api = ManageApi(ctx)
    ops = operations()
    document = openapi_document(ops, sorted(ctx.config.known_ids()))

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    table = [Route("/openapi.json", openapi, methods=["GET"])]
    table += [Route(op.path, endpoint(api, op), methods=[op.method]) for op in ops]
    return table
