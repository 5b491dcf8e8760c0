"""Real locations on one machine: `statusgen probe --location` processes, each bound to
its own loopback address (127.0.0.2, .3, .4), against loopback servers that answer or
drop the connection (accept, then reset) depending on the peer address, so a regional
outage is real at the socket level. Then `statusgen build` and `statusgen run` merge."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from statusgen.config import load_config
from statusgen.history import HistoryView, open_store

from .conftest import write_project

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"
FRA, PAR, NYC = "127.0.0.2", "127.0.0.3", "127.0.0.4"


class Regional(socketserver.ThreadingTCPServer):
    """Answers 200, except to peers in `blocked`: accepted, then reset."""

    daemon_threads = True

    def __init__(self, blocked: set[str]) -> None:
        self.blocked = blocked
        self.peers: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: Regional

    def handle(self) -> None:
        peer = self.client_address[0]
        self.server.peers.append(peer)
        if peer in self.server.blocked:
            linger = struct.pack("ii", 1, 0)  # an RST, not a FIN
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            return
        self.request.settimeout(5)
        self.request.recv(65536)
        self.request.sendall(OK)


@pytest.fixture
def regional() -> Iterator:
    servers: list[Regional] = []

    def start(*blocked: str) -> Regional:
        server = Regional(set(blocked))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def project(root: Path, site: int, api: int, notify_port: int) -> Path:
    return write_project(
        root,
        f"""
        [page]
        name = "Locations"

        [health]
        quorum = 2

        [[notify.channels]]
        name = "ops"
        url = "json://127.0.0.1:{notify_port}/notify"
        events = ["dead", "sick", "recovered", "location"]

        [[services]]
        id = "web"
        name = "Web"

          [[services.nodes]]
          id = "site"
          label = "Site"
          retry = 0
          delay_sick = 4
          delay_dead = 5
          replicas = [{{ url = "http://127.0.0.1:{site}/", label = "one" }}]

          [[services.nodes]]
          id = "api"
          label = "API"
          retry = 0
          delay_sick = 4
          delay_dead = 5
          replicas = [{{ url = "http://127.0.0.1:{api}/", label = "two" }}]

        [[locations]]
        id = "fra"
        name = "Frankfurt"
        runner = "external"
        source_address = "{FRA}"

        [[locations]]
        id = "par"
        name = "Paris"
        runner = "external"
        source_address = "{PAR}"

        [[locations]]
        id = "nyc"
        name = "New York"
        runner = "external"
        source_address = "{NYC}"

        [[locations]]
        id = "tok"
        name = "Tokyo"
        runner = "external"
        """,
    )


def statusgen(config: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "STATUSGEN_CONFIG": str(config)}
    return subprocess.Popen(
        [sys.executable, "-m", "statusgen", *args],
        cwd=config.parent.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out


def test_locations_probe_at_once_and_the_merge_names_where(tmp_path, regional, httpserver):
    httpserver.expect_request("/notify", method="POST").respond_with_data("ok")
    site = regional(PAR)  # Paris alone cannot reach the site: sick, not dead
    api = regional(PAR, NYC)  # Paris and New York cannot reach the API: a quorum, dead
    config = project(tmp_path, site.server_address[1], api.server_address[1], httpserver.port)

    probes = [statusgen(config, "probe", "--location", ident) for ident in ("fra", "par", "nyc")]
    outputs = [finish(p) for p in probes]
    assert "location par: page dead" in outputs[1]
    assert sorted(set(site.peers)) == [FRA, PAR, NYC]  # each probe left from its own address
    history = tmp_path / "history" / "samples"
    assert sorted(p.name for p in history.iterdir()) == ["fra", "nyc", "par"]
    assert all(len(f.read_text().splitlines()) == 1 for f in history.glob("*/*.jsonl"))

    finish(statusgen(config, "build"))
    document = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    text = json.dumps(document)
    assert "127.0.0" not in text  # no address of a location or replica is published
    loaded = load_config(config, env={})
    view = HistoryView.load(open_store(loaded))
    assert view.latest("web/site").status.value == "sick"
    assert view.latest("web/api").status.value == "dead"
    replica = loaded.services[0].nodes[0].replicas[0].id
    # the reset reads as "connection reset" or as a server that closed without answering
    reason = view.latest(f"web/site/{replica}").reason
    assert reason.startswith("unreachable from Paris (1 of 3 locations): "), reason

    first = finish(statusgen(config, "run"))
    assert "sent to channel ops" in first
    bodies = [json.loads(request.get_data())["message"] for request, _ in httpserver.log]
    joined = "\n".join(bodies)
    assert "from Paris and New York (2 of 3 locations)" in joined
    assert "one: unreachable from Paris (1 of 3 locations): " in joined
    assert "Tokyo: no record yet" in joined
    sent = len(httpserver.log)
    second = finish(statusgen(config, "run"))  # the same merged state: nothing new to say
    assert "sent to" not in second
    assert len(httpserver.log) == sent
