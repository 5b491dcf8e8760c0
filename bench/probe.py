"""Benchmark the probe engine against a loopback fleet: is the recorded latency the
target's, and does a pass take about as long as its slowest replica?

    python bench/probe.py [--size 1000] [--runs 5] [--baseline REF] [--delay-dead 2] [--retry 1]

A child process serves one asyncio HTTP server on 127.0.0.1 with many paths, in a fixed
mix per 20 replicas: 14 fast, 4 slow (0.5 s), 1 answering 500, 1 hanging until the client
gives up. `delay_sick` is 0.25 s, so a fast endpoint judged sick is judged wrongly.

Each pass runs as `statusgen probe` runs it (`probe_pass`, on uvloop) in a fresh process.
Each run is two passes: a cold one that knows no previous pass (config order, as the very
first pass of a project), then a warm one that knows the cold one's results, as every
later cron pass knows the history's latest pass (and `serve` its own last round): it
starts the replicas expected to take longest first. Both are reported, apart.
With `--baseline REF` (a git commit, e.g. the one before the network-event latency) the
same passes run with that commit's statusgen too, interleaved with this checkout's, so
both face the same machine load. Per code, it prints:

- the fast endpoints' recorded latency at p50/p95 over all runs, and divided by their
  solo latency (one fast replica probed alone, by the same code, 30 times);
- the pass time divided by the slowest replica's own time (probed alone);
- how many fast endpoints were judged sick (or worse) over all runs;
- how long the pass took to start every replica's first attempt (from the results'
  `at`), which is about what a pass takes beyond its slowest replica, and its CPU.

Figures are printed, never asserted. Targets (issue 14): pass <= 1.2x the slowest
replica; fast p95 within 2x (or +5 ms) of solo; 0 wrongly judged sick.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from baseline import baseline_code  # noqa: E402

MIX = ["fast"] * 14 + ["slow"] * 4 + ["error", "hang"]
SLOW_SECONDS = 0.5
DELAY_SICK = SLOW_SECONDS / 2
SOLO_PASSES = 30


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


def _serve(conn: Connection, port: int = 0) -> None:
    async def main() -> None:
        # reuse_port: several fleet processes may share one port (bench/locations.py).
        server = await asyncio.start_server(
            _handle, "127.0.0.1", port, backlog=4096, reuse_port=True
        )
        conn.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


def start_fleet(port: int = 0) -> tuple[multiprocessing.Process, int]:
    """A fleet server in a child process, on `port` (0: any free one); returns the port."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(child, port), daemon=True)
    process.start()
    return process, parent.recv()


# --- one pass, in a child process with the chosen code -------------------------------


def fleet_urls(port: int, size: int, kind: str | None = None) -> list[str]:
    if kind is not None:
        return [f"http://127.0.0.1:{port}/{kind}/alone/{i}" for i in range(size)]
    return [f"http://127.0.0.1:{port}/{MIX[i % len(MIX)]}/{i}" for i in range(size)]


def fleet_config(urls: list[str], delay_dead: float, retry: int, concurrency: int) -> dict:
    node = {"id": "web", "label": "Web", "replicas": urls, "retry": retry}
    node |= {"delay_sick": DELAY_SICK, "delay_dead": delay_dead}
    return {
        "page": {"name": "Bench"},
        "probe": {"concurrency": concurrency},
        "services": [{"id": "fleet", "name": "Fleet", "nodes": [node]}],
    }


