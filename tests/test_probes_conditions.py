"""A node's Gatus-style conditions judged on real answers from loopback servers."""

from __future__ import annotations

import asyncio
import datetime as _dt
import datetime as dt
import socket
import ssl
from collections.abc import Iterator

import httpx
import pytest
import trustme
from pytest_httpserver import HTTPServer

from statusgen.clock import FixedClock
from statusgen.config import Metrics, Node, Service
from statusgen.probes import ClientFactory, ClientPool, make_client, probe_replica
from statusgen.status import ProbeResult, Status

CLOCK = FixedClock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))


def probe(
    url: str, conditions: list[str], factory: ClientFactory | None = None, **options: object
) -> ProbeResult:
    node = Node.model_validate(
        {
            "id": "box",
            "label": "Box",
            "replicas": [url],
            "retry": 0,
            "delay_sick": 1.0,
            "delay_dead": 2.0,
            "conditions": conditions,
            **options,
        }
    )
    service = Service(id="infra", name="Infra", nodes=[node])
    metrics = node.metrics(Metrics())

    async def run() -> ProbeResult:
        async with ClientPool(factory) as pool:
            return await probe_replica(service, node, node.replicas[0], metrics, pool, CLOCK)

    return asyncio.run(run())


@pytest.fixture(scope="module")
def open_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0), backlog=64) as sock:
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    ("conditions", "status", "reason"),
    [
        (["[CONNECTED] == true", "[IP] == 127.0.0.1"], Status.HEALTHY, "connected"),
        (["[IP] == pat(10.*)"], Status.DEAD, "[IP]: expected pattern 10.*, got 127.0.0.1"),
        (["[RESPONSE_TIME] < 0"], Status.SICK, "[RESPONSE_TIME]: expected < 0, got"),
        (
            ["[IP] == any(10.0.0.1, ::1)", "[RESPONSE_TIME] < 0"],
            Status.DEAD,
            "[IP]: expected any of 10.0.0.1, ::1, got 127.0.0.1; [RESPONSE_TIME]: expected < 0",
        ),
        (["[STATUS] == 200"], Status.DEAD, "[STATUS]: no HTTP status (not an HTTP answer)"),
    ],
)
def test_tcp_conditions(open_port: int, conditions: list[str], status: Status, reason: str) -> None:
    result = probe(f"tcp://127.0.0.1:{open_port}", conditions)
    assert result.status == status
    assert result.reason.startswith(reason)


def test_a_refused_connection_keeps_its_own_reason() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        closed = sock.getsockname()[1]
    result = probe(f"tcp://127.0.0.1:{closed}", ["[CONNECTED] == true"])
    assert (result.status, result.reason) == (Status.DEAD, "connection refused")


# --- HTTP: Gatus' documented examples against a loopback server ---------------------------

# (condition, status, body, holds) -- the passing and failing values of Gatus' README table
GATUS_HTTP = [
    ("[STATUS] == 200", 200, "", True),
    ("[STATUS] == 200", 201, "", False),
    ("[STATUS] < 300", 299, "", True),
    ("[STATUS] < 300", 301, "", False),
    ("[STATUS] <= 299", 299, "", True),
    ("[STATUS] > 400", 404, "", True),
    ("[STATUS] > 400", 200, "", False),
    ("[STATUS] == any(200, 429)", 429, "", True),
    ("[STATUS] == any(200, 429)", 400, "", False),
    ("[CONNECTED] == true", 200, "", True),
    ("[RESPONSE_TIME] < 500", 200, "", True),
    ("[IP] == 127.0.0.1", 200, "", True),
    ("[IP] == 0.0.0.0", 200, "", False),
    ("[BODY] == 1", 200, "1", True),
    ("[BODY] == 1", 200, "{}", False),
    ("[BODY].user.name == john", 200, '{"user":{"name":"john"}}', True),
    ("[BODY].user.name == john", 200, '{"user":{"name":"jane"}}', False),
    ("[BODY].data[0].id == 1", 200, '{"data":[{"id":1}]}', True),
    ("[BODY].age == [BODY].id", 200, '{"age":1,"id":1}', True),
    ("len([BODY].data) < 5", 200, '{"data":[{"id":1}]}', True),
    ("len([BODY].name) == 8", 200, '{"name":"john.doe"}', True),
    ("len([BODY].name) == 8", 200, '{"name":"bob"}', False),
    ("has([BODY].errors) == false", 200, '{"name":"john.doe"}', True),
    ("has([BODY].errors) == false", 200, '{"errors":[]}', False),
    ("has([BODY].users) == true", 200, '{"users":[]}', True),
    ("has([BODY].users) == true", 200, "{}", False),
    ("[BODY].name == pat(john*)", 200, '{"name":"john.doe"}', True),
    ("[BODY].name == pat(john*)", 200, '{"name":"bob"}', False),
    ("[BODY].id == any(1, 2)", 200, '{"id":2}', True),
    ("[BODY].id == any(1, 2)", 200, '{"id":3}', False),
    ("[BODY].status == UP", 200, '{"status":"UP"}', True),
    ("[BODY].version == pat(2.*)", 200, '{"version":"2.4.1"}', True),
    ("[STATUS] == any(200, 204)", 204, "", True),
]


