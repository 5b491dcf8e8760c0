"""Certificate expiry on https:// and tls:// replicas, with trustme certificates of chosen
lifetimes on loopback servers: healthy with room, sick within `tls_expiry_sick_days`,
dead once expired."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Iterator

import pytest
import trustme
from pytest_httpserver import HTTPServer

from statusgen.clock import FixedClock
from statusgen.config import Metrics, Node, Service
from statusgen.probes import probe_replica
from statusgen.probes.judge import expiry_words
from statusgen.status import ProbeResult, Status

CLOCK = FixedClock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def expiring(ca: trustme.CA, days: float) -> trustme.LeafCert:
    now = dt.datetime.now(dt.UTC)
    return ca.issue_cert(
        "127.0.0.1",
        not_before=now - dt.timedelta(days=30),
        not_after=now + dt.timedelta(days=days),
    )


@pytest.fixture
def server(request: pytest.FixtureRequest, ca: trustme.CA) -> Iterator[HTTPServer]:
    """An HTTPS server whose certificate expires in `request.param` days."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    expiring(ca, request.param).configure_cert(context)
    srv = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    srv.start()
    srv.expect_request("/").respond_with_data("OK")
    yield srv
    srv.stop()


def probe(url: str, ca_file: str | None, **node: object) -> ProbeResult:
    spec = {"id": "box", "label": "Box", "replicas": [url], "retry": 0, **node}
    if ca_file:
        spec["tls"] = {"ca_file": ca_file}
    built = Node.model_validate(spec)
    service = Service(id="infra", name="Infra", nodes=[built])
    metrics = built.metrics(Metrics())
    return asyncio.run(probe_replica(service, built, built.replicas[0], metrics, None, CLOCK))


def days_from_now(days: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date().isoformat()


@pytest.mark.parametrize("server", [20], indirect=True)
@pytest.mark.parametrize("scheme", ["https", "tls"])
def test_a_certificate_with_room_is_healthy(server: HTTPServer, ca_file: str, scheme: str):
    result = probe(f"{scheme}://127.0.0.1:{server.port}/", ca_file)
    assert result.status is Status.HEALTHY, result.reason


@pytest.mark.parametrize("server", [2.5], indirect=True)
@pytest.mark.parametrize("scheme", ["https", "tls"])
def test_a_certificate_expiring_within_the_sick_days_is_sick(
    server: HTTPServer, ca_file: str, scheme: str
) -> None:
    result = probe(f"{scheme}://127.0.0.1:{server.port}/", ca_file)
    assert (result.status, result.ok, result.reason) == (
        Status.SICK,
        True,
        f"certificate expires in 2 days ({days_from_now(2.5)})",
    )


@pytest.mark.parametrize("server", [20], indirect=True)
def test_the_sick_threshold_is_per_node(server: HTTPServer, ca_file: str) -> None:
    result = probe(f"tls://127.0.0.1:{server.port}", ca_file, tls_expiry_sick_days=30)
    assert result.status is Status.SICK
    assert result.reason.startswith("certificate expires in 19 days")


@pytest.mark.parametrize("server", [-1], indirect=True)
@pytest.mark.parametrize("scheme", ["https", "tls"])
def test_an_expired_certificate_is_dead(server: HTTPServer, ca_file: str, scheme: str) -> None:
    result = probe(f"{scheme}://127.0.0.1:{server.port}/", ca_file)
    assert result.status is Status.DEAD
    assert result.reason == f"TLS: certificate expired on {days_from_now(-1)}"


@pytest.mark.parametrize("server", [20], indirect=True)
def test_tls_from_an_unknown_ca_is_dead(server: HTTPServer) -> None:
    result = probe(f"tls://127.0.0.1:{server.port}", None)
    assert result.status is Status.DEAD
    assert result.reason.startswith("TLS: untrusted issuer")


def test_a_tls_replica_needs_a_port() -> None:
    with pytest.raises(ValueError, match="expected tls://host:port with a port"):
        Node.model_validate({"id": "x", "label": "X", "replicas": ["tls://mail.example.com"]})


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (2.5 * 86400, "certificate expires in 2 days (2026-12-11)"),
        (1.2 * 86400, "certificate expires in 1 day (2026-12-11)"),
        (3600, "certificate expires today (2026-12-11)"),
    ],
)
def test_expiry_words(seconds: float, words: str) -> None:
    assert expiry_words(seconds, dt.datetime(2026, 12, 11, 8, 0, tzinfo=dt.UTC)) == words
