"""Latency that stays true under load: timed from the probe's own network events, a slow
verdict re-checked once, and a pass that keeps fewer probes in flight while the loop lags."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from statusgen.clock import FixedClock
from statusgen.config import Config, HttpOptions
from statusgen.probes import ClientPool, run_probes, runner
from statusgen.probes.http import probe_http
from statusgen.probes.limit import AdaptiveLimit
from statusgen.probes.tcp import probe_tcp
from statusgen.probes.timing import HttpTrace
from statusgen.status import Status
from tests.test_probes_runner import config_with

BUSY = 0.4  # seconds the event loop is kept busy while a probe is under way


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


async def _with_busy_loop(probe):
    """Start `probe`, then block the event loop for BUSY seconds (as hundreds of other
    probes' CPU work would) before it can send its request."""
    task = asyncio.create_task(probe)
    await asyncio.sleep(0)  # the probe starts, and waits for its connection
    time.sleep(BUSY)
    return await task


# --- measured from the network events ----------------------------------------------------


def test_http_latency_leaves_out_the_time_the_loop_was_busy(server: HTTPServer) -> None:
    server.expect_request("/instant").respond_with_data("OK")

    async def main():
        async with ClientPool() as pool:
            return await _with_busy_loop(
                probe_http(server.url_for("/instant"), HttpOptions(), 5, pool)
            )

    outcome = asyncio.run(main())
    assert outcome.ok and outcome.reason == "HTTP 200"
    # The server answered at once: the busy loop is not the target's latency.
    assert outcome.latency is not None and outcome.latency < BUSY / 2
    assert outcome.connect is not None and outcome.tls is None  # plain HTTP: no handshake


def test_http_latency_leaves_out_the_time_the_loop_took_to_read_the_answer() -> None:
    # The answer arrives while the event loop is blocked (as behind a thousand other
    # probes' work): it is timed when the kernel received it, not when it was read.
    got, blocked, sent = threading.Event(), threading.Event(), threading.Event()

    def serve(listening: socket.socket) -> None:
        conn, _ = listening.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            got.set()
            blocked.wait(5)  # answer once the loop is busy
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
            sent.set()
            conn.recv(1)  # until the probe hangs up

    async def main():
        async with ClientPool() as pool:
            task = asyncio.create_task(probe_http(url, HttpOptions(), 5, pool))
            await asyncio.to_thread(got.wait, 5)  # the request is sent
            blocked.set()
            # The loop stays busy from before the answer arrives (however late a loaded
            # machine runs the server's thread) until BUSY after it.
            sent.wait(5)
            time.sleep(BUSY)
            return await task

    with socket.create_server(("127.0.0.1", 0)) as listening:
        url = f"http://127.0.0.1:{listening.getsockname()[1]}/"
        thread = threading.Thread(target=serve, args=(listening,), daemon=True)
        thread.start()
        outcome = asyncio.run(main())
        thread.join(5)
    assert outcome.ok and outcome.reason == "HTTP 200"
    assert outcome.latency is not None and outcome.latency < BUSY / 2


def test_every_request_opens_its_own_connection() -> None:
    # A keep-alive server and a body read to its end: a connection kept for the next
    # probe would leave that probe's connect time out of its record.
    connections = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main():
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        async with server, ClientPool() as pool:
            return [await probe_http(url, HttpOptions(), 5, pool, read_body=True) for _ in "ab"]

    first, second = asyncio.run(main())
    assert first.ok and second.ok
    assert first.connect is not None and second.connect is not None
    assert connections == 2


def test_tcp_latency_is_the_handshake_alone() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        outcome = asyncio.run(_with_busy_loop(probe_tcp("127.0.0.1", port, 5)))
    assert outcome.ok and outcome.reason == "connected"
    assert outcome.latency is not None and outcome.latency < BUSY / 2
    assert outcome.connect == outcome.latency


# --- a slow verdict is confirmed once -----------------------------------------------------


class SlowFirst:
    """Answers slowly the first `slow` times, then at once; counts requests."""

    def __init__(self, seconds: float, slow: int = 1) -> None:
        self.seconds, self.slow, self.calls = seconds, slow, 0
        self._lock = threading.Lock()

    def __call__(self, _: Request) -> Response:
        with self._lock:
            self.calls += 1
            slow = self.calls <= self.slow
        if slow:
            time.sleep(self.seconds)
        return Response("OK")


def _run(config: Config, clock: FixedClock):
    return asyncio.run(run_probes(config, clock))


def test_a_slow_answer_is_re_checked_once_and_the_re_check_is_recorded(
    project, server: HTTPServer, clock: FixedClock
) -> None:
    # Slow is twice delay_sick; an answer at once stays far below it on a loaded runner.
    once = SlowFirst(1.0, slow=1)
    always = SlowFirst(1.0, slow=99)
    server.expect_request("/once").respond_with_handler(once)
    server.expect_request("/always").respond_with_handler(always)
    config = config_with(project, [server.url_for("/once"), server.url_for("/always")], sick=0.5)

    recovered, slow = _run(config, clock)

    assert (once.calls, always.calls) == (2, 2)  # one confirmation each, no more
    assert recovered.status is Status.HEALTHY and recovered.attempts == 2
    assert recovered.reason.startswith("HTTP 200 (re-checked: first answer took ")
    assert recovered.latency is not None and recovered.latency < 0.5
    assert slow.status is Status.SICK and slow.attempts == 2
    assert slow.reason.startswith("HTTP 200 (re-checked: first answer took ")
    assert slow.latency is not None and slow.latency >= 1.0


def test_timeouts_and_fast_answers_are_not_re_checked(
    project, server: HTTPServer, clock: FixedClock
) -> None:
    fast = SlowFirst(0, slow=0)
    hanging = SlowFirst(3.0, slow=99)
    server.expect_request("/fast").respond_with_handler(fast)
    server.expect_request("/hang").respond_with_handler(hanging)
    # A fast answer must not look slow on a loaded runner: delay_sick well above a
    # loopback request, the hang well past delay_dead.
    urls = [server.url_for("/fast"), server.url_for("/hang")]
    config = config_with(project, urls, sick=0.9, dead=1.0)

    ok, timed_out = _run(config, clock)

    assert (ok.status, ok.reason, ok.attempts, fast.calls) == (Status.HEALTHY, "HTTP 200", 1, 1)
    assert (timed_out.status, timed_out.reason) == (Status.DEAD, "timed out after 1 s")
    assert timed_out.attempts == 1 and hanging.calls == 1


# --- the number in flight follows the event loop's lag -------------------------------------


def test_the_limit_doubles_while_the_loop_keeps_up_then_halves_when_it_lags() -> None:
    limit = AdaptiveLimit(100, start=10, minimum=4, target=0.01)
    limit.observe(0.0)
    assert limit.limit == 20
    limit.observe(0.001)
    assert limit.limit == 40
    limit.observe(0.008)  # between half the target and the target: hold
    assert limit.limit == 40
    limit.observe(0.05)
    assert limit.limit == 20
    limit.observe(0.0)  # after the first lag, grow an eighth at a time
    assert limit.limit == 22
    for _ in range(50):
        limit.observe(0.0)
    assert limit.limit == 100  # never above probe.concurrency
    for _ in range(10):
        limit.observe(1.0)
    assert limit.limit == 4  # never below the minimum


class InFlight:
    """Holds each request until `enough` are held at once (then lets every one go at once)
    or for `hold` seconds at the most; `peak`: the most held at once. Requests overlap
    because they are held, not because they happen to arrive within a fixed time of each
    other (which a loaded runner does not promise)."""

    def __init__(self, enough: int, hold: float) -> None:
        self.enough, self.hold, self.now, self.peak = enough, hold, 0, 0
        self._lock = threading.Lock()
        self._enough = threading.Event()

    def __call__(self, _: Request) -> Response:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            if self.now >= self.enough:
                self._enough.set()
        self._enough.wait(self.hold)
        with self._lock:
            self.now -= 1
        return Response("OK")


@pytest.mark.parametrize(("lag", "busy"), [(1.0, True), (0.0, False)])
def test_a_lagging_loop_keeps_fewer_probes_in_flight(
    project, server: HTTPServer, clock: FixedClock, lag: float, busy: bool, monkeypatch
) -> None:
    # Count each probe for its whole request (by default only its first 50 ms count).
    monkeypatch.setattr(runner, "ACTIVE_HOLD", 10.0)
    # Busy: each request held 0.2 s (all let go at once should a 9th arrive: a fail). Not
    # busy: held until 17 are in at once, however slowly a loaded runner brings them (10 s
    # at the most: a fail); both well within delay_sick, so every answer is healthy.
    handler = InFlight(9, 0.2) if busy else InFlight(17, 10.0)
    for n in range(40):
        server.expect_request(f"/r/{n}").respond_with_handler(handler)
    urls = [server.url_for(f"/r/{n}") for n in range(40)]
    config = config_with(project, urls, sick=20, dead=30, extra="[probe]\nconcurrency = 64")

    async def measured() -> float:  # the injected lag measurement
        await asyncio.sleep(0.005)
        return lag

    results = asyncio.run(run_probes(config, clock, lag=measured))
    assert all(r.status is Status.HEALTHY for r in results)
    if busy:
        assert handler.peak <= 8  # halved from the start of 16 before any probe began
    else:
        assert handler.peak > 16  # grown past its start while the loop kept up


def test_a_probe_waiting_on_a_slow_target_stops_counting_against_the_limit() -> None:
    async def main() -> tuple[bool, int]:
        limit = AdaptiveLimit(10, start=1, minimum=1)  # one probe counted at a time
        gate, second_in = asyncio.Event(), asyncio.Event()

        async def waiting_on_target() -> None:
            async with limit.slot(hold=0):  # counted for no time at all
                await gate.wait()

        async def next_probe() -> None:
            async with limit.slot():
                second_in.set()

        first = asyncio.create_task(waiting_on_target())
        await asyncio.sleep(0)
        second = asyncio.create_task(next_probe())
        await asyncio.wait_for(second_in.wait(), 5)  # got in while the first still waits
        waiting = not first.done()
        gate.set()
        await asyncio.gather(first, second)
        return waiting, limit.in_flight

    assert asyncio.run(main()) == (True, 0)


def test_a_connection_that_times_itself_is_believed_even_at_zero() -> None:
    # Loopback answers can take less than the clocks' resolution.
    class Timed:
        sent_at = received_at = 1_000.0

    trace = HttpTrace()

    async def events() -> None:
        await trace("connection.connect_tcp.started", {})
        await trace("connection.connect_tcp.complete", {"return_value": Timed()})
        for step in ("send_request_headers", "receive_response_headers"):
            await trace(f"http11.{step}.started", {})
            await trace(f"http11.{step}.complete", {})

    asyncio.run(events())
    assert trace.seen and trace.latency == 0.0
