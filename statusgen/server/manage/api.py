"""The management API's framework: errors, the handler context, operations and the
endpoint wrapper every route module uses. Every operation is declared once in a route
module's `OPERATIONS` (method, path, handler, request and reply models); the Starlette routes and
the OpenAPI document at `/openapi.json` are both made from that table.

Every route but `GET /status/{slug}` and `GET /openapi.json` wants
`Authorization: Bearer <management token>` (`statusgen token new --scope manage`).
Errors are JSON `{"error": "...", "timestamp": "..."}` with the seed's messages.
Writes go through `manage.write.write` (one writer at a time, all or nothing, optional
git commit) into the config's `[[pages]]` and the content writers' Markdown files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from statusgen.clock import iso
from statusgen.errors import ConfigError, LockError, StatusgenError
from statusgen.server.auth import ManageTokens, bearer
from statusgen.server.context import ServerContext
from statusgen.server.manage.write import CommitFailed

log = logging.getLogger("statusgen.server")


class ApiError(Exception):
    """A request the management API refuses with `status` and the seed's `message`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class ManageApi:
    """What handlers get: the server context, the token store and reply helpers."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.tokens = ManageTokens(ctx.state_dir)

    def stamp(self) -> str:
        return iso(self.ctx.clock())

    def reply(self, model: type[BaseModel], status: int = 200, **fields: Any) -> JSONResponse:
        """A reply of `model` with `fields` and the top-level `timestamp`."""
        body = model(**fields, timestamp=self.stamp()).model_dump(mode="json")
        return JSONResponse(body, status)

    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        body = {"error": self.ctx.config.redact(message), "timestamp": self.stamp()}
        return JSONResponse(body, status, headers=headers)


Handler = Callable[[ManageApi, Request, dict[str, Any]], Awaitable[Response]]


@dataclass(frozen=True)
class Operation:
    """One route of the API, as served and as documented."""

    method: str
    path: str
    handler: Handler
    summary: str
    status: int  # the success status
    reply: type[BaseModel] | None  # None: any JSON object (the public page document)
    request: type[BaseModel] | None = None
    auth: bool = True
    errors: tuple[int, ...] = ()


def validate(model: type[BaseModel], body: dict[str, Any]) -> Any:
    """`body` as `model`, or a 400 naming each bad field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            # Union members add their own names to `loc`; only field names and list
            # positions mean something to the client. The first error per field is kept.
            where = f"{loc[0]}" + "".join(f"[{p}]" for p in loc[1:] if isinstance(p, int))
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown field"
            problems.setdefault(where if loc else "body", message)
        raise ApiError(400, "; ".join(f"{k}: {v}" for k, v in problems.items())) from None


def require(body: dict[str, Any], fields: tuple[str, ...], message: str) -> None:
    """The seed's 400 when a required field is missing, null or blank."""
    for name in fields:
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ApiError(400, message)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Request body must be JSON") from None
    except RecursionError:
        raise ApiError(400, "Request body nests too deeply") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def authorized(api: ManageApi, request: Request) -> bool:
    """Whether the request carries a valid management token. An unreadable token file is
    the operator's problem: logged with its path, answered 503 without it."""
    try:
        return api.tokens.check(bearer(request.headers.get("authorization")))
    except StatusgenError as exc:
        log.error("event=token-file-unreadable problem=%r", "; ".join(exc.problems))
        raise ApiError(503, "Token store unavailable; see the server log") from None


def endpoint(api: ManageApi, op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        try:
            if op.auth and not authorized(api, request):
                raise ApiError(
                    401, "Missing or invalid bearer token", {"WWW-Authenticate": "Bearer"}
                )
            body = await read_json(request) if op.request is not None else {}
            return await op.handler(api, request, body)
        except ApiError as exc:
            return api.error(exc.status, exc.message, exc.headers)
        except LockError as exc:
            return api.error(503, str(exc))
        except CommitFailed as exc:
            log.error("event=api-commit-failed error=%r", str(exc))
            return api.error(500, f"git commit failed, nothing was changed: {exc}")
        except ConfigError as exc:
            # The request was valid but the config file on disk is not (a hand edit).
            return api.error(409, "; ".join(exc.problems))
        except StatusgenError as exc:
            return api.error(400, "; ".join(exc.problems))

    return call
