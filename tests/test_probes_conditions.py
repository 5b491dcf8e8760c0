"""A node's Gatus-style conditions judged on real answers from loopback servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Iterator

import pytest

from statusgen.clock import FixedClock
from statusgen.config import Metrics, Node, Service
from statusgen.probes import probe_replica
from statusgen.status import ProbeResult, Status

CLOCK = FixedClock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))


def probe(url: str, conditions: list[str], **options: object) -> ProbeResult:
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
    return asyncio.run(
        probe_replica(service, node, node.replicas[0], node.metrics(Metrics()), None, CLOCK)
    )


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
