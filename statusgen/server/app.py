"""The live server's ASGI app: `create_app(config, clock)` for uvicorn.

What it serves, in route order:

1. route modules, each a `routes(ctx) -> list[BaseRoute]` over one ServerContext:
   `statusgen.server.reporter` (Vigil's reporter routes), `statusgen.server.locations`
   (a location's passes sent by `probe --report-to`) and, when it is installed,
   `statusgen.server.manage` (the management API). `ROUTE_MODULES` is the extension
   point: a new module is one more name there;
2. the rest of `output/` from disk (`index.html` for folders, `404.html` when missing).

Before any route, every static API document (`api/v1/status.json`, `status/<slug>.json`,
`status/text`, `api/v2/*`, badges ...) is answered from memory, as produced by the last
rebuild with the same code that wrote the files, so the static and the live API never
disagree (and a route pattern never shadows a document).

Middleware logs one structured line per request, caps request bodies at
`server.body_limit` (413) and turns any bug into a bare 500 with no stack trace.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import mimetypes
import os
import time
from collections.abc import AsyncIterator, Sequence
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statusgen.clock import Clock, system_clock
from statusgen.config import Config
from statusgen.probes import ClientFactory
from statusgen.server.context import ServerContext
from statusgen.server.http import SecurityHeaders, allowed_methods, escape_field
from statusgen.server.live import LiveState
from statusgen.server.scheduler import Builder, Scheduler, notify_and_sync
from statusgen.server.tokens import ReporterToken, state_dir
from statusgen.site.badges import vigil_badge_path
from statusgen.site.csp import content_security_policy

log = logging.getLogger("statusgen.server")
access_log = logging.getLogger("statusgen.server.access")

ROUTE_MODULES = (
    "statusgen.server.reporter",
    "statusgen.server.locations",
    "statusgen.server.manage",
)
DEFAULT = object()


def create_app(
    config: Config,
    clock: Clock = system_clock,
    *,
    schedule: bool = True,
    builder: Builder | None | object = DEFAULT,
    client_factory: ClientFactory | None = None,
    notify: bool = True,
    route_modules: Sequence[str] = ROUTE_MODULES,
) -> Starlette:
    """The app for one project. With `schedule` on, its lifespan runs the Scheduler (poll
    nodes, passes, notifications, debounced rebuilds); `builder` defaults to the site
    build (None: never build). `app.state.ctx` is the ServerContext and
    `app.state.scheduler` the Scheduler (None when `schedule` is off)."""
    directory = state_dir(config)
    live = LiveState(config, started=clock())
    for warning in live.load(directory):
        log.warning("event=live-state-warning message=%r", warning)
    ctx = ServerContext(config, clock, live, ReporterToken(directory), directory)
    scheduler = None
    if schedule:
        scheduler = Scheduler(
            ctx,
            builder=site_builder if builder is DEFAULT else builder,  # type: ignore[arg-type]
            client_factory=client_factory,
            after_pass=notify_and_sync if notify else None,
        )
        ctx.on_change = scheduler.request_pass
        ctx.on_rebuild = scheduler.request_rebuild

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if scheduler is not None:
            await scheduler.start()
        log.info("event=start state_dir=%s replicas=%d", directory, live.count())
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()
            else:
                live.save(directory)
            log.info("event=stop")

    routes: list[BaseRoute] = []
    for name in route_modules:
        routes += module_routes(name, ctx)
    routes.append(Mount("/", app=OutputFiles(ctx, list(routes))))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(AccessLog),
            Middleware(SecurityHeaders, policy=content_security_policy(config.page.include_html)),
            Middleware(BodyLimit, limit=config.server.body_limit),
            Middleware(LiveDocuments, ctx=ctx),
        ],
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.scheduler = scheduler
    return app


def module_routes(name: str, ctx: ServerContext) -> list[BaseRoute]:
    """`routes(ctx)` of a route module; a module that is not installed adds nothing."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return []
        raise
    return list(module.routes(ctx))


def site_builder(config: Config, now, live) -> dict[str, bytes]:  # noqa: ANN001
    """Build `output/` and return its API documents, both from one snapshot."""
    from statusgen.server.site import build_with_documents

    return build_with_documents(config, now, live)


