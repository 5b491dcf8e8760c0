"""Helpers for the live-server tests: a real uvicorn on a free loopback port, a project
with push, local and poll nodes, and Basic auth headers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

from statusgen.config import Config, load_config
from tests.conftest import write_project

# The management API's routes are its own tests' business; these tests build the app
# with the reporter routes only.
REPORTER_ONLY = ("statusgen.server.reporter",)

SERVER_CONFIG = """
[page]
name = "Live Status"

[server]
max_replicas_per_node = 5
rebuild_debounce = 0

[metrics.push]
delay_dead = 20
cpu_sick_above = 0.9
ram_sick_above = 0.8

[[services]]
id = "api"
name = "API"

  [[services.nodes]]
  id = "workers"
  label = "Workers"
  mode = "push"

  [[services.nodes]]
  id = "lan"
  label = "LAN"
  mode = "local"
  replicas = ["http://user:pw@10.9.8.7:8080/health", "tcp://10.9.8.8:5432"]
  interval = 30
  delay_dead = 40

  [[services.nodes]]
  id = "site"
  label = "Site"
  replicas = ["tcp://127.0.0.1:9"]
"""


def make_project(root: Path, text: str = SERVER_CONFIG) -> Config:
    return load_config(write_project(root, text))


def basic(token: str, user: str = "") -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def push_body(replica: str = "10.0.0.1", cpu: float = 0.2, ram: float = 0.3, interval=30) -> dict:
    return {"replica": replica, "interval": interval, "load": {"cpu": cpu, "ram": ram}}


@contextlib.contextmanager
def running_server(app, timeout: float = 10.0) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yields the base
    URL once the server accepts connections, and stops it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate` until true: for events in another thread or process, never for
    time to pass (state changes with time come from the injected clock)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class ASGIClient:
    """A synchronous face on httpx.ASGITransport: drives the app in-process (no lifespan,
    no socket), one request at a time."""

    def __init__(self, app) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(
                app=self.app, client=("127.0.0.1", 50000), raise_app_exceptions=False
            )
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await c.request(method, url, **kwargs)

        return asyncio.run(go())

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)
