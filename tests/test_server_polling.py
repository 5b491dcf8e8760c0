"""Probing on the server's own schedule and in the local agent: every node's probes share
one gate, so a lagging event loop keeps fewer of them in flight, and a slow answer is
re-checked before it is recorded, as in `statusgen run`."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from statusgen.agent import run_agent
from statusgen.clock import FixedClock
from statusgen.config import Config
from statusgen.probes import limit
from statusgen.probes.limit import Gate
from statusgen.server.context import ServerContext
from statusgen.server.live import LiveState
from statusgen.server.scheduler import Scheduler
from statusgen.server.tokens import ReporterToken, state_dir
from statusgen.status import Status
from tests.server_support import make_project
from tests.test_probes_latency import InFlight, SlowFirst

REPLICAS = 40
NODE = """
[page]
name = "Gate"

[probe]
concurrency = 64

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  mode = "{mode}"
  interval = 600
  retry = 0
  delay_sick = 4
  delay_dead = 5
  replicas = [{replicas}]
"""


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def slow_fleet(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch, busy: bool
) -> Iterator[InFlight]:
    """REPLICAS endpoints counting requests served at once, each held until enough are in
    at once (9 when `busy`: a fail; 17 when not) or 0.2 s when busy, 3.5 s when not (under
    delay_sick); each probe counts against the limit for its whole request (by default its
    first 20 ms)."""
    monkeypatch.setattr(limit, "ACTIVE_HOLD", 10.0)
    handler = InFlight(9, 0.2) if busy else InFlight(17, 3.5)
    server.clear()
    for n in range(REPLICAS):
        server.expect_request(f"/r/{n}").respond_with_handler(handler)
    yield handler
    server.clear()


def project(tmp_path, server: HTTPServer, mode: str) -> Config:
    urls = ", ".join(f'"{server.url_for(f"/r/{n}")}"' for n in range(REPLICAS))
    return make_project(tmp_path, NODE.format(mode=mode, replicas=urls))


def lag_of(seconds: float):
    async def measured() -> float:  # the injected lag measurement
        await asyncio.sleep(0.005)
        return seconds

    return measured


# (lag, busy): a lagging loop halves the limit from its start of 16 before any probe
# starts; a loop that keeps up lets it grow past 16.
LAGS = [(1.0, True), (0.0, False)]


def check_peak(handler: InFlight, busy: bool) -> None:
    if busy:
        assert handler.peak <= 8
    else:
        assert handler.peak > 16


@pytest.mark.parametrize(("lag", "busy"), LAGS)
def test_a_lagging_loop_keeps_fewer_of_the_servers_probes_in_flight(
    tmp_path, server: HTTPServer, slow_fleet: InFlight, clock: FixedClock, lag, busy
) -> None:
    config = project(tmp_path, server, "poll")
    directory = state_dir(config)
    ctx = ServerContext(
        config, clock, LiveState(config, started=clock()), ReporterToken(directory), directory
    )
    passed = threading.Event()
    scheduler = Scheduler(ctx, after_pass=lambda *_: passed.set(), coalesce=0, lag=lag_of(lag))

    async def main() -> None:
        await scheduler.start()
        try:
            assert await asyncio.to_thread(passed.wait, 30)  # the first round's pass
        finally:
            await scheduler.stop()

    asyncio.run(main())
    results = scheduler.poll_results()
    assert len(results) == REPLICAS and all(r.status is Status.HEALTHY for r in results)
    check_peak(slow_fleet, busy)


@pytest.mark.parametrize(("lag", "busy"), LAGS)
def test_a_lagging_loop_keeps_fewer_of_the_agents_probes_in_flight(
    tmp_path, server: HTTPServer, slow_fleet: InFlight, clock: FixedClock, lag, busy
) -> None:
    config = project(tmp_path, server, "local")
    reports: list[bytes] = []

    async def main() -> None:
        stop = asyncio.Event()

        def accept(request: httpx.Request) -> httpx.Response:  # the server's reporter route
            reports.append(request.content)
            if len(reports) == REPLICAS:  # the first round is reported
                stop.set()
            return httpx.Response(200, text="OK")

        transport = httpx.MockTransport(accept)
        await asyncio.wait_for(
            run_agent(
                config, "http://server", "t", clock, stop, transport=transport, lag=lag_of(lag)
            ),
            30,
        )

    asyncio.run(main())
    assert len(reports) == REPLICAS and all(b'"healthy"' in r for r in reports)
    check_peak(slow_fleet, busy)


# --- a slow verdict is re-checked, as in `statusgen run` -----------------------------------

SLOW = 0.8  # the first answer's time: twice delay_sick, far above a loaded loopback answer


def slow_first(tmp_path, server: HTTPServer, mode: str) -> tuple[Config, SlowFirst]:
    """A node whose one replica answers slowly once, then at once."""
    handler = SlowFirst(SLOW, slow=1)
    server.clear()
    server.expect_request("/slow-first").respond_with_handler(handler)
    text = NODE.format(mode=mode, replicas=f'"{server.url_for("/slow-first")}"')
    text = text.replace("delay_sick = 4", f"delay_sick = {SLOW / 2}")
    return make_project(tmp_path, text), handler


def check_re_checked(status: Status, reason: str, handler: SlowFirst) -> None:
    assert handler.calls == 2  # the slow answer and its confirmation, no more
    assert status is Status.HEALTHY
    assert reason.startswith("HTTP 200 (re-checked: first answer took ")


def test_the_servers_poll_nodes_re_check_a_slow_answer_before_recording_it(
    tmp_path, server: HTTPServer, clock: FixedClock
) -> None:
    config, handler = slow_first(tmp_path, server, "poll")
    directory = state_dir(config)
    ctx = ServerContext(
        config, clock, LiveState(config, started=clock()), ReporterToken(directory), directory
    )
    passed = threading.Event()
    scheduler = Scheduler(ctx, after_pass=lambda *_: passed.set(), coalesce=0)

    async def main() -> None:
        await scheduler.start()
        try:
            assert await asyncio.to_thread(passed.wait, 30)  # the first round's pass
        finally:
            await scheduler.stop()

    asyncio.run(main())
    [result] = scheduler.poll_results()
    check_re_checked(result.status, result.reason, handler)
    assert result.attempts == 2 and result.latency is not None and result.latency < SLOW / 2
    [recorded] = scheduler.last.results if scheduler.last else []
    assert recorded.status is Status.HEALTHY


def test_the_agent_re_checks_a_slow_answer_before_reporting_it(
    tmp_path, server: HTTPServer, clock: FixedClock
) -> None:
    config, handler = slow_first(tmp_path, server, "local")
    reports: list[dict] = []

    async def main() -> None:
        stop = asyncio.Event()

        def accept(request: httpx.Request) -> httpx.Response:  # the server's reporter route
            reports.append(json.loads(request.content))
            stop.set()  # the first round is reported
            return httpx.Response(200, text="OK")

        transport = httpx.MockTransport(accept)
        await asyncio.wait_for(
            run_agent(config, "http://server", "t", clock, stop, transport=transport), 30
        )

    asyncio.run(main())
    [report] = reports
    assert handler.calls == 2 and report["health"] == "healthy"


def test_the_gate_measures_the_loop_only_while_probes_want_a_place() -> None:
    measured: list[float] = []

    async def lag() -> float:
        measured.append(0.0)
        await asyncio.sleep(0)
        return 0.0

    async def main() -> tuple[int, int, bool]:
        gate = Gate(8, lag=lag)
        for _ in range(3):
            await asyncio.sleep(0)
        idle = len(measured)  # nothing probes yet: nothing measured
        async with gate.slot():
            while len(measured) < 3:  # measuring while a probe holds a place
                await asyncio.sleep(0)
        for _ in range(5):
            await asyncio.sleep(0)
        after = len(measured)
        for _ in range(5):
            await asyncio.sleep(0)
        stopped = len(measured) == after  # the last place given back: measuring stops
        await gate.aclose()
        return idle, after, stopped

    idle, after, stopped = asyncio.run(main())
    assert idle == 0 and after >= 3 and stopped
