"""The order a pass starts its replicas in: the longest expected first, going by what the
previous pass saw (the history's latest pass for `statusgen run`), results still in
config order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from statusgen.agent import run_agent
from statusgen.cli import main
from statusgen.clock import FixedClock
from statusgen.config import Config, NodeMetrics, load_config
from statusgen.probes import ClientPool, probe_pass, run_probes, runner
from statusgen.probes.limit import Gate
from statusgen.probes.order import Previous, Seen, expected_seconds, seen_in, start_order
from statusgen.run import previous_pass, record_pass, run_pass
from statusgen.server.context import ServerContext
from statusgen.server.live import LiveState
from statusgen.server.polling import probe_node
from statusgen.server.scheduler import Scheduler
from statusgen.server.tokens import ReporterToken, state_dir
from statusgen.status import ProbeResult, Status
from tests.locations_support import locations_toml
from tests.server_support import make_project
from tests.test_probes_latency import InFlight
from tests.test_server_polling import lag_of

Project = Callable[[str], Path]
METRICS = NodeMetrics(60, 1, 0.25, 2.0, 0.9, 0.9)  # interval, retry, sick, dead, ...


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


class Arrivals:
    """Answers every request at once, noting the paths in the order they arrived."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.paths.append(request.path)
        return Response("OK")


@pytest.fixture
def arrivals(server: HTTPServer) -> Iterator[Arrivals]:
    handler = Arrivals()
    server.clear()
    for name in ("a", "b", "c", "d"):
        server.expect_request(f"/{name}").respond_with_handler(handler)
    yield handler
    server.clear()


def one_at_a_time_text(urls: str) -> str:
    return f"""
        [page]
        name = "Order"

        [probe]
        concurrency = 1

        [[services]]
        id = "web"
        name = "Web"

        [[services.nodes]]
        id = "site"
        label = "Site"
        retry = 1
        delay_sick = 0.25
        delay_dead = 2
        replicas = [{urls}]
        """


def one_at_a_time(project: Project, server: HTTPServer) -> Config:
    """Four replicas a, b, c, d, probed one at a time (so arrivals show the start order)."""
    urls = ", ".join(f'"{server.url_for(f"/{name}")}"' for name in "abcd")
    return load_config(project(one_at_a_time_text(urls)))


def keys(config: Config) -> list[str]:
    (node,) = config.services[0].nodes
    return [f"web/site/{replica.id}" for replica in node.replicas]


def node_round(
    config: Config, clock: FixedClock, last_round: dict[str, Seen], make_gate: Callable[[], Gate]
) -> list[ProbeResult]:
    """One `probe_node` round of the config's one node going by `last_round`, its probes
    placed by the gate `make_gate()` makes (in the round's own event loop)."""
    (service,) = config.services
    (node,) = service.nodes

    async def round_() -> list[ProbeResult]:
        gate = make_gate()
        async with ClientPool() as pool:
            try:
                metrics = node.metrics(config.metrics)
                return await probe_node(service, node, metrics, pool, clock, gate, last_round)
            finally:
                await gate.aclose()

    return asyncio.run(round_())


# --- what a replica is expected to take ------------------------------------------------


@pytest.mark.parametrize(
    ("seen", "expected"),
    [
        (None, 0.25),  # never seen: its node's delay_sick
        (Seen(Status.HEALTHY, 0.003), 0.003),
        (Seen(Status.SICK, 0.5), 1.0),  # slow: a confirmation attempt follows
        (Seen(Status.SICK, 0.01), 0.01),  # sick for a condition, answered fast
        (Seen(Status.DEAD, None), 4.0),  # timed out (or refused): every attempt's timeout
        (Seen(Status.DEAD, 0.002), 0.004),  # a wrong answer, retried once
    ],
)
def test_expected_seconds(seen: Seen | None, expected: float) -> None:
    assert expected_seconds(seen, METRICS) == pytest.approx(expected)