def child(args: argparse.Namespace) -> None:
    """Run `args.passes` passes with the statusgen found in `args.code`; write them as
    JSON to `args.out`. With `args.previous` (a JSON file of a pass's results), each pass
    knows that pass, as a cron pass knows the history's latest one (when the code can)."""
    sys.path.insert(0, args.code)
    import inspect

    from statusgen.clock import system_clock
    from statusgen.config import Config
    from statusgen.probes import probe_pass

    urls = fleet_urls(args.port, args.size, args.kind)
    config = Config.model_validate(
        fleet_config(urls, args.delay_dead, args.retry, args.concurrency)
    )
    options = {}
    knows = "previous" in inspect.signature(probe_pass).parameters
    if args.previous and knows:
        from statusgen.probes.order import Seen
        from statusgen.status import Status

        rows = json.loads(Path(args.previous).read_text())
        options["previous"] = {r[5]: Seen(Status(r[2]), r[1]) for r in rows}
    passes = []
    for _ in range(args.passes):
        started, cpu = time.perf_counter(), time.process_time()
        results = probe_pass(config, system_clock, **options)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        # Each result's `at` is when its first attempt got a place: how long the pass took
        # to start them all, and each replica's start after the first.
        starts = [r.at for r in results if r.attempts]
        first = min(starts) if starts else None
        rows = [
            [
                r.label.split("/")[3],
                r.latency,
                r.status.value,
                r.attempts,
                r.reason,
                r.key,
                (r.at - first).total_seconds() if first and r.attempts else None,
            ]
            for r in results
        ]
        spread = (max(starts) - min(starts)).total_seconds() if starts else 0.0
        passes.append(
            {"elapsed": elapsed, "cpu": cpu, "spread": spread, "results": rows, "knows": knows}
        )
    # A file, not stdout: uvloop leaves stdout non-blocking, and a pipe takes 64 KiB.
    Path(args.out).write_text(json.dumps(passes))


def run_child(code: Path, port: int, args: argparse.Namespace, **over: object) -> list[dict]:
    options = {
        "size": args.size,
        "kind": None,
        "passes": 1,
        "delay_dead": args.delay_dead,
        "retry": args.retry,
        "concurrency": args.concurrency,
    } | over
    command = [sys.executable, __file__, "--child", "--code", str(code), "--port", str(port)]
    for key, value in options.items():
        if value is not None:
            command += [f"--{key.replace('_', '-')}", str(value)]
    with tempfile.TemporaryDirectory(prefix="bench-probe-child-") as scratch:
        out = Path(scratch) / "passes.json"
        subprocess.run([*command, "--out", str(out)], check=True, capture_output=True, cwd=code)
        return json.loads(out.read_text())


def cold_and_warm(
    code: Path, port: int, args: argparse.Namespace, scratch: Path
) -> tuple[dict, dict]:
    """A cold pass (no previous pass: config order), then a warm one that knows the cold
    pass's results, as every cron or serve pass after the first does; each in a fresh
    process, as `statusgen run` from cron runs."""
    (cold,) = run_child(code, port, args)
    previous = scratch / "previous.json"
    previous.write_text(json.dumps(cold["results"]))
    (warm,) = run_child(code, port, args, previous=previous)
    return cold, warm


# --- the measurements ----------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def report(name: str, runs: list[dict], solo: float, slowest: float) -> None:
    fast = [r[1] or 0.0 for run in runs for r in run["results"] if r[0] == "fast"]
    wrong = [sum(1 for r in run["results"] if r[0] == "fast" and r[2] != "healthy") for run in runs]
    ratios = [run["elapsed"] / slowest for run in runs]
    elapsed = ", ".join(f"{run['elapsed']:.2f}" for run in runs)
    attempts = sum(r[3] for run in runs for r in run["results"])
    rechecked = sum("re-checked" in r[4] for run in runs for r in run["results"])
    cpu = sum(run["cpu"] for run in runs)
    p50, p95 = pct(fast, 0.5), pct(fast, 0.95)
    bound = max(2 * solo, solo + 0.005)
    print(f"{name}:")
    print(
        f"  fast endpoints recorded: p50 {p50 * 1000:.1f} ms ({p50 / solo:.1f}x solo), "
        f"p95 {p95 * 1000:.1f} ms ({p95 / solo:.1f}x solo; target <= {bound * 1000:.1f} ms: "
        f"{'meets' if p95 <= bound else 'MISSES'})"
    )
    print(
        f"  pass / slowest replica: median {statistics.median(ratios):.2f}, worst "
        f"{max(ratios):.2f} (target <= 1.2: {'meets' if max(ratios) <= 1.2 else 'MISSES'}); "
        f"passes {elapsed} s"
    )
    spreads = sorted(run["spread"] for run in runs)
    print(
        f"  every first attempt started within: median {statistics.median(spreads):.2f} s "
        f"({spreads[0]:.2f}-{spreads[-1]:.2f}) of the first; pass CPU: median "
        f"{statistics.median(run['cpu'] for run in runs):.2f} s"
    )
    hung = sorted(
        max((r[6] for r in run["results"] if r[0] == "hang" and r[6] is not None), default=0.0)
        for run in runs
    )
    print(
        f"  the last hanging replica started: median {statistics.median(hung):.2f} s "
        f"({hung[0]:.2f}-{hung[-1]:.2f}) after the first replica"
    )
    print(
        f"  fast endpoints judged sick or worse: {sum(wrong)} over {len(runs)} runs "
        f"({', '.join(map(str, wrong))}); confirmation attempts: {rechecked}"
    )
    reasons = Counter(
        r[4] if r[2] == "dead" else f"{r[2]}: {r[4]}"
        for run in runs
        for r in run["results"]
        if r[0] == "fast" and r[2] != "healthy"
    )
    if reasons:
        top = "; ".join(f"{count} x {reason}" for reason, count in reasons.most_common(3))
        print(f"  most common for those: {top}")
    print(f"  probing CPU: {cpu / attempts * 1000:.2f} ms per attempt ({attempts} attempts)")


