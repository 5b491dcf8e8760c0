"""Vigil's reporter routes, so existing Vigil reporters work by changing URL and token.

    POST   /reporter/<service>/<node>/            a push `load` or a local `health` report
    DELETE /reporter/<service>/<node>/<replica>/  flush one replica
    GET    /reporter/<service>/<node>/            list the node's live replicas (seeds)
    DELETE /reporter/<service>/<node>/            flush every replica of the node (seeds)

The trailing slash is optional and each segment is URL-decoded on its own (a local
replica named by its URL arrives as one `%2F`-encoded segment). Authentication is HTTP
Basic where only the password, the reporter token, counts. Checks run in Vigil's order:
401 without (or with unreadable) credentials, 403 with a wrong token, 400 for a body that
is not a valid report, 404 for an unknown service, node or replica, 412 when the report
does not fit the node's mode. Success is 200 with an empty body. Beyond Vigil: 413 for a
body over `server.body_limit` (middleware) and 429 when a node is full of live replicas.
"""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from statusgen.clock import iso
from statusgen.config import Node
from statusgen.server.context import ServerContext
from statusgen.server.live import (
    LiveMode,
    LiveReplica,
    NodeFull,
    judge,
    match_configured,
    replica_id,
    replica_label,
)
from statusgen.status import Status

log = logging.getLogger("statusgen.server")

PREFIX = b"/reporter/"
REALM = 'Basic realm="Reporter Token"'


