"""`statusgen local`: the local agent, for nodes the server cannot reach (a private LAN).

It probes every local-mode node's replicas with the same probe code as the server, each
node on its own `interval`, and reports each replica's health to the server in
Vigil-local's format: `POST <server>/reporter/<service>/<node>/` with HTTP Basic auth
(empty user, the reporter token as password) and the body
`{"replica": <replica URL>, "interval": <seconds>, "health": "healthy"|"sick"|"dead"}`.
A failed report is retried a few times a couple of seconds apart, as Vigil Local does.

The replica URL sent is the public one (no credentials, query or fragment): the server
matches it against its own config, so secrets in replica URLs never cross the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from statusgen import USER_AGENT
from statusgen.clock import Clock
from statusgen.config import Config, Node, Service, public_url
from statusgen.errors import StatusgenError
from statusgen.probes import ClientFactory, ClientPool
from statusgen.probes.limit import Gate, LagProbe, measure_lag
from statusgen.probes.order import Previous, seen_in
from statusgen.server.polling import probe_node
from statusgen.status import ProbeResult

log = logging.getLogger("statusgen.agent")

RETRIES = 2  # after the first attempt, as Vigil Local
RETRY_DELAY = 3.0  # seconds between attempts
REPORT_TIMEOUT = 10.0


@dataclass
class AgentStats:
    """What the agent did so far: rounds probed, reports accepted and given up on."""

    rounds: int = 0
    reported: int = 0
    failed: int = 0


def local_nodes(config: Config) -> list[tuple[Service, Node]]:
    """The local-mode nodes this agent probes. One whose replica URL, headers or body use
    a `${NAME}` that is not set here is skipped with a warning (the server, which
    never probes it, still takes other agents' reports for it)."""
    nodes = [(s, n) for s, n in config.iter_nodes() if n.mode == "local"]
    if not nodes:
        raise StatusgenError(f'{config.path}: no node has mode = "local"; nothing to probe')
    usable = [(s, n) for s, n in nodes if n.unavailable is None]
    if not usable:
        raise StatusgenError(
            f"{config.path}: every local node uses a secret that is not set here: "
            + "; ".join(f"{s.id}/{n.id}: {n.unavailable}" for s, n in nodes)
        )
    return usable


def report_url(server: str, service: str, node: str) -> str:
    return f"{server.rstrip('/')}/reporter/{quote(service, safe='')}/{quote(node, safe='')}/"


async def run_agent(
    config: Config,
    server: str,
    token: str,
    clock: Clock,
    stop: asyncio.Event,
    *,
    client_factory: ClientFactory | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    retries: int = RETRIES,
    retry_delay: float = RETRY_DELAY,
    stats: AgentStats | None = None,
    lag: LagProbe = measure_lag,
) -> AgentStats:
    """Probe and report every local node until `stop` is set; returns the stats. All
    nodes' probes share one `Gate`: at most `probe.concurrency` in flight, fewer while the
    event loop lags (measured by `lag`), as in `statusgen run`."""
    stats = stats if stats is not None else AgentStats()
    nodes = local_nodes(config)
    local = {f"{s.id}/{n.id}" for s, n in config.iter_nodes() if n.mode == "local"}
    for item in config.disabled:
        if item.kind == "node" and item.name in local:
            log.warning("%s", item.warning(config.path))
    concurrency = config.probe.concurrency
    gate = Gate(concurrency, lag=lag)
    async with (
        ClientPool(client_factory, concurrency) as pool,
        httpx.AsyncClient(
            auth=httpx.BasicAuth("", token),
            headers={"User-Agent": USER_AGENT},
            timeout=REPORT_TIMEOUT,
            transport=transport,
            trust_env=False,
        ) as http,
    ):

        async def node_loop(service: Service, node: Node) -> None:
            metrics = node.metrics(config.metrics)
            url = report_url(server, service.id, node.id)
            previous: Previous = {}  # the last round: its slowest replicas start first
            while not stop.is_set():
                results = await probe_node(service, node, metrics, pool, clock, gate, previous)
                previous = seen_in(results)
                stats.rounds += 1
                interval = math.ceil(metrics.interval)
                await asyncio.gather(
                    *(
                        send(http, url, node, r, interval, retries, retry_delay, stop, stats)
                        for r in results
                    )
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), metrics.interval)

        try:
            await asyncio.gather(*(node_loop(s, n) for s, n in nodes))
        finally:
            await gate.aclose()
    return stats


async def send(
    http: httpx.AsyncClient,
    url: str,
    node: Node,
    result: ProbeResult,
    interval: int,
    retries: int,
    retry_delay: float,
    stop: asyncio.Event,
    stats: AgentStats,
) -> bool:
    """Report one replica's health, retrying; never raises for a failed report."""
    replica = next(r for r in node.replicas if r.id == result.replica)
    body = {"replica": public_url(replica.url), "interval": interval, "health": result.status.value}
    problem = ""
    for attempt in range(retries + 1):
        if attempt:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_delay)
            if stop.is_set():
                break
        try:
            response = await http.post(url, json=body)
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
            continue
        if response.status_code == 200:
            stats.reported += 1
            return True
        problem = f"HTTP {response.status_code}: {response.text.strip()[:200]}"
    stats.failed += 1
    log.warning("event=report-failed key=%s problem=%r", result.key, problem)
    return False


def run_forever(config: Config, server: str, token: str, clock: Clock) -> AgentStats:
    """`run_agent` until SIGINT or SIGTERM (the CLI's `statusgen local`)."""

    async def main() -> AgentStats:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        return await run_agent(config, server, token, clock, stop)

    return asyncio.run(main())