def solo_latency(code: Path, port: int, args: argparse.Namespace) -> float:
    """One fast replica probed alone, by `code`: the median of its recorded latencies."""
    runs = run_child(code, port, args, size=1, kind="fast", passes=SOLO_PASSES)
    return statistics.median(run["results"][0][1] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", metavar="REF", help="a git commit to compare with")
    parser.add_argument("--delay-dead", type=float, default=2.0)
    parser.add_argument("--retry", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=256)
    # for the child processes
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--previous", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    process, port = start_fleet()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-probe-") as tmp:
            codes = {"this checkout": ROOT}
            if args.baseline:
                codes[f"baseline {args.baseline}"] = baseline_code(args.baseline, Path(tmp))
            print(
                f"{args.size} replicas (per 20: 14 fast, 4 slow at {SLOW_SECONDS} s, 1 HTTP 500, "
                f"1 hanging); delay_sick {DELAY_SICK:g} s, delay_dead {args.delay_dead:g} s, "
                f"retry {args.retry}, concurrency {args.concurrency}; {os.cpu_count()} CPUs, "
                f"load average {os.getloadavg()[0]:.1f} at start"
            )
            slowest = max(
                run_child(ROOT, port, args, size=1, kind=kind)[0]["elapsed"]
                for kind in ("slow", "hang")
            )
            print(f"slowest replica's own time (probed alone): {slowest:.2f} s", flush=True)
            solos = {name: solo_latency(code, port, args) for name, code in codes.items()}
            for name, solo in solos.items():
                print(f"solo latency of a fast endpoint ({name}): {solo * 1000:.2f} ms")
            runs: dict[tuple[str, str], list[dict]] = {
                (name, kind): [] for name in codes for kind in ("cold", "warm")
            }
            for number in range(args.runs):  # interleaved: both codes see the same load
                for name, code in codes.items():
                    cold, warm = cold_and_warm(code, port, args, Path(tmp))
                    for kind, last in (("cold", cold), ("warm", warm)):
                        runs[name, kind].append(last)
                        wrong = sum(r[0] == "fast" and r[2] != "healthy" for r in last["results"])
                        print(
                            f"  run {number + 1}, {name}, {kind}: {last['elapsed']:.2f} s, "
                            f"{wrong} fast endpoints judged sick or worse",
                            flush=True,
                        )
            print()
            for name in codes:
                for kind in ("cold", "warm"):
                    passes = runs[name, kind]
                    if kind == "cold":
                        what = "cold: the first pass, no previous pass known (config order)"
                    elif passes[0]["knows"]:
                        what = "warm: each knows the previous pass (longest expected first)"
                    else:
                        what = "warm: a second pass (this code ignores the previous pass)"
                    report(f"{name}, {what}", passes, solos[name], slowest)
            print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        process.terminate()
        process.join(5)


if __name__ == "__main__":
    main()