def test_longest_first_unknown_after_the_known_slow_ties_in_config_order() -> None:
    keyed = [(key, METRICS) for key in ("fast1", "new1", "slow", "fast2", "hung", "new2")]
    previous = {
        "fast1": Seen(Status.HEALTHY, 0.002),
        "slow": Seen(Status.SICK, 0.5),
        "fast2": Seen(Status.HEALTHY, 0.002),
        "hung": Seen(Status.DEAD, None),
    }
    order = [keyed[i][0] for i in start_order(keyed, previous)]
    assert order == ["hung", "slow", "new1", "new2", "fast1", "fast2"]
    assert start_order(keyed, None) == start_order(keyed, {}) == list(range(6))


# --- a pass ------------------------------------------------------------------------------


def test_a_replica_known_to_be_slow_starts_first_and_results_stay_in_config_order(
    project: Project, server: HTTPServer, arrivals: Arrivals, clock: FixedClock
) -> None:
    config = one_at_a_time(project, server)
    a, b, c, d = keys(config)
    previous = {
        a: Seen(Status.HEALTHY, 0.002),
        b: Seen(Status.HEALTHY, 0.001),
        c: Seen(Status.SICK, 0.6),
        d: Seen(Status.DEAD, None),
    }
    results = probe_pass(config, clock, previous=previous)

    assert arrivals.paths == ["/d", "/c", "/a", "/b"]
    assert [r.key for r in results] == [a, b, c, d]
    assert all(r.status is Status.HEALTHY for r in results)


def test_without_a_previous_pass_replicas_start_in_config_order(
    project: Project, server: HTTPServer, arrivals: Arrivals, clock: FixedClock
) -> None:
    probe_pass(one_at_a_time(project, server), clock)
    assert arrivals.paths == ["/a", "/b", "/c", "/d"]


def _result(key: str, status: Status, latency: float | None, clock: FixedClock) -> ProbeResult:
    service, node, replica = key.split("/")
    return ProbeResult(service, node, replica, replica, clock.now, False, latency, "x", 1, status)


def test_statusgen_run_orders_by_the_history_s_latest_pass(
    project: Project, server: HTTPServer, arrivals: Arrivals, clock: FixedClock
) -> None:
    config = one_at_a_time(project, server)
    a, b, c, d = keys(config)
    assert previous_pass(config, clock.now) == {}  # no history yet

    # The pass before: d timed out, b answered slowly; a and c were fast.
    before = [
        _result(a, Status.HEALTHY, 0.002, clock),
        _result(b, Status.SICK, 0.4, clock),
        _result(c, Status.HEALTHY, 0.003, clock),
        _result(d, Status.DEAD, None, clock),
    ]
    record_pass(config, before, clock)
    assert previous_pass(config, clock.now) == seen_in(before)

    outcome = run_pass(config, clock)
    assert arrivals.paths == ["/d", "/b", "/c", "/a"]
    assert [r.key for r in outcome.results] == [a, b, c, d]
    # ... and the next pass goes by this one: all fast now, c the slowest or a tie.
    assert set(previous_pass(config, clock.now)) == {a, b, c, d}


def test_an_unreadable_history_costs_the_order_not_the_pass(
    project: Project, server: HTTPServer, arrivals: Arrivals, clock: FixedClock
) -> None:
    config = one_at_a_time(project, server)
    record_pass(config, [_result(keys(config)[3], Status.DEAD, None, clock)], clock)
    for path in config.history_dir.rglob("*"):
        if path.is_file() and path.suffix in (".jsonl", ".gz", ".json"):
            path.write_bytes(b"\x00not a pass\n")
    assert previous_pass(config, clock.now) == {}
    run_pass(config, clock)
    assert arrivals.paths == ["/a", "/b", "/c", "/d"]


def test_serve_starts_a_node_s_slowest_replicas_of_its_last_round_first(
    project: Project, server: HTTPServer, arrivals: Arrivals, clock: FixedClock
) -> None:
    config = one_at_a_time(project, server)
    a, b, c, d = keys(config)
    last_round = {a: Seen(Status.SICK, 0.5), c: Seen(Status.DEAD, None)}
    results = node_round(config, clock, last_round, lambda: Gate(1))
    assert arrivals.paths == ["/c", "/a", "/b", "/d"]
    assert [r.key for r in results] == [a, b, c, d]


