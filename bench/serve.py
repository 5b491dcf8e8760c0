"""Benchmark the live server's reporter route on loopback.

    python bench/serve.py [--seconds 10] [--connections 16] [--replicas 100]
                          [--log-level info] [--pin]

One process runs `statusgen serve` (uvicorn, one worker, the production app with its
scheduler and access log) on a throwaway project with one push node; a second process
generates load: `--connections` keep-alive HTTP/1.1 connections, each sending Vigil
push reports (Basic auth, JSON body, random replica among `--replicas`) back to back
for `--seconds`, recording each request's latency. With `--pin` (Linux) the server is
pinned to CPU 0 and the load generator to CPU 1, so "one core" means one core.

Prints reports accepted per second, the status codes seen, and p50/p99/max latency.
Figures are printed, never asserted: the target is at least 2,000 reports/s on one core
with p99 under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
[page]
name = "Bench"

[server]
max_replicas_per_node = 10000
rebuild_debounce = 5

[[services]]
id = "api"
name = "API"

  [[services.nodes]]
  id = "workers"
  label = "Workers"
  mode = "push"
"""


# --- the server (a child process) ------------------------------------------------------


def start_server(root: Path, log_level: str, cpu: int | None) -> tuple[subprocess.Popen, str]:
    (root / "config").mkdir(parents=True)
    (root / "config" / "statusgen.toml").write_text(CONFIG)
    command = [sys.executable, "-m", "statusgen", "serve", "-c", "config/statusgen.toml"]
    with socket.socket() as probe:  # a free port; the server binds it right after
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command += ["--port", str(port), "--log-level", log_level]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    process = subprocess.Popen(
        command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )

    def drain() -> None:  # keep reading so the access log never blocks the server
        assert process.stderr is not None
        for _ in process.stderr:
            pass

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.05)


# --- the load generator (another child process) ----------------------------------------


def request_bytes(host: str, token: str, replica: str) -> bytes:
    body = json.dumps(
        {"replica": replica, "interval": 30, "load": {"cpu": 0.42, "ram": 0.5}}
    ).encode()
    auth = base64.b64encode(f":{token}".encode()).decode()
    head = (
        f"POST /reporter/api/workers/ HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Basic {auth}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def connection(
    host: str, port: int, requests: list[bytes], until: float, out: list, codes: dict
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    rng = random.Random()
    try:
        while time.perf_counter() < until:
            began = time.perf_counter()
            writer.write(rng.choice(requests))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)content-length: *(\d+)", head)
            if length and int(length.group(1)):
                await reader.readexactly(int(length.group(1)))
            out.append(time.perf_counter() - began)
            codes[status] = codes.get(status, 0) + 1
    finally:
        writer.close()


def generate(url: str, token: str, seconds: float, connections: int, replicas: int, pipe) -> None:
    host, port = url.removeprefix("http://").split(":")
    requests = [
        request_bytes(f"{host}:{port}", token, f"10.0.{i // 256}.{i % 256}")
        for i in range(replicas)
    ]
    latencies: list[float] = []
    codes: dict[int, int] = {}

    async def main() -> float:
        began = time.perf_counter()
        until = began + seconds
        await asyncio.gather(
            *(
                connection(host, int(port), requests, until, latencies, codes)
                for _ in range(connections)
            )
        )
        return time.perf_counter() - began

    elapsed = asyncio.run(main())
    pipe.send((elapsed, latencies, codes))


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far. The server may
    run under `taskset`, so its Python process is the launcher's child when pinned."""
    import psutil

    process = psutil.Process(pid)
    family = [process, *process.children(recursive=True)]
    return sum(p.cpu_times().user + p.cpu_times().system for p in family)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, load on CPU 1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server, url = start_server(root, args.log_level, 0 if args.pin else None)
        try:
            token = (root / ".statusgen" / "reporter-token").read_text().strip()
            cpu_before = server_cpu(server.pid)
            receive, send = multiprocessing.Pipe(duplex=False)
            load = multiprocessing.Process(
                target=generate,
                args=(url, token, args.seconds, args.connections, args.replicas, send),
            )
            load.start()
            if args.pin:
                os.sched_setaffinity(load.pid, {1})
            elapsed, latencies, codes = receive.recv()
            cpu_used = server_cpu(server.pid) - cpu_before
            load.join()
        finally:
            server.terminate()
            server.wait(30)
    accepted = codes.get(200, 0)
    print(
        f"server: statusgen serve, uvicorn 1 worker, log level {args.log_level}"
        f"{', pinned to CPU 0' if args.pin else ''} ({os.cpu_count()} CPUs on this machine)"
    )
    print(
        f"load: {args.connections} keep-alive connections, {args.replicas} replicas, "
        f"{elapsed:.1f} s"
    )
    print(f"requests: {len(latencies)}  status codes: {dict(sorted(codes.items()))}")
    print(f"reports accepted/s: {accepted / elapsed:,.0f}")
    per_request = cpu_used / max(1, len(latencies))
    print(
        f"server CPU: {cpu_used:.2f} s for {len(latencies)} requests = "
        f"{per_request * 1e6:.0f} µs each, i.e. up to {1 / per_request:,.0f} reports/s per core"
    )
    p50, p99 = (percentile(latencies, share) * 1000 for share in (0.5, 0.99))
    print(f"latency ms: p50 {p50:.2f}  p99 {p99:.2f}  max {max(latencies) * 1000:.2f}")


if __name__ == "__main__":
    main()
