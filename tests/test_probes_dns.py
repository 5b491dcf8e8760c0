"""dns:// replicas against a real DNS server on loopback UDP: answers, wrong answers,
NXDOMAIN, SERVFAIL and silence, each read as the reason a human sees."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest

from statusgen.clock import FixedClock
from statusgen.config import Metrics, Node, Service, load_config
from statusgen.config.urls import DnsTarget, parse_dns_url
from statusgen.errors import ConfigError
from statusgen.probes import probe_pass, probe_replica
from statusgen.status import ProbeResult, Status
from tests.dns_support import dns_server, silent_dns

CLOCK = FixedClock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with dns_server() as served:
        yield served


def probe(url: str, *, dead: float = 2.0, retry: int = 0, conditions: list[str] | None = None):
    node = Node.model_validate(
        {
            "id": "dns",
            "label": "DNS",
            "replicas": [url],
            "retry": retry,
            "delay_sick": dead / 2,
            "delay_dead": dead,
            "conditions": conditions or [],
        }
    )
    service = Service(id="net", name="Net", nodes=[node])
    metrics = node.metrics(Metrics())
    return asyncio.run(probe_replica(service, node, node.replicas[0], metrics, None, CLOCK))


def ask(port: int, query: str, **options) -> ProbeResult:
    """`query` is the URL after dns://, without the server."""
    sep = "&" if "?" in query else "?"
    return probe(f"dns://{query}{sep}server=127.0.0.1:{port}", **options)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("a.test?type=A&expect=192.0.2.2", "A 192.0.2.1, 192.0.2.2"),
        ("a.test", "A 192.0.2.1, 192.0.2.2"),
        ("aaaa.test?type=AAAA&expect=2001:db8:0::1", "AAAA 2001:db8::1"),
        ("www.test?type=CNAME&expect=A.test.", "CNAME a.test"),
        ("www.test?type=A&expect=192.0.2.1", "A 192.0.2.1, 192.0.2.2"),
        ("test?type=MX&expect=mail.test", "MX 10 mail.test"),
        ("test?type=MX&expect=10 mail.test", "MX 10 mail.test"),
        ("test?type=NS&expect=ns1.test", "NS ns1.test"),
        ("txt.test?type=TXT&expect=v=spf1 -all", "TXT v=spf1 -all"),
    ],
)
def test_expected_answers_are_healthy(port: int, query: str, reason: str) -> None:
    result = ask(port, query)
    assert (result.status, result.reason) == (Status.HEALTHY, reason)
    assert result.latency is not None


@pytest.mark.parametrize(
    ("query", "reason", "attempts"),
    [
        ("a.test?expect=192.0.2.9", "A 192.0.2.1, 192.0.2.2, expected 192.0.2.9", 2),
        ("test?type=MX&expect=mx.other.test", "MX 10 mail.test, expected mx.other.test", 2),
        ("nothing.test", "DNS NXDOMAIN", 1),  # trying again cannot change it
        ("broken.test", "DNS SERVFAIL", 2),
        ("a.test?type=AAAA", "no AAAA record", 2),
    ],
)
def test_wrong_answers_and_error_rcodes_are_dead(
    port: int, query: str, reason: str, attempts: int
) -> None:
    result = ask(port, query, retry=1)
    assert (result.status, result.reason, result.attempts) == (Status.DEAD, reason, attempts)


def test_a_silent_server_is_dead_by_timeout() -> None:
    with silent_dns() as quiet:
        result = probe(f"dns://a.test?server=127.0.0.1:{quiet}", dead=0.3)
    assert (result.status, result.reason) == (Status.DEAD, "timed out after 0.3 s")


@pytest.mark.parametrize(
    ("query", "conditions", "status", "reason"),
    [
        ("nothing.test", ["[DNS_RCODE] == NXDOMAIN"], Status.HEALTHY, "DNS NXDOMAIN"),
        (
            "a.test",
            ["[DNS_RCODE] == NOERROR", "[BODY] == 192.0.2.1"],
            Status.HEALTHY,
            "A 192.0.2.1, 192.0.2.2",
        ),
        (
            "a.test",
            ["[BODY] == 192.0.2.7"],
            Status.DEAD,
            "[BODY]: expected 192.0.2.7, got 192.0.2.1",
        ),
        (
            "broken.test",
            ["[DNS_RCODE] == NOERROR"],
            Status.DEAD,
            "[DNS_RCODE]: expected NOERROR, got SERVFAIL",
        ),
        ("a.test", ["[RESPONSE_TIME] < 0"], Status.SICK, "[RESPONSE_TIME]: expected < 0, got 0"),
    ],
)
def test_conditions_judge_dns_answers(
    port: int, query: str, conditions: list[str], status: Status, reason: str
) -> None:
    result = ask(port, query, conditions=conditions)
    assert (result.status, result.reason.split(", got")[0]) == (status, reason.split(", got")[0])


def test_a_pass_probes_dns_replicas(project, port: int, clock) -> None:
    path = project(
        f"""
        [page]
        name = "Test"
        [[services]]
        id = "net"
        name = "Net"
        [[services.nodes]]
        id = "dns"
        label = "DNS"
        replicas = ["dns://a.test?server=127.0.0.1:{port}", "dns://test?type=MX&server=127.0.0.1:{port}"]
        """
    )
    config = load_config(path, env={})
    results = probe_pass(config, clock)
    assert [(r.replica, r.status) for r in results] == [
        ("dns:-a.test-A", Status.HEALTHY),
        ("dns:-test-MX", Status.HEALTHY),
    ]


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("dns://example.com", DnsTarget("example.com")),
        (
            "dns://example.com?type=mx&server=192.0.2.53:5353&expect=mail.example.com",
            DnsTarget("example.com", "MX", "192.0.2.53", 5353, "mail.example.com"),
        ),
        (
            "dns://example.com?server=[2001:db8::53]:54",
            DnsTarget("example.com", "A", "2001:db8::53", 54),
        ),
        (
            "dns://example.com?server=2001:db8::53",
            DnsTarget("example.com", "A", "2001:db8::53", 53),
        ),
    ],
)
def test_dns_urls(url: str, target: DnsTarget) -> None:
    assert parse_dns_url(url) == target


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "dns://example.com?type=SOA",
            "dns:// type 'SOA' is not one of: A, AAAA, CNAME, MX, TXT, NS",
        ),
        ("dns://example.com?server=ns.example.com", "dns:// server must be an IP address"),
        ("dns://example.com?server=192.0.2.1:99999", "bad port in dns:// server"),
        ("dns://example.com?expected=x", "unknown dns:// parameter 'expected'"),
        ("dns://example.com/path", "a dns:// URL has no path"),
    ],
)
def test_bad_dns_urls_are_config_errors_naming_the_replica(project, url: str, message: str) -> None:
    path = project(
        f"""
        [page]
        name = "Test"
        [[services]]
        id = "net"
        name = "Net"
        [[services.nodes]]
        id = "dns"
        label = "DNS"
        replicas = ["{url}"]
        """
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert "services[0].nodes[0].replicas[0]: " + message in str(caught.value)