class SlowD(Arrivals):
    """`Arrivals`, with /d answering `seconds` late its first `slow` times."""

    def __init__(self, seconds: float, slow: int, rounds_done: int) -> None:
        super().__init__()
        self.seconds, self.slow, self.want = seconds, slow, rounds_done
        self.done = threading.Event()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.paths.append(request.path)
            late = request.path == "/d" and self.paths.count("/d") <= self.slow
            if len(self.paths) >= self.want:
                self.done.set()
        if late:
            time.sleep(self.seconds)  # the target is slow (the server's thread, not the test)
        return Response("OK")


def slow_d(server: HTTPServer) -> tuple[SlowD, str]:
    """`server` answering a, b, c and d through a `SlowD` (d 0.3 s late twice: its answer
    and its re-check, past delay_sick = 0.15; done after two rounds), and the config text
    of those four replicas probed one at a time."""
    handler = SlowD(0.3, slow=2, rounds_done=5 + 4)
    server.clear()
    for name in "abcd":
        server.expect_request(f"/{name}").respond_with_handler(handler)
    urls = ", ".join(f'"{server.url_for(f"/{name}")}"' for name in "abcd")
    return handler, one_at_a_time_text(urls).replace("delay_sick = 0.25", "delay_sick = 0.15")


def test_serve_orders_a_poll_node_s_round_by_its_last_round(
    tmp_path: Path, server: HTTPServer, clock: FixedClock
) -> None:
    """Round 1 in config order finds d slow (its answer and its confirmation); round 2
    starts d first."""
    handler, text = slow_d(server)
    config = make_project(tmp_path, text.replace("retry = 1", "retry = 0\ninterval = 0.01"))
    directory = state_dir(config)
    live = LiveState(config, started=clock())
    ctx = ServerContext(config, clock, live, ReporterToken(directory), directory)
    scheduler = Scheduler(ctx, coalesce=0)

    async def main() -> None:
        await scheduler.start()
        try:
            assert await asyncio.to_thread(handler.done.wait, 30)  # two rounds answered
        finally:
            await scheduler.stop()

    asyncio.run(main())
    server.clear()
    assert handler.paths[:5] == ["/a", "/b", "/c", "/d", "/d"]  # d and its re-check
    # d first; a, b and c by their own (noise-sized) latencies of round 1
    assert handler.paths[5] == "/d" and sorted(handler.paths[6:9]) == ["/a", "/b", "/c"]


def test_serve_orders_a_poll_node_s_first_round_by_the_history_s_latest_pass(
    tmp_path: Path, server: HTTPServer, clock: FixedClock
) -> None:
    """A restarted server has no round of its own yet: its first round goes by the pass
    the history holds (d timed out, b was slow), as `statusgen run` does."""
    handler = SlowD(0.0, slow=0, rounds_done=4)
    server.clear()
    for name in "abcd":
        server.expect_request(f"/{name}").respond_with_handler(handler)
    urls = ", ".join(f'"{server.url_for(f"/{name}")}"' for name in "abcd")
    config = make_project(tmp_path, one_at_a_time_text(urls).replace("retry = 1", "retry = 0"))
    a, b, c, d = keys(config)
    record_pass(
        config,
        [
            _result(a, Status.HEALTHY, 0.002, clock),
            _result(b, Status.SICK, 0.4, clock),
            _result(c, Status.HEALTHY, 0.003, clock),
            _result(d, Status.DEAD, None, clock),
        ],
        clock,
    )
    directory = state_dir(config)
    live = LiveState(config, started=clock())
    scheduler = Scheduler(ServerContext(config, clock, live, ReporterToken(directory), directory))

    async def main() -> None:
        await scheduler.start()
        try:
            assert await asyncio.to_thread(handler.done.wait, 30)  # the first round answered
        finally:
            await scheduler.stop()

    asyncio.run(main())
    server.clear()
    assert handler.paths[:4] == ["/d", "/b", "/c", "/a"]