@pytest.fixture(scope="module")
def web() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(("condition", "status", "body", "holds"), GATUS_HTTP)
def test_gatus_examples_against_a_loopback_server(
    web: HTTPServer, condition: str, status: int, body: str, holds: bool
) -> None:
    web.clear()
    web.expect_request("/").respond_with_data(body, status=status)
    result = probe(web.url_for("/"), [condition])
    sick = "RESPONSE_TIME" in condition
    failing = Status.SICK if sick else Status.DEAD
    assert result.status == (Status.HEALTHY if holds else failing), result.reason


def test_a_failing_body_condition_is_named_and_dead(web: HTTPServer) -> None:
    web.clear()
    web.expect_request("/").respond_with_json({"status": "DOWN"})
    result = probe(web.url_for("/"), ["[STATUS] == 200", "[BODY].status == UP"])
    assert (result.status, result.reason) == (Status.DEAD, "[BODY].status: expected UP, got DOWN")


def test_a_body_past_the_cap_fails_body_conditions(web: HTTPServer) -> None:
    web.clear()
    web.expect_request("/").respond_with_data('{"status":"UP"}' + " " * (1 << 20))
    result = probe(web.url_for("/"), ["[BODY].status == UP"])
    assert (result.status, result.reason) == (
        Status.DEAD,
        "[BODY].status: body is larger than 1 MiB",
    )


def test_healthy_range_still_applies_without_a_status_condition(web: HTTPServer) -> None:
    web.clear()
    web.expect_request("/").respond_with_json({"status": "UP"}, status=503)
    result = probe(web.url_for("/"), ["[BODY].status == UP"])
    assert (result.status, result.reason) == (Status.DEAD, "HTTP 503 (healthy 200-399)")


def test_healthy_match_and_body_conditions_do_not_mix() -> None:
    with pytest.raises(ValueError, match="cannot be combined"):
        Node.model_validate(
            {
                "id": "x",
                "label": "X",
                "replicas": ["http://127.0.0.1:9/"],
                "http": {"healthy_match": "OK"},
                "conditions": ["[BODY].status == UP"],
            }
        )


# --- HTTPS: [CERTIFICATE_EXPIRATION] with certificates of chosen lifetimes ---------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusting(ca: trustme.CA) -> ClientFactory:
    def factory(verify: bool, concurrency: int) -> httpx.AsyncClient:
        context = ssl.create_default_context()
        ca.configure_trust(context)
        return make_client(context if verify else False, concurrency)

    return factory


def https_server(ca: trustme.CA, days: float) -> HTTPServer:
    now = _dt.datetime.now(_dt.UTC)
    cert = ca.issue_cert(
        "127.0.0.1",
        not_before=now - _dt.timedelta(days=1),
        not_after=now + _dt.timedelta(days=days),
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.expect_request("/").respond_with_data("OK")
    return server


@pytest.mark.parametrize(
    ("days", "status", "reason"),
    [
        (20, Status.HEALTHY, "HTTP 200"),
        # Within tls_expiry_sick_days (3) too: both problems are named.
        (
            1.5,
            Status.SICK,
            "[CERTIFICATE_EXPIRATION]: expected > 48h, got 36h; certificate expires in 1 day",
        ),
    ],
)
def test_certificate_expiration_condition(
    ca: trustme.CA, trusting: ClientFactory, days: float, status: Status, reason: str
) -> None:
    server = https_server(ca, days)
    try:
        result = probe(server.url_for("/"), ["[CERTIFICATE_EXPIRATION] > 48h"], trusting)
    finally:
        server.stop()
    assert result.status == status and result.reason.startswith(reason)
