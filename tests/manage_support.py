"""Helpers for the management API tests: a project, a token, and a small synchronous
client that drives the ASGI app in-process through httpx.ASGITransport."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from statusgen.clock import Clock
from statusgen.config import Config, load_config
from statusgen.server.app import create_app
from statusgen.server.auth import ManageTokens
from tests.conftest import write_project

MANAGE_ONLY = ("statusgen.server.manage",)

MANAGE_CONFIG = """
# The page for the management API tests. This comment must survive API writes.
[page]
id = "main"
name = "Test Status"

[server]
rebuild_debounce = 0

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  replicas = ["tcp://127.0.0.1:9"]   # nothing listens here

[[services]]
id = "api"
name = "API"

  [[services.nodes]]
  id = "rest"
  label = "REST"
  replicas = ["tcp://127.0.0.1:9"]
"""


def make_project(root: Path, text: str = MANAGE_CONFIG) -> Config:
    return load_config(write_project(root, text))


def new_token(config: Config, clock: Clock) -> str:
    return ManageTokens.of(config).new("manage", clock())[1]


def make_app(config: Config, clock: Clock, **kwargs: Any) -> Starlette:
    kwargs.setdefault("schedule", False)
    kwargs.setdefault("builder", None)
    kwargs.setdefault("route_modules", MANAGE_ONLY)
    return create_app(config, clock, **kwargs)


class Client:
    """Synchronous requests to an ASGI app, with a bearer token unless told otherwise."""

    def __init__(self, app: Starlette, token: str | None) -> None:
        self.app = app
        self.token = token

    @property
    def config(self) -> Config:
        """The running server's config (pages written by the API included)."""
        return self.app.state.ctx.config

    def request(
        self, method: str, url: str, *, token: str | None | bool = True, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        bearer = self.token if token is True else token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, url, headers=headers, **kwargs)

        return asyncio.run(go())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def create_page(self, slug: str = "acme", **fields: Any) -> dict[str, Any]:
        body = {"slug": slug, "name": f"{slug.title()} Status", **fields}
        response = self.post("/status-pages", json=body)
        assert response.status_code == 201, response.text
        return response.json()["status_page"]

    def open_incident(self, page_id: str, **fields: Any) -> dict[str, Any]:
        body = {"title": "API latency elevated", "message": "Investigating.", **fields}
        response = self.post(f"/status-pages/{page_id}/incidents", json=body)
        assert response.status_code == 201, response.text
        return response.json()["incident"]
