"""HTTP(S) probes against real servers on 127.0.0.1: status bounds, body matching, speed,
timeouts, retries, TLS trust and DNS failures, each read as the reason a human sees."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from statusgen import USER_AGENT
from statusgen.clock import FixedClock
from statusgen.config import HttpOptions, Metrics, Node, Service
from statusgen.probes import ClientFactory, ClientPool, make_client, probe_replica
from statusgen.probes.body import MAX_BODY, Match, judge_response
from statusgen.probes.http import describe_http_error
from statusgen.status import ProbeResult, Status
from tests.fault_servers import self_signed

# --- fixtures ------------------------------------------------------------------------


def _start(ssl_context: ssl.SSLContext | None = None) -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=ssl_context, threaded=True)
    server.start()
    return server


@pytest.fixture(scope="module")
def _shared_server() -> Iterator[HTTPServer]:
    # One server for the module: stopping one takes half a second (its poll interval).
    srv = _start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_shared_server: HTTPServer) -> Iterator[HTTPServer]:
    """A plain HTTP server with no expectations and an empty log."""
    _shared_server.clear()
    yield _shared_server
    _shared_server.clear()


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A port that accepts connections (the kernel does) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as sock:
        yield sock.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusting(ca: trustme.CA) -> ClientFactory:
    """Clients that trust the test CA when verifying: the production client, another store."""

    def factory(verify: bool, concurrency: int) -> httpx.AsyncClient:
        if not verify:
            return make_client(False, concurrency)
        context = ssl.create_default_context()
        ca.configure_trust(context)
        return make_client(context, concurrency)

    return factory


def _tls_server(cert: trustme.LeafCert) -> HTTPServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    srv = _start(context)
    srv.expect_request("/").respond_with_data("OK")
    return srv


@pytest.fixture
def tls_server(request: pytest.FixtureRequest) -> Iterator[HTTPServer]:
    """An HTTPS server presenting the certificate the test parametrises."""
    srv = _tls_server(request.param)
    yield srv
    srv.stop()


# --- helpers -------------------------------------------------------------------------

CLOCK = FixedClock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))


def probe(
    url: str,
    *,
    retry: int = 0,
    sick: float = 1.0,
    dead: float = 2.0,
    factory: ClientFactory | None = None,
    pool: ClientPool | None = None,
    **http: object,
) -> ProbeResult:
    """Probe one replica of a one-node service with the given HTTP options."""
    node = Node.model_validate(
        {
            "id": "site",
            "label": "Site",
            "replicas": [url],
            "http": http,
            "retry": retry,
            "delay_sick": sick,
            "delay_dead": dead,
        }
    )
    service = Service(id="web", name="Web", nodes=[node])
    metrics = node.metrics(Metrics())

    async def run() -> ProbeResult:
        if pool is not None:
            return await probe_replica(service, node, node.replicas[0], metrics, pool, CLOCK)
        async with ClientPool(factory) as own:
            return await probe_replica(service, node, node.replicas[0], metrics, own, CLOCK)

    return asyncio.run(run())


def slow(seconds: float, body: str = "OK"):
    def handler(_: Request) -> Response:
        time.sleep(seconds)
        return Response(body)

    return handler


# --- status codes, speed, body -------------------------------------------------------


def test_healthy_endpoint_is_healthy_with_its_status_as_reason(server: HTTPServer) -> None:
    server.expect_request(
        "/ok", method="GET", headers={"User-Agent": USER_AGENT}
    ).respond_with_data("OK")
    result = probe(server.url_for("/ok"))
    assert (result.status, result.ok, result.reason, result.attempts) == (
        Status.HEALTHY,
        True,
        "HTTP 200",
        1,
    )
    assert result.latency is not None and 0 < result.latency < 1
    assert result.at == CLOCK.now
    assert (result.service, result.node, result.label) == ("web", "site", server.url_for("/ok"))


def test_slow_endpoint_is_sick(server: HTTPServer) -> None:
    server.expect_request("/slow").respond_with_handler(slow(0.3))
    result = probe(server.url_for("/slow"), sick=0.1, dead=2)
    assert result.status is Status.SICK
    assert result.ok and result.reason == "HTTP 200"
    assert result.latency is not None and result.latency >= 0.3


def test_server_error_is_dead_with_the_healthy_range(server: HTTPServer) -> None:
    server.expect_request("/err").respond_with_data("down", status=500)
    result = probe(server.url_for("/err"))
    assert (result.status, result.reason) == (Status.DEAD, "HTTP 500 (healthy 200-399)")
    assert result.latency is not None  # it answered, just wrongly


def test_failures_are_retried_until_retries_run_out(server: HTTPServer) -> None:
    server.expect_request("/err").respond_with_data("down", status=503)
    result = probe(server.url_for("/err"), retry=2)
    assert (result.status, result.reason, result.attempts) == (
        Status.DEAD,
        "HTTP 503 (healthy 200-399)",
        3,
    )


def test_a_failure_then_a_success_is_healthy_after_two_attempts(server: HTTPServer) -> None:
    server.expect_oneshot_request("/flaky").respond_with_data("boom", status=500)
    server.expect_request("/flaky").respond_with_data("OK")
    result = probe(server.url_for("/flaky"), retry=1)
    assert (result.status, result.reason, result.attempts) == (Status.HEALTHY, "HTTP 200", 2)


def test_custom_status_bounds(server: HTTPServer) -> None:
    server.expect_request("/gone").respond_with_data("", status=404)
    assert probe(server.url_for("/gone"), healthy_above=400, healthy_below=405).ok
    result = probe(server.url_for("/gone"), healthy_above=200, healthy_below=300)
    assert result.reason == "HTTP 404 (healthy 200-299)"


def test_body_without_the_expected_text_is_dead(server: HTTPServer) -> None:
    server.expect_request("/body").respond_with_data("all fine")
    result = probe(server.url_for("/body"), healthy_match="OK")
    assert (result.status, result.reason) == (Status.DEAD, "body did not contain 'OK'")


def test_regex_match(server: HTTPServer) -> None:
    server.expect_request("/count").respond_with_data("workers: 12\n")
    assert probe(server.url_for("/count"), healthy_match=r"/workers: [1-9]\d*/").ok
    result = probe(server.url_for("/count"), healthy_match=r"/workers: 0$/")
    assert result.reason == "body did not match /workers: 0$/"


def test_body_is_read_only_up_to_one_mebibyte(server: HTTPServer) -> None:
    server.expect_request("/big").respond_with_data("a" * MAX_BODY + "NEEDLE")
    server.expect_request("/small").respond_with_data("a" * 1000 + "NEEDLE")
    assert probe(server.url_for("/big"), healthy_match="NEEDLE").reason == (
        "body did not contain 'NEEDLE' in the first 1 MiB"
    )
    assert probe(server.url_for("/small"), healthy_match="NEEDLE").ok


def test_method_headers_and_body_are_sent(server: HTTPServer) -> None:
    server.expect_request(
        "/api", method="POST", headers={"X-Probe": "yes"}, data='{"ping": 1}'
    ).respond_with_data("pong")
    result = probe(
        server.url_for("/api"), method="POST", headers={"X-Probe": "yes"}, body='{"ping": 1}'
    )
    assert result.reason == "HTTP 200"


def test_redirects_are_followed(server: HTTPServer) -> None:
    server.expect_request("/old").respond_with_data("", status=302, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("OK")
    assert probe(server.url_for("/old"), healthy_match="OK").reason == "HTTP 200"


def test_cookies_are_not_kept_between_probes(server: HTTPServer) -> None:
    server.expect_request("/set").respond_with_data("", headers={"Set-Cookie": "s=1; Path=/"})
    server.expect_request("/check").respond_with_data("OK")

    async def both() -> None:
        async with ClientPool() as pool:
            for path in ("/set", "/check"):
                node = Node(id="n", label="N", replicas=[server.url_for(path)])
                metrics = node.metrics(Metrics())
                service = Service(id="s", name="S")
                await probe_replica(service, node, node.replicas[0], metrics, pool, CLOCK)

    asyncio.run(both())
    check = [request for request, _ in server.log if request.path == "/check"]
    assert check and "Cookie" not in check[0].headers


# --- network failures ----------------------------------------------------------------


def test_hanging_server_is_dead_by_timeout(hanging_port: int) -> None:
    started = time.perf_counter()
    result = probe(f"http://127.0.0.1:{hanging_port}/", sick=0.1, dead=0.3)
    assert (result.status, result.reason, result.latency) == (
        Status.DEAD,
        "timed out after 0.3 s",
        None,
    )
    assert time.perf_counter() - started < 1.5


def test_closed_port_is_connection_refused(closed_port: int) -> None:
    result = probe(f"http://127.0.0.1:{closed_port}/")
    assert (result.status, result.reason) == (Status.DEAD, "connection refused")


def test_credentials_in_the_url_never_reach_the_reason(
    server: HTTPServer, closed_port: int
) -> None:
    server.expect_request("/private").respond_with_data("", status=401)
    for url in (
        f"http://admin:hunter2@127.0.0.1:{closed_port}/?token=s3cr3t",
        server.url_for("/private").replace("http://", "http://admin:hunter2@") + "?token=s3cr3t",
    ):
        result = probe(url)
        assert not result.ok
        assert not re.search("hunter2|s3cr3t|admin", result.reason + result.label)


def test_unknown_host_is_a_dns_failure_and_does_not_hang() -> None:
    started = time.perf_counter()
    result = probe("http://statusgen-probe-test.invalid/", dead=3)
    assert result.status is Status.DEAD
    assert result.reason.startswith("DNS: "), result.reason
    assert time.perf_counter() - started < 3.5


# --- TLS -----------------------------------------------------------------------------


def test_trusted_certificate_is_healthy(ca: trustme.CA, trusting: ClientFactory) -> None:
    srv = _tls_server(ca.issue_cert("127.0.0.1"))
    try:
        result = probe(srv.url_for("/").replace("http://", "https://"), factory=trusting)
    finally:
        srv.stop()
    assert (result.status, result.reason) == (Status.HEALTHY, "HTTP 200")


def test_expired_certificate_is_dead(ca: trustme.CA, trusting: ClientFactory) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    srv = _tls_server(
        ca.issue_cert("127.0.0.1", not_before=past - dt.timedelta(days=30), not_after=past)
    )
    try:
        result = probe(srv.url_for("/").replace("http://", "https://"), factory=trusting)
    finally:
        srv.stop()
    assert (result.status, result.reason) == (
        Status.DEAD,
        f"TLS: certificate expired on {past.date().isoformat()}",
    )


def test_certificate_from_an_unknown_ca_is_dead(trusting: ClientFactory) -> None:
    srv = _tls_server(trustme.CA().issue_cert("127.0.0.1"))
    try:
        result = probe(srv.url_for("/").replace("http://", "https://"), factory=trusting)
    finally:
        srv.stop()
    assert re.fullmatch(r"TLS: untrusted issuer 'trustme.*'", result.reason), result.reason


def test_self_signed_certificate_is_dead_unless_verification_is_off(
    tmp_path: Path, trusting: ClientFactory
) -> None:
    cert, key = self_signed("127.0.0.1", tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv = _start(context)
    srv.expect_request("/").respond_with_data("OK")
    url = srv.url_for("/").replace("http://", "https://")
    try:
        verified = probe(url, factory=trusting)
        unverified = probe(url, factory=trusting, verify_tls=False)
    finally:
        srv.stop()
    assert verified.status is Status.DEAD
    assert verified.reason == "TLS: self-signed certificate"
    assert (unverified.status, unverified.reason) == (Status.HEALTHY, "HTTP 200")


def test_one_client_per_verification_setting() -> None:
    made: list[bool] = []

    def factory(verify: bool, concurrency: int) -> httpx.AsyncClient:
        made.append(verify)
        return make_client(verify, concurrency)

    async def use() -> None:
        async with ClientPool(factory, 10) as pool:
            assert pool.get(True) is pool.get(True)
            assert pool.get(False) is not pool.get(True)

    asyncio.run(use())
    assert made == [True, False]


# --- pure rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "match", "options", "expected"),
    [
        (200, None, {}, (True, "HTTP 200")),
        (399, None, {}, (True, "HTTP 399")),
        (400, None, {}, (False, "HTTP 400 (healthy 200-399)")),
        (199, None, {}, (False, "HTTP 199 (healthy 200-399)")),
        (503, None, {"healthy_match": "OK"}, (False, "HTTP 503 (healthy 200-399)")),
        (200, Match.FOUND, {"healthy_match": "OK"}, (True, "HTTP 200")),
        (200, Match.MISSING, {"healthy_match": "OK"}, (False, "body did not contain 'OK'")),
        (
            200,
            Match.MISSING_IN_CAP,
            {"healthy_match": "OK"},
            (False, "body did not contain 'OK' in the first 1 MiB"),
        ),
        (200, Match.FOUND, {"healthy_match": r"/v\d+\.\d+/"}, (True, "HTTP 200")),
        (
            200,
            Match.MISSING,
            {"healthy_match": r"/v\d+\.\d+/"},
            (False, r"body did not match /v\d+\.\d+/"),
        ),
        (204, None, {"healthy_above": 204, "healthy_below": 205}, (True, "HTTP 204")),
    ],
)
def test_judge_response(
    status: int, match: Match | None, options: dict, expected: tuple[bool, str]
) -> None:
    assert judge_response(status, match, HttpOptions(**options)) == expected


def _verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED]")
    error.verify_code, error.verify_message = code, message
    return error


def _caused(outer: Exception, inner: BaseException) -> Exception:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "DNS: name not found"),
        (
            socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
            "DNS: temporary failure in name resolution",
        ),
        (_verify_error(10, "certificate has expired"), "TLS: certificate has expired"),
        (
            _verify_error(18, "self-signed certificate"),
            "TLS: certificate verify failed: self-signed certificate",
        ),
        (OSError(101, "Network is unreachable"), "network is unreachable"),
        (
            _caused(httpx.ConnectError("x"), ConnectionRefusedError(111, "refused")),
            "connection refused",
        ),
        (
            _caused(
                OSError("All connection attempts failed"),
                ExceptionGroup("all", [ConnectionRefusedError(111, "refused")]),
            ),
            "connection refused",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "HTTP protocol error: server disconnected without sending a response",
        ),
        (httpx.TooManyRedirects("Exceeded maximum allowed redirects."), "too many redirects"),
    ],
)
def test_describe_http_error(error: BaseException, reason: str) -> None:
    assert describe_http_error(error) == reason
