"""A location's passes sent over HTTP: `statusgen probe --location ID --report-to URL`.

    POST /locations/<id>/passes     Authorization: Bearer <that location's token>
    {"shard": "2/4" | null, "pass": <one pass line, as docs/history.md specifies>,
     "replay": true (optional: sent again from the sender's spool)}

The pass is appended, as it came, to that location's (or shard's) own raw history files
through `statusgen.history` (the same append `probe --location` does on its own disk),
then the server runs a pass: with `[[locations]]` that is the merge, which notifies.

Checks, in order: 401 without that location's token (`statusgen token location ID`;
an id that is not in the config's `[[locations]]` is refused alike), 400 for a body
that is not JSON of that shape, a line the history would refuse, a replica the config
does not probe, or a time more than MAX_AHEAD in the future; 413 for a body over
`server.body_limit` (middleware). Success is 200 with
`{"location", "writer", "t"}`.

A replay is answered, not appended: a pass's writer (location and shard) and time are its
idempotency key, so a pass sent again (`"replay": true`: the sender lost the answer and
sends it from its spool) that this writer recorded already (the same time and content)
gets 200 with `"duplicate": true`, and nothing is written or merged again.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from statusgen.clock import parse_iso
from statusgen.history import append_once, open_store, writer_name
from statusgen.server.auth import bearer
from statusgen.server.context import ServerContext
from statusgen.server.reporter import describe
from statusgen.server.tokens import LocationToken

log = logging.getLogger("statusgen.server")

PATH = "/locations/{location}/passes"
MAX_AHEAD = timedelta(minutes=5)  # a sender's clock may run this far ahead of ours
SHARD = re.compile(r"^([1-9][0-9]{0,3})/([1-9][0-9]{0,3})$")


class PassReport(BaseModel):
    """The body: one pass line, the shard it covers (None: the whole location), and
    whether it is sent again (from the sender's spool: it may be here already)."""

    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=True)

    shard: str | None = Field(None, pattern=SHARD.pattern)
    line: dict = Field(alias="pass")
    replay: bool = False


def routes(ctx: ServerContext) -> list[BaseRoute]:
    return [Route(PATH, PassEndpoint(ctx), methods=["POST"])]


def refuse(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status, headers=headers)


class PassEndpoint:
    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.tokens: dict[str, LocationToken] = {}

    def token(self, location: str) -> LocationToken:
        if location not in self.tokens:
            self.tokens[location] = LocationToken(self.ctx.state_dir, location)
        return self.tokens[location]

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        request = Request(scope, receive)
        response = await self.handle(request, request.path_params["location"])
        await response(scope, receive, send)

    async def handle(self, request: Request, location: str) -> Response:
        config = self.ctx.config
        known = location in {loc.id for loc in config.locations}
        candidate = bearer(request.headers.get("authorization"))
        # Only a configured id names a token file: any other path segment is never looked up.
        if not known or not self.token(location).check(candidate):
            return refuse(
                401,
                f"missing or wrong token of location {location!r}: send "
                "'Authorization: Bearer <token>' (statusgen token location ID)",
                {"WWW-Authenticate": "Bearer"},
            )
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return refuse(400, f"expected Content-Type: application/json, got {media or 'none'!r}")
        try:
            body = PassReport.model_validate_json(await request.body())
        except ValidationError as exc:
            return refuse(400, "bad pass report: " + describe(exc))
        problem = self.problem(body)
        if problem:
            return refuse(400, f"bad pass report: pass: {problem}")
        shard = None
        if body.shard:
            number, count = (int(part) for part in body.shard.split("/"))
            shard = (number, count)
        writer = writer_name(location, shard)

        def append() -> list[str] | None:
            store = open_store(config, writer=writer)
            # Only a pass sent again can be here already: a first send skips the check
            # (a read of that writer's day, under the lock).
            if body.replay and not append_once(store, body.line, self.ctx.clock()):
                return None  # this writer recorded this pass already
            if not body.replay:
                store.append(body.line, self.ctx.clock())
            return store.warnings

        try:
            warnings = await self.ctx.run_locked(append)
        except ValueError as exc:  # the history's own check of the line
            return refuse(400, f"bad pass report: pass: {exc}")
        answer = {"location": location, "writer": writer, "t": body.line["t"]}
        if warnings is None:
            return JSONResponse({**answer, "duplicate": True})
        for warning in warnings:
            log.warning("event=location-pass-warning location=%s message=%r", location, warning)
        self.ctx.changed()
        return JSONResponse(answer)

    def problem(self, body: PassReport) -> str | None:
        """What the history's own check does not see: a shard out of range, a replica
        this config does not probe, a time too far ahead."""
        if body.shard:
            number, count = (int(part) for part in body.shard.split("/"))
            if number > count:
                return f"shard {body.shard}: expected K/N with K <= N"
        line = body.line
        t = line.get("t")
        if isinstance(t, str):
            try:
                at = parse_iso(t)
            except ValueError:
                at = None
            if at is not None and at > self.ctx.clock() + MAX_AHEAD:
                return f'"t" {t} is more than 5 minutes ahead of the server\'s clock'
        replicas = line.get("r")
        if isinstance(replicas, dict):
            probed = {
                f"{service.id}/{node.id}/{replica.id or ''}"
                for service, node in self.ctx.config.iter_nodes()
                if node.mode == "poll"
                for replica in node.replicas
            }
            unknown = sorted(set(replicas) - probed)
            if unknown:
                return f"replica {json.dumps(unknown[0])} is not a poll replica of this config"
        return None
