"""Benchmark the probe engine against a loopback fleet.

    python bench/probe.py [--sizes 100,1000] [--delay-dead 2] [--retry 1] [--sample 100]

A child process serves one asyncio HTTP server on 127.0.0.1 with many paths, in a fixed
mix per 20 replicas: 14 fast, 4 slow (0.5 s), 1 answering 500, 1 hanging until the client
gives up. The benchmark times `run_probes` over 100 and 1,000 replicas and compares it
with a sequential httpx loop over the same replicas (same timeout and retries). The
sequential loop over 1,000 replicas would take minutes, so it runs on the first
`--sample` replicas (the same mix) and is extrapolated; the output says so.

Figures are printed, never asserted: the target is a pass over 1,000 replicas in under
1.5x the slowest replica's own time plus 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import resource
import sys
import time
import tracemalloc
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from statusgen.clock import system_clock  # noqa: E402
from statusgen.config import Config  # noqa: E402
from statusgen.probes import make_client, run_probes  # noqa: E402
from statusgen.status import ProbeResult, Status  # noqa: E402

MIX = ["fast"] * 14 + ["slow"] * 4 + ["error", "hang"]
SLOW_SECONDS = 0.5


# --- the fleet (runs in a child process) ---------------------------------------------


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:  # keep-alive: one request after another on the same connection
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            kind = path.strip("/").split("/", 1)[0]
            if kind == "hang":
                await reader.read()  # until the client hangs up
                return
            if kind == "slow":
                await asyncio.sleep(SLOW_SECONDS)
            status = "500 Internal Server Error" if kind == "error" else "200 OK"
            body = b"down" if kind == "error" else b"OK"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n"
                "Content-Type: text/plain\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _serve(conn: Connection) -> None:
    async def main() -> None:
        server = await asyncio.start_server(_handle, "127.0.0.1", 0, backlog=4096)
        conn.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_fleet() -> tuple[multiprocessing.Process, int]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(child,), daemon=True)
    process.start()
    return process, parent.recv()


# --- the configs ---------------------------------------------------------------------


def fleet_urls(port: int, size: int) -> list[str]:
    return [f"http://127.0.0.1:{port}/{MIX[i % len(MIX)]}/{i}" for i in range(size)]


def fleet_config(urls: list[str], delay_dead: float, retry: int, concurrency: int = 256) -> Config:
    return Config.model_validate(
        {
            "page": {"name": "Bench"},
            "probe": {"concurrency": concurrency},
            "services": [
                {
                    "id": "fleet",
                    "name": "Fleet",
                    "nodes": [
                        {
                            "id": "web",
                            "label": "Web",
                            "replicas": urls,
                            "retry": retry,
                            "delay_sick": SLOW_SECONDS / 2,
                            "delay_dead": delay_dead,
                        }
                    ],
                }
            ],
        }
    )


# --- the measurements ----------------------------------------------------------------


def time_pass(config: Config) -> tuple[float, float, list[ProbeResult]]:
    """Wall time, this process's CPU time, and the results of one pass."""
    started, cpu = time.perf_counter(), time.process_time()
    results = asyncio.run(run_probes(config, system_clock))
    return time.perf_counter() - started, time.process_time() - cpu, results


def describe(results: list[ProbeResult]) -> list[str]:
    """Status counts, and what the fast endpoints' latencies became under load: the
    probing process's own queueing is part of every measured latency."""
    counts = ", ".join(f"{s.value} {sum(r.status is s for r in results)}" for s in Status)
    fast = sorted(r.latency or 0.0 for r in results if r.label.split("/")[3] == "fast")
    wrong = sum(1 for r in results if r.label.split("/")[3] == "fast" and r.status != "healthy")
    p50, p95 = fast[len(fast) // 2], fast[int(len(fast) * 0.95)]
    return [
        f"statuses: {counts}",
        f"fast endpoints: latency p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
        f"{wrong} of {len(fast)} judged not healthy (delay_sick {SLOW_SECONDS / 2:g} s)",
    ]


def peak_python_memory(config: Config) -> int:
    """Peak bytes Python allocated during a pass (a separate run: tracemalloc is slow)."""
    gc.collect()
    tracemalloc.start()
    asyncio.run(run_probes(config, system_clock))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


async def sequential(urls: list[str], delay_dead: float, retry: int) -> float:
    """The naive loop: one replica after another, same timeout and retries."""
    started = time.perf_counter()
    async with make_client(True, 1) as client:
        for url in urls:
            for _ in range(retry + 1):
                try:
                    async with asyncio.timeout(delay_dead):
                        response = await client.get(url, timeout=delay_dead)
                    if response.status_code < 400:
                        break
                except (TimeoutError, httpx.HTTPError):
                    pass
    return time.perf_counter() - started


def slowest_own_time(port: int, delay_dead: float, retry: int) -> tuple[str, float]:
    """Each kind of replica probed alone; the slowest one's time bounds any pass."""
    times = {}
    for kind in sorted(set(MIX)):
        config = fleet_config([f"http://127.0.0.1:{port}/{kind}/alone"], delay_dead, retry)
        times[kind] = time_pass(config)[0]
    kind = max(times, key=times.__getitem__)
    return kind, times[kind]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--delay-dead", type=float, default=2.0)
    parser.add_argument("--retry", type=int, default=1)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=256)
    args = parser.parse_args()

    process, port = start_fleet()
    try:
        kind, slowest = slowest_own_time(port, args.delay_dead, args.retry)
        print(f"fleet mix per 20 replicas: 14 fast, 4 slow ({SLOW_SECONDS} s), 1 HTTP 500, 1 hang")
        print(
            f"delay_dead {args.delay_dead:g} s, retry {args.retry}, "
            f"concurrency {args.concurrency}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f} at start"
        )
        print(f"slowest replica's own time ({kind}, probed alone): {slowest:.2f} s\n")
        sample_time = None
        for size in (int(s) for s in args.sizes.split(",")):
            urls = fleet_urls(port, size)
            config = fleet_config(urls, args.delay_dead, args.retry, args.concurrency)
            elapsed, cpu, results = time_pass(config)
            attempts = sum(r.attempts for r in results)
            peak = peak_python_memory(config)
            if size <= args.sample:
                seq = asyncio.run(sequential(urls, args.delay_dead, args.retry))
                note = "measured"
            else:
                if sample_time is None:
                    sample = fleet_urls(port, args.sample)
                    sample_time = asyncio.run(sequential(sample, args.delay_dead, args.retry))
                seq = sample_time * size / args.sample
                note = f"extrapolated from the first {args.sample} replicas (same mix)"
            target = 1.5 * slowest + 1
            verdict = "meets" if elapsed < target else "MISSES"
            print(f"{size} replicas: run_probes {elapsed:.2f} s ({verdict} target {target:.2f} s)")
            for line in describe(results):
                print(f"  {line}")
            print(
                f"  probing CPU: {cpu:.2f} s for {attempts} attempts "
                f"({cpu / attempts * 1000:.1f} ms each; the fleet server runs in another process)"
            )
            print(f"  sequential httpx loop: {seq:.1f} s ({note})")
            ratio = elapsed / slowest
            print(f"  speed-up: {seq / elapsed:.0f}x; pass / slowest replica: {ratio:.2f}")
            print(f"  peak Python memory during the pass (tracemalloc): {peak / 2**20:.1f} MiB")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak RSS of the benchmark process: {rss:.0f} MiB")
    finally:
        process.terminate()
        process.join(5)


if __name__ == "__main__":
    main()