def test_the_agent_orders_a_local_node_s_round_by_its_last_round(
    tmp_path: Path, server: HTTPServer, clock: FixedClock
) -> None:
    handler, text = slow_d(server)
    text = text.replace("retry = 1", 'retry = 0\ninterval = 0.01\nmode = "local"')
    config = make_project(tmp_path, text)

    async def main() -> None:
        stop = asyncio.Event()

        def accept(request: httpx.Request) -> httpx.Response:  # the server's reporter route
            if handler.done.is_set():
                stop.set()  # the second round is probed
            return httpx.Response(200, text="OK")

        transport = httpx.MockTransport(accept)
        await asyncio.wait_for(
            run_agent(config, "http://server", "t", clock, stop, transport=transport), 30
        )

    asyncio.run(main())
    server.clear()
    assert handler.paths[:5] == ["/a", "/b", "/c", "/d", "/d"]
    # d first; a, b and c by their own (noise-sized) latencies of round 1
    assert handler.paths[5] == "/d" and sorted(handler.paths[6:9]) == ["/a", "/b", "/c"]


def test_statusgen_probe_location_orders_by_the_history_s_latest_pass(
    project: Project, server: HTTPServer
) -> None:
    """`statusgen probe --location fra` twice: the first pass finds d slow (its answer
    and its confirmation); the second, reading that pass back, starts d first."""
    handler, text = slow_d(server)
    path = project(text.replace("retry = 1", "retry = 0") + locations_toml("fra", "par"))
    for _ in range(2):
        result = CliRunner().invoke(main, ["probe", "-c", str(path), "--location", "fra"])
        assert result.exit_code == 0, result.output
    server.clear()
    assert handler.paths[:5] == ["/a", "/b", "/c", "/d", "/d"]
    assert handler.paths[5] == "/d" and sorted(handler.paths[6:9]) == ["/a", "/b", "/c"]


def twelve_seen_dead(project: Project, server: HTTPServer) -> tuple[InFlight, Config, Previous]:
    """12 replicas behind one `InFlight(12, 2.0)` handler (concurrency 16), and a last
    pass that saw every one of them time out (dead)."""
    handler = InFlight(12, 2.0)
    server.clear()
    for n in range(12):
        server.expect_request(f"/s/{n}").respond_with_handler(handler)
    urls = ", ".join(f'"{server.url_for(f"/s/{n}")}"' for n in range(12))
    text = one_at_a_time_text(urls).replace("concurrency = 1", "concurrency = 16")
    config = load_config(project(text.replace("delay_dead = 2", "delay_dead = 10")))
    return handler, config, dict.fromkeys(keys(config), Seen(Status.DEAD, None))


def test_replicas_known_to_be_slow_are_counted_only_while_they_start(
    project: Project, server: HTTPServer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lagging loop keeps at most 8 probes counted at once (16 halved, then down to 4),
    each for its whole request here; replicas the last pass saw time out are counted only
    while they start, so all 12 are in flight at once (the server holds each until 12
    are, or 2 s)."""
    monkeypatch.setattr(runner, "ACTIVE_HOLD", 10.0)
    handler, config, previous = twelve_seen_dead(project, server)
    results = asyncio.run(run_probes(config, clock, lag=lag_of(1.0), previous=previous))
    server.clear()
    assert handler.peak == 12
    assert all(r.ok for r in results)


def test_serve_counts_a_replica_known_to_be_slow_only_while_it_starts(
    project: Project, server: HTTPServer, clock: FixedClock
) -> None:
    """As `test_replicas_known_to_be_slow_are_counted_only_while_they_start`, for a
    poll node's round in `statusgen serve` (a gate shared by every node)."""
    handler, config, last_round = twelve_seen_dead(project, server)
    # A probe counts for its whole request; the loop always lags.
    results = node_round(config, clock, last_round, lambda: Gate(16, lag=lag_of(1.0), hold=10.0))
    server.clear()
    assert handler.peak == 12
    assert all(r.ok for r in results)
