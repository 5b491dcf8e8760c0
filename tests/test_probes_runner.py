"""A probe pass: which replicas, in what order, how concurrently, and within what time."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from statusgen.clock import FixedClock
from statusgen.config import Config, NodeMetrics, load_config
from statusgen.probes import (
    DEADLINE_EXCEEDED,
    default_deadline,
    http,
    make_client,
    probe_pass,
    run_probes,
    targets,
)
from statusgen.status import ProbeResult, Status

Project = Callable[[str], Path]


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _fresh(server: HTTPServer) -> Iterator[None]:
    server.clear()
    yield
    server.clear()


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """Accepts connections (the kernel does) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as sock:
        yield sock.getsockname()[1]


def config_with(
    project: Project, replicas: list[str], extra: str = "", sick: float = 1, dead: float = 2
) -> Config:
    listed = ", ".join(f'"{url}"' for url in replicas)
    return load_config(
        project(
            f"""
            [page]
            name = "Test"
            {extra}

            [[services]]
            id = "web"
            name = "Web"

            [[services.nodes]]
            id = "site"
            label = "Site"
            retry = 0
            delay_sick = {sick}
            delay_dead = {dead}
            replicas = [{listed}]
            """
        )
    )


class InFlight:
    """A server-side handler that takes `seconds` and counts requests served at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, _: Request) -> Response:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(self.seconds)
        with self._lock:
            self.now -= 1
        return Response("OK")


# --- what gets probed ----------------------------------------------------------------


def test_only_replicas_of_the_chosen_modes_in_config_order(
    project: Project, server: HTTPServer, clock: FixedClock
) -> None:
    server.expect_request("/a").respond_with_data("OK")
    server.expect_request("/b").respond_with_data("no", status=500)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        config = load_config(
            project(
                f"""
                [page]
                name = "Test"

                [[services]]
                id = "second"
                name = "Second"
                order = 2
                [[services.nodes]]
                id = "tcp"
                label = "TCP"
                replicas = ["tcp://127.0.0.1:{port}"]

                [[services]]
                id = "first"
                name = "First"
                order = 1
                [[services.nodes]]
                id = "web"
                label = "Web"
                retry = 0
                replicas = ["{server.url_for("/a")}", "{server.url_for("/b")}"]
                [[services.nodes]]
                id = "agent"
                label = "Agent"
                mode = "push"
                [[services.nodes]]
                id = "lan"
                label = "LAN"
                mode = "local"
                replicas = ["tcp://127.0.0.1:{port}"]
                """
            )
        )
        seen: list[ProbeResult] = []
        results = probe_pass(config, clock, on_result=seen.append)
        local = probe_pass(config, clock, modes=("local",))

    assert [(r.service, r.node, r.status) for r in results] == [
        ("first", "web", Status.HEALTHY),
        ("first", "web", Status.DEAD),
        ("second", "tcp", Status.HEALTHY),
    ]
    assert results[1].reason == "HTTP 500 (healthy 200-399)"
    assert sorted(r.key for r in seen) == sorted(r.key for r in results)
    assert all(r.at == clock.now for r in results)
    assert [r.node for r in local] == ["lan"]


def test_a_pass_over_nothing_is_empty(project: Project, clock: FixedClock) -> None:
    config = load_config(project('[page]\nname = "Empty"\n'))
    assert probe_pass(config, clock) == []


# --- concurrency and deadline --------------------------------------------------------


def test_fifty_slow_replicas_take_about_as_long_as_one(
    project: Project, server: HTTPServer, clock: FixedClock
) -> None:
    handler = InFlight(0.5)
    for n in range(50):
        server.expect_request(f"/slow/{n}").respond_with_handler(handler)
    # Generous thresholds: the point is overlap (one after another: 25 s), and a shared
    # 2-core runner is slow.
    urls = [server.url_for(f"/slow/{n}") for n in range(50)]
    config = config_with(project, urls, sick=5, dead=10)

    started = time.perf_counter()
    results = probe_pass(config, clock)
    elapsed = time.perf_counter() - started

    assert len(results) == 50 and all(r.ok and r.reason == "HTTP 200" for r in results)
    assert elapsed < 10, f"50 x 0.5 s took {elapsed:.2f} s"
    assert handler.peak > 10  # they really overlapped


def test_concurrency_is_bounded(project: Project, server: HTTPServer, clock: FixedClock) -> None:
    handler = InFlight(0.1)
    for n in range(12):
        server.expect_request(f"/r/{n}").respond_with_handler(handler)
    config = config_with(
        project,
        [server.url_for(f"/r/{n}") for n in range(12)],
        extra="[probe]\nconcurrency = 3",
    )
    results = probe_pass(config, clock)
    assert all(r.ok for r in results)
    assert handler.peak <= 3


def test_replicas_unfinished_at_the_deadline_are_dead(
    project: Project, server: HTTPServer, hanging_port: int, clock: FixedClock
) -> None:
    server.expect_request("/fast").respond_with_data("OK")
    config = config_with(
        project,
        [f"http://127.0.0.1:{hanging_port}/", server.url_for("/fast")],
        extra="[probe]\ndeadline = 0.5",
        sick=10,
        dead=30,
    )
    seen: list[ProbeResult] = []
    started = time.perf_counter()
    results = asyncio.run(run_probes(config, clock, on_result=seen.append))
    elapsed = time.perf_counter() - started

    hung, fast = results
    assert (hung.status, hung.reason, hung.ok, hung.latency, hung.attempts) == (
        Status.DEAD,
        DEADLINE_EXCEEDED,
        False,
        None,
        1,
    )
    assert (fast.status, fast.reason) == (Status.HEALTHY, "HTTP 200")
    assert hung.label == f"http://127.0.0.1:{hanging_port}/"
    assert len(seen) == 2
    assert elapsed < 10  # cut at the 0.5 s deadline, not after the 30 s attempt


def test_default_deadline_is_derived_from_the_targets(project: Project) -> None:
    config = config_with(project, ["tcp://127.0.0.1:9", "tcp://127.0.0.1:10"])
    metrics = [t.metrics for t in targets(config)]
    # delay_dead 2, retry 0: one attempt, or a slow answer and its confirmation attempt
    assert default_deadline(metrics, 256) == 2 * 2 + 5


def _metrics(delay_dead: float, retry: int) -> NodeMetrics:
    return NodeMetrics(120, retry, delay_dead / 2, delay_dead, 0.9, 0.9)


@pytest.mark.parametrize(
    ("metrics", "concurrency", "expected"),
    [
        ([], 256, 5),
        ([_metrics(10, 2)], 256, 10 * 3 + 5),
        ([_metrics(10, 0), _metrics(4, 4)], 256, 4 * 5 + 5),
        ([_metrics(10, 0)] * 300, 256, 2 * 20 + 5),  # two waves of probes
        ([_metrics(3, 0)], 256, 2 * 3 + 5),  # a slow answer's confirmation attempt
    ],
)
def test_default_deadline(metrics: list[NodeMetrics], concurrency: int, expected: float) -> None:
    assert default_deadline(metrics, concurrency) == expected


def test_making_the_http_client_does_not_count_as_latency(project, clock, hanging_port):
    """Building a client blocks the loop (the CA store loads); it happens before any probe
    starts its clock, so a TCP probe in the same pass does not measure that pause."""

    def slow_factory(verify: bool, concurrency: int):
        time.sleep(0.5)  # what loading a large trust store can cost on a slow runner
        return make_client(verify, concurrency)

    config = config_with(project, [f"tcp://127.0.0.1:{hanging_port}", "http://127.0.0.1:9/"])
    results = asyncio.run(run_probes(config, clock, client_factory=slow_factory))
    tcp = results[0]
    assert tcp.status is Status.HEALTHY
    assert tcp.latency is not None and tcp.latency < 0.4


def _counted_trust(monkeypatch, pause: float = 0.0) -> list[bool]:
    """Every CA store the probes load from now on (the process's cache emptied); loading
    the system's store takes `pause` more seconds."""
    made: list[bool] = []
    real = httpx.create_ssl_context

    def create(verify=True, **options):
        made.append(verify)
        if verify is True:
            time.sleep(pause)
        return real(verify=verify, **options)

    monkeypatch.setattr(http, "_TRUST", {}, raising=False)
    monkeypatch.setattr(http.httpx, "create_ssl_context", create)
    return made


def test_a_pass_of_plain_http_nodes_loads_no_ca_store(project, clock, server, monkeypatch):
    made = _counted_trust(monkeypatch)
    server.expect_request("/").respond_with_data("OK")
    results = asyncio.run(run_probes(config_with(project, [server.url_for("/")]), clock))
    assert [r.status for r in results] == [Status.HEALTHY]
    assert True not in made  # 35 to 60 ms a pass of http:// nodes never needs


def test_an_https_node_loads_the_ca_store_once_before_any_probe_starts(
    project, clock, hanging_port, monkeypatch
):
    made = _counted_trust(monkeypatch, pause=0.5)
    replicas = [f"tcp://127.0.0.1:{hanging_port}", "https://127.0.0.1:9/"]
    results = asyncio.run(run_probes(config_with(project, replicas), clock))
    assert made.count(True) == 1
    tcp = results[0]  # its clock started after the store was loaded
    assert tcp.status is Status.HEALTHY and tcp.latency is not None and tcp.latency < 0.4


# --- a probe that breaks never ends the pass -------------------------------------------


class _Raising(httpx.AsyncBaseTransport):
    """A transport with a bug: what anyio does when a reset races its getpeername()."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise AttributeError("'NoneType' object has no attribute 'getpeername'")


def test_a_probe_that_raises_is_dead_and_the_pass_goes_on(
    project: Project, server: HTTPServer, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    config = config_with(project, ["http://127.0.0.1:9/broken", "tcp://127.0.0.1:9"])

    def factory(verify: object, concurrency: int) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=_Raising())

    with caplog.at_level(logging.DEBUG, logger="statusgen.probes"):
        broken, tcp = probe_pass(config, clock, client_factory=factory)
    assert (broken.status, broken.attempts) == (Status.DEAD, 1)
    assert broken.reason == "probe failed unexpectedly (AttributeError; see the debug log)"
    assert tcp.reason == "connection refused"  # the other replica was still probed
    (record,) = [r for r in caplog.records if r.name == "statusgen.probes"]
    assert record.levelno == logging.DEBUG and record.exc_info is not None
    assert "getpeername" in caplog.text


def test_targets_that_reset_on_accept_never_end_the_pass(
    project: Project, clock: FixedClock
) -> None:
    """anyio sometimes raises AttributeError instead of a reset (about 1 probe in 200 on
    uvloop): 10 passes of 20 replicas of a server that resets every connection."""
    with socket.create_server(("127.0.0.1", 0), backlog=128) as listener:
        port = listener.getsockname()[1]
        stop = threading.Event()

        def reset_all() -> None:
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()

        thread = threading.Thread(target=reset_all, daemon=True)
        thread.start()
        try:
            config = config_with(project, [f"http://127.0.0.1:{port}/{n}" for n in range(20)])
            # Plain HTTP: a client that loads no CA store makes twenty passes cheap.
            plain = lambda verify, concurrency: make_client(False, concurrency)  # noqa: E731
            passes = [probe_pass(config, clock, client_factory=plain) for _ in range(10)]
        finally:
            stop.set()
            thread.join()
    results = [r for results in passes for r in results]
    assert len(results) == 200 and all(r.status is Status.DEAD for r in results)
    unexpected = "probe failed unexpectedly (AttributeError; see the debug log)"
    assert {r.reason for r in results} <= {"connection reset", unexpected}
