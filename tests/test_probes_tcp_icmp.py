"""TCP and ICMP probes against 127.0.0.1, and how they fail."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from icmplib import SocketPermissionError

import statusgen.probes.icmp as icmp
from statusgen.clock import FixedClock
from statusgen.config import Metrics, Node, Service
from statusgen.probes import probe_replica
from statusgen.probes.base import Outcome
from statusgen.probes.icmp import NOT_PERMITTED
from statusgen.status import ProbeResult, Status

BUSY = 0.4  # seconds the event loop is kept busy while a reply waits to be read
CLOCK = FixedClock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))


def probe(url: str, *, retry: int = 0, sick: float = 1.0, dead: float = 2.0) -> ProbeResult:
    node = Node.model_validate(
        {
            "id": "box",
            "label": "Box",
            "replicas": [url],
            "retry": retry,
            "delay_sick": sick,
            "delay_dead": dead,
        }
    )
    service = Service(id="infra", name="Infra", nodes=[node])
    return asyncio.run(
        probe_replica(service, node, node.replicas[0], node.metrics(Metrics()), None, CLOCK)
    )


@pytest.fixture
def open_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0), backlog=16) as sock:
        yield sock.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


# --- TCP -----------------------------------------------------------------------------


def test_open_port_is_healthy(open_port: int) -> None:
    result = probe(f"tcp://127.0.0.1:{open_port}")
    assert (result.status, result.ok, result.reason, result.attempts) == (
        Status.HEALTHY,
        True,
        "connected",
        1,
    )
    assert result.latency is not None and result.latency < 1
    assert result.at == CLOCK.now


def test_closed_port_is_dead_after_its_retries(closed_port: int) -> None:
    result = probe(f"tcp://127.0.0.1:{closed_port}", retry=2)
    assert (result.status, result.reason, result.latency, result.attempts) == (
        Status.DEAD,
        "connection refused",
        None,
        3,
    )


def test_tcp_to_an_unknown_host_is_a_dns_failure() -> None:
    started = time.perf_counter()
    result = probe("tcp://statusgen-probe-test.invalid:443", dead=3)
    assert result.status is Status.DEAD
    assert result.reason.startswith("DNS: "), result.reason
    assert time.perf_counter() - started < 3.5


# --- ICMP ----------------------------------------------------------------------------


def test_ping_to_loopback_is_healthy() -> None:
    result = probe("icmp://127.0.0.1")
    if result.reason == NOT_PERMITTED:
        pytest.skip("this machine permits neither raw nor unprivileged ICMP sockets")
    assert (result.status, result.reason) == (Status.HEALTHY, "echo reply")
    assert result.latency is not None and result.latency < 1


def test_ping_latency_leaves_out_the_time_the_loop_was_busy() -> None:
    # The loop blocks right after the request leaves, so the reply waits to be read:
    # timed when the loop reads it, the round trip would be the whole BUSY time.
    async def lagged() -> Outcome:
        task = asyncio.create_task(icmp.probe_icmp("127.0.0.1", 5))
        await asyncio.sleep(0)  # the request is sent; the probe waits for its reply
        time.sleep(BUSY)
        return await task

    outcome = asyncio.run(lagged())
    if outcome.reason == NOT_PERMITTED:
        pytest.skip("this machine permits neither raw nor unprivileged ICMP sockets")
    assert (outcome.ok, outcome.reason) == (True, "echo reply")
    assert outcome.latency is not None and outcome.latency < BUSY / 4


UNPRIVILEGED = """
import asyncio, time
from statusgen.probes.icmp import _ping

async def main():
    task = asyncio.create_task(_ping("127.0.0.1", 5, privileged=False))
    await asyncio.sleep(0)
    time.sleep(BUSY)
    outcome = await task
    print(outcome.reason, outcome.latency)

BUSY = %r
asyncio.run(main())
"""


def test_unprivileged_ping_sockets_are_timed_by_the_kernel_too() -> None:
    # A network namespace of its own lets the test allow unprivileged ICMP sockets
    # (net.ipv4.ping_group_range) without touching the machine's setting.
    if not shutil.which("unshare") or not shutil.which("ip") or os.geteuid() != 0:
        pytest.skip("needs root and unshare to allow ping sockets in a namespace")
    script = (
        'ip link set lo up && sysctl -qw net.ipv4.ping_group_range="0 2147483647" && '
        f'"{sys.executable}" -c "$0"'
    )
    done = subprocess.run(
        ["unshare", "--net", "sh", "-c", script, UNPRIVILEGED % BUSY],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if done.returncode and "unshare" in done.stderr:
        pytest.skip(f"no network namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    reason, latency = done.stdout.strip().rsplit(" ", 1)
    assert reason == "echo reply"
    assert float(latency) < BUSY / 4


@pytest.mark.parametrize("refusal", [SocketPermissionError(False), PermissionError(1, "no")])
def test_icmp_not_permitted_is_a_result_and_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, refusal: Exception
) -> None:
    calls: list[bool] = []

    async def refuse(host: str, privileged: bool) -> None:
        calls.append(privileged)
        raise refusal

    monkeypatch.setattr(icmp, "_echo", refuse)
    result = probe("icmp://127.0.0.1", retry=3)
    assert (result.status, result.reason, result.attempts) == (Status.DEAD, NOT_PERMITTED, 1)
    assert result.reason == "ICMP is not permitted on this runner"
    # root tries raw sockets, then unprivileged ones; anyone else only the latter
    assert calls[-1] is False and len(calls) <= 2


def test_ping_to_an_unknown_host_is_a_dns_failure() -> None:
    result = probe("icmp://statusgen-probe-test.invalid", dead=3)
    assert (result.status, result.reason) == (Status.DEAD, "DNS: name not found")