class LiveDocuments:
    """Answer GET/HEAD for a rebuilt API document from memory, before any route: a
    document path (`status/text`, `status/<slug>.json`) wins over a route pattern that
    happens to match it (the management API's `/status/{slug}`)."""

    def __init__(self, app: ASGIApp, ctx: ServerContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            relative = scope["path"].lstrip("/")
            body = self.ctx.documents.by_path.get(relative)
            if body is None and (alias := vigil_badge_path(relative)):
                # Vigil's extension-less /badge/<kind>, live only: a static host cannot
                # give a file without an extension the SVG type.
                body, relative = self.ctx.documents.by_path.get(alias), alias
            if body is not None:
                response = Response(
                    body if scope["method"] == "GET" else b"",
                    media_type=media_type(relative),
                    headers={
                        "Cache-Control": "no-cache",
                        "Access-Control-Allow-Origin": "*",
                        "Content-Length": str(len(body)),
                    },
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class OutputFiles:
    """`output/` from disk, or a plain 404 before the first build.

    `output` is a symlink the build flips to each new version (statusgen.site.output):
    it is resolved once per request, so every file of one response (the page, or the
    404 page when it is missing) comes from one version, which the next build keeps."""

    def __init__(self, ctx: ServerContext, routes: list[BaseRoute]) -> None:
        self.ctx = ctx
        self.routes = routes  # the routes before this catch-all: for 405's Allow
        self._static: tuple[str, ASGIApp] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        methods = allowed_methods(self.routes, scope)
        if not methods and scope["method"] not in ("GET", "HEAD"):
            methods = {"GET", "HEAD"}
        if methods:
            allow = ", ".join(sorted(methods))
            response = PlainTextResponse("method not allowed\n", 405, headers={"Allow": allow})
            await response(scope, receive, send)
            return
        root = os.path.realpath(self.ctx.config.output_dir)
        if not os.path.isdir(root):
            await PlainTextResponse("not built yet\n", 404)(scope, receive, send)
            return
        folder = folder_without_slash(root, scope["path"])
        if folder is not None:
            # Relative, so the Host header (which the client chose) is never echoed.
            query = scope.get("query_string", b"").decode("latin-1")
            location = folder + "/" + (f"?{query}" if query else "")
            await RedirectResponse(location, 307)(scope, receive, send)
            return
        if self._static is None or self._static[0] != root:
            self._static = (root, StaticFiles(directory=root, html=True, check_dir=False))
        await self._static[1](scope, receive, send)


def folder_without_slash(root: str, path: str) -> str | None:
    """For `/nodes` naming a folder with an index.html below `root`: its last segment
    (`nodes`), the relative redirect target without the slash; else None."""
    if path.endswith("/"):
        return None
    full = os.path.realpath(os.path.join(root, path.lstrip("/")))
    if os.path.commonpath([full, root]) != root or full == root:
        return None
    if not os.path.isfile(os.path.join(full, "index.html")):
        return None
    return quote(path.rsplit("/", 1)[-1])


def media_type(path: str) -> str:
    """The Content-Type of an API document, as a static host would guess it."""
    guessed, _ = mimetypes.guess_type(path)
    if guessed is None:
        return "text/plain; charset=utf-8"
    if guessed.startswith("text/") or guessed == "application/json":
        return f"{guessed}; charset=utf-8"
    return guessed


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, whether announced by
    Content-Length or streamed in chunks."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body over {self.limit} bytes (server.body_limit)\n"
        await PlainTextResponse(message, 413, headers={"Connection": "close"})(scope, receive, send)


class BodyTooLarge(Exception):
    pass


class AccessLog:
    """One line per request: method, path, status, duration, response size, client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500
        size = 0

        async def observed(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client") or ("-", 0)
                access_log.info(
                    "method=%s path=%s status=%d ms=%.1f bytes=%d client=%s",
                    escape_field(scope["method"]),
                    escape_field(scope["path"]),
                    status,
                    (time.perf_counter() - began) * 1000,
                    size,
                    escape_field(str(client[0])),
                )