class Load(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    cpu: float = Field(ge=0, allow_inf_nan=False, description="1-min load average / cores")
    ram: float = Field(ge=0, allow_inf_nan=False, description="used RAM ratio")


class Report(BaseModel):
    """A reporter's body. Unknown keys are ignored, as Vigil's server does."""

    model_config = ConfigDict(strict=True, extra="ignore")

    replica: str = Field(min_length=1, max_length=256)
    interval: float = Field(ge=0, le=86400, allow_inf_nan=False)
    load: Load | None = None
    health: Status | None = None

    @field_validator("replica")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            raise ValueError("must not contain control characters")
        return value


class Refusal(Exception):
    """A request the reporter API refuses with `status` and a one-line `message`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def routes(ctx: ServerContext) -> list[BaseRoute]:
    """The reporter routes over one server context."""
    return [Route("/reporter/{rest:path}", ReporterEndpoint(ctx))]


class ReporterEndpoint:
    """An ASGI endpoint, so that every method reaches `dispatch` (which answers 405
    itself) instead of falling through to the static files."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await dispatch(self.ctx, Request(scope, receive))
        except Refusal as refusal:
            response = PlainTextResponse(
                refusal.message + "\n", refusal.status, headers=refusal.headers
            )
        await response(scope, receive, send)


async def dispatch(ctx: ServerContext, request: Request) -> Response:
    segments = path_segments(request.scope)
    method = request.method
    if len(segments) == 2 and method in ("POST", "GET", "DELETE"):
        authenticate(ctx, request.headers.get("authorization"))
        if method == "POST":
            return await report(ctx, request, *segments)
        if method == "GET":
            return list_replicas(ctx, *segments)
        return flush_node(ctx, *segments)
    if len(segments) == 3 and method == "DELETE":
        authenticate(ctx, request.headers.get("authorization"))
        return flush_replica(ctx, *segments)
    if len(segments) in (2, 3):
        allow = "GET, POST, DELETE" if len(segments) == 2 else "DELETE"
        raise Refusal(405, f"method {method} not allowed here", {"Allow": allow})
    raise Refusal(404, "not found: expected /reporter/<service>/<node>/[<replica>/]")


def path_segments(scope: dict) -> list[str]:
    """The URL-decoded segments after /reporter/, one optional trailing slash dropped.
    Split before decoding so an encoded `/` stays inside its segment."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    raw = raw.split(b"?", 1)[0]
    if not raw.startswith(PREFIX):
        return []
    parts = raw[len(PREFIX) :].split(b"/")
    if parts and parts[-1] == b"":
        parts.pop()
    if not parts or any(part == b"" for part in parts):
        return []
    try:
        return [unquote(part.decode("ascii"), errors="strict") for part in parts]
    except (UnicodeDecodeError, UnicodeError):
        return []


def basic_password(header: str | None) -> str | None:
    """The password of an HTTP Basic Authorization header (user ignored), or None when
    there is no readable Basic header."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return decoded.partition(":")[2]


def authenticate(ctx: ServerContext, header: str | None) -> None:
    password = basic_password(header)
    if password is None:
        raise Refusal(
            401,
            "missing reporter token: use HTTP Basic auth with the token as password",
            {"WWW-Authenticate": REALM},
        )
    if not ctx.token.check(password):
        raise Refusal(403, "wrong reporter token")


def find_node(ctx: ServerContext, service: str, node: str) -> Node:
    if not any(s.id == service for s in ctx.config.services):
        raise Refusal(404, f"unknown service {service!r}")
    found = ctx.config.find_node(service, node)
    if found is None:
        raise Refusal(404, f"unknown node {node!r} in service {service!r}")
    return found


async def report(ctx: ServerContext, request: Request, service: str, node_id: str) -> Response:
    body = parse_report(request.headers.get("content-type", ""), await request.body())
    node = find_node(ctx, service, node_id)
    now = ctx.clock()
    kind = "load" if body.load is not None else "health"
    wanted: LiveMode = "push" if kind == "load" else "local"
    if node.mode != wanted:
        raise Refusal(
            412, f"{service}/{node_id} is a {node.mode} node; {kind} reports go to {wanted} nodes"
        )
    match = match_configured(node, body.replica) if wanted == "local" else None
    rid, label = match or public_name(body.replica)
    replica = LiveReplica(
        service=service,
        node=node_id,
        id=rid,
        label=label,
        mode=wanted,
        interval=body.interval,
        last_report=now,
        cpu=body.load.cpu if body.load else None,
        ram=body.load.ram if body.load else None,
        health=None if body.load else body.health,
    )
    configured = match is not None
    try:
        changed = ctx.live.record(replica, now, configured=configured)
    except NodeFull as full:
        raise Refusal(429, str(full)) from None
    if changed:
        ctx.changed()
    return Response(status_code=200)


def public_name(reported: str) -> tuple[str, str]:
    """(id, label) of a replica known only by its report. Both come from the public label,
    so credentials in a reported URL reach neither the history nor the page."""
    label = replica_label(reported)
    return replica_id(label), label


def parse_report(content_type: str, body: bytes) -> Report:
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise Refusal(400, f"expected Content-Type: application/json, got {media or 'none'!r}")
    try:
        parsed = Report.model_validate_json(body)
    except ValidationError as exc:
        raise Refusal(400, "bad report: " + describe(exc)) from None
    if parsed.load is None and parsed.health is None:
        raise Refusal(400, "bad report: expected `load` (push nodes) or `health` (local nodes)")
    return parsed


def describe(exc: ValidationError) -> str:
    """Pydantic errors as `body.key: message; ...` with no input echoed back."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in ("body", *error["loc"]))
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def live_node(ctx: ServerContext, service: str, node_id: str) -> Node:
    node = find_node(ctx, service, node_id)
    if node.mode not in ("push", "local"):
        raise Refusal(412, f"{service}/{node_id} is a {node.mode} node: no reported replicas")
    return node


def flush_replica(ctx: ServerContext, service: str, node_id: str, reported: str) -> Response:
    node = live_node(ctx, service, node_id)
    match = match_configured(node, reported) if node.mode == "local" else None
    candidates = [match[0]] if match else [reported, public_name(reported)[0]]
    if not any(ctx.live.flush(service, node_id, rid) for rid in dict.fromkeys(candidates)):
        raise Refusal(404, f"unknown replica {reported!r} in {service}/{node_id}")
    ctx.changed()
    return Response(status_code=200)


def flush_node(ctx: ServerContext, service: str, node_id: str) -> Response:
    live_node(ctx, service, node_id)
    count = ctx.live.flush_node(service, node_id)
    if count:
        ctx.changed()
    return JSONResponse({"error": False, "reason": "deleted", "data": {"flushed": count}})


def list_replicas(ctx: ServerContext, service: str, node_id: str) -> Response:
    live_node(ctx, service, node_id)
    now = ctx.clock()
    metrics = ctx.config.find_node(service, node_id).metrics(ctx.config.metrics)  # type: ignore[union-attr]
    rows = []
    for replica in ctx.live.replicas(service, node_id):
        status, reason = judge(replica, metrics, now)
        rows.append(
            {
                "id": replica.id,
                "label": replica.label,
                "status": status.value,
                "reason": reason,
                "interval": replica.interval,
                "last_report": iso(replica.last_report),
                "cpu": replica.cpu,
                "ram": replica.ram,
            }
        )
    return JSONResponse(
        {
            "error": False,
            "reason": "resolved",
            "data": [row["status"] for row in rows],
            "replicas": rows,
        }
    )
