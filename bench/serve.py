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
import signal
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


# `statusgen serve` with tracemalloc on: SIGUSR1 dumps a snapshot into STATUSGEN_TRACE_DIR
# (0.snapshot, 1.snapshot, ...), for a soak to say what grew (`trace_growth`).
TRACED = """
import os, signal, sys, tracemalloc
tracemalloc.start(int(os.environ.get("STATUSGEN_TRACE_FRAMES", "12")))
taken = 0
def dump(*_):
    global taken
    folder = os.environ["STATUSGEN_TRACE_DIR"]
    tracemalloc.take_snapshot().dump(os.path.join(folder, f"{taken}.part"))
    os.replace(os.path.join(folder, f"{taken}.part"), os.path.join(folder, f"{taken}.snapshot"))
    taken += 1
signal.signal(signal.SIGUSR1, dump)
from statusgen.cli import main
main(prog_name="statusgen")
"""


def start_server(
    root: Path, log_level: str, cpu: int | None, trace_dir: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """`statusgen serve` on a throwaway project under `root`; with `trace_dir`, traced
    (see TRACED, and `snapshot`)."""
    (root / "config").mkdir(parents=True)
    (root / "config" / "statusgen.toml").write_text(CONFIG)
    launcher = [sys.executable, "-m", "statusgen"]
    env = None
    if trace_dir is not None:
        launcher = [sys.executable, "-c", TRACED]
        env = {**os.environ, "STATUSGEN_TRACE_DIR": str(trace_dir)}
    command = [*launcher, "serve", "-c", "config/statusgen.toml"]
    with socket.socket() as probe:  # a free port; the server binds it right after
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command += ["--port", str(port), "--log-level", log_level]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    process = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )

    def drain() -> None:  # keep reading so the access log never blocks the server
        assert process.stderr is not None
        for _ in process.stderr:
            pass

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + (30 if trace_dir is None else 300)  # tracing is slow
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.05)


def snapshot(process: subprocess.Popen, trace_dir: Path, number: int, timeout: float = 120):
    """Ask a traced server (`start_server(trace_dir=...)`) for its `number`-th tracemalloc
    snapshot and load it."""
    import tracemalloc

    os.kill(process.pid, signal.SIGUSR1)
    path = trace_dir / f"{number}.snapshot"
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("the traced server wrote no snapshot")
        time.sleep(0.1)
    return tracemalloc.Snapshot.load(str(path))


def trace_growth(before, after, top: int = 12) -> list[str]:
    """What grew between two snapshots, largest first: by file and line (each with the
    frames that led there, statusgen's first), then by file."""
    lines = []
    for stat in after.compare_to(before, "traceback")[:top]:
        frames = [f for f in stat.traceback if "statusgen" in f.filename] or list(stat.traceback)
        where = " <- ".join(f"{_short(f.filename)}:{f.lineno}" for f in frames[-3:][::-1])
        lines.append(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {where}")
    lines.append("by file:")
    for stat in after.compare_to(before, "filename")[:top]:
        lines.append(f"{stat.size_diff / 1024:+9.1f} KiB  {_short(stat.traceback[0].filename)}")
    return lines


def _short(filename: str) -> str:
    for marker in ("site-packages/", "statusgen/", "lib/python"):
        if marker in filename:
            return (
                filename.split(marker, 1)[1]
                if marker != "statusgen/"
                else filename[filename.index(marker) :]
            )
    return filename


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
