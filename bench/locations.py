"""Benchmark locations: sharding a big fleet, and the cost of merging locations.

    python bench/locations.py [--replicas 10000] [--shards 4] [--tiny]

A child process serves a loopback HTTP fleet (bench/probe.py's server; every replica
answers 200 at once). A project of `--replicas` replicas (100 per node) is probed by real
`statusgen probe --location a` processes: once as one process, then as `--shards`
processes at once (`--shard K/N`). Then three locations' records of every replica are in
the history and the benchmark times the merge of those three records (the vote of every
replica, `statusgen.history.locations.combine`) against a build's snapshot of the same
page (`statusgen.site.build.snapshot_at`, which reads the history and merges too).

Figures are printed, never asserted. Targets: sharded wall time / single wall time
<= 0.6; merge / snapshot <= 0.2.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from probe import start_fleet  # noqa: E402

from statusgen.clock import system_clock  # noqa: E402
from statusgen.config import load_config  # noqa: E402
from statusgen.history import open_store  # noqa: E402
from statusgen.history.locations import combine  # noqa: E402
from statusgen.site.build import snapshot_at  # noqa: E402

PER_NODE = 100


def write_project(root: Path, port: int, replicas: int) -> Path:
    lines = ['[page]\nname = "Bench"\n', "[probe]\nconcurrency = 256\n"]
    lines.append('[[services]]\nid = "fleet"\nname = "Fleet"\n')
    for node in range(0, replicas, PER_NODE):
        urls = ", ".join(
            f'"http://127.0.0.1:{port}/fast/{i}"'
            for i in range(node, min(node + PER_NODE, replicas))
        )
        lines.append(
            f'[[services.nodes]]\nid = "n{node // PER_NODE}"\nlabel = "N{node // PER_NODE}"\n'
            f"retry = 0\ndelay_sick = 5\ndelay_dead = 10\nreplicas = [{urls}]\n"
        )
    for ident in ("a", "b", "c"):
        lines.append(
            f'[[locations]]\nid = "{ident}"\nname = "{ident.upper()}"\nrunner = "external"\n'
        )
    (root / "config").mkdir(parents=True)
    path = root / "config" / "statusgen.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def probe(config: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "STATUSGEN_CONFIG": str(config)}
    return subprocess.Popen(
        [sys.executable, "-m", "statusgen", "probe", "--location", "a", *args],
        cwd=config.parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait(process: subprocess.Popen, started: float) -> float:
    _, err = process.communicate()
    if process.returncode:
        raise SystemExit(err.decode())
    return time.perf_counter() - started


def wait_all(processes: list[subprocess.Popen], started: float) -> list[float]:
    """Each process's own wall time from `started` (they run at once)."""
    times = [0.0] * len(processes)

    def one(index: int) -> None:
        times[index] = wait(processes[index], started)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(processes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def timed(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--tiny", action="store_true", help="a smoke run: 200 replicas")
    args = parser.parse_args()
    replicas = 200 if args.tiny else args.replicas
    fleet, port = start_fleet()
    try:
        root = Path(tempfile.mkdtemp(prefix="statusgen-bench-locations-"))
        config_path = write_project(root, port, replicas)
        print(
            f"{replicas} loopback replicas, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
        )

        single = wait(probe(config_path), time.perf_counter())
        started = time.perf_counter()
        count = args.shards
        shards = [probe(config_path, "--shard", f"{k}/{count}") for k in range(1, count + 1)]
        each = wait_all(shards, started)
        sharded = max(each)
        print(f"one process: {single:.2f} s")
        times = ", ".join(f"{t:.2f}" for t in each)
        print(f"{count} shards at once: {sharded:.2f} s (each: {times} s)")
        print(f"sharded / single: {sharded / single:.2f} (target <= 0.6)")

        config = load_config(config_path, env={})
        store = open_store(config, writer="a")
        record = store.last_passes(1, system_clock() - timedelta(hours=1))[0]
        now = system_clock()
        at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        votes = []
        for index, ident in enumerate(("a", "b", "c")):
            line = {**record, "t": at, "r": dict(record["r"])}
            for number, key in enumerate(line["r"]):
                if number % 50 == index:  # each location sees a few replicas dead
                    line["r"][key] = ["d", None, "connection refused"]
            votes.append((ident, [line]))
            if ident != "a":
                open_store(config, writer=ident).append(line, now)
        merge = timed(lambda: combine(votes, store.policy), 5)
        snapshot = timed(lambda: snapshot_at(config, now), 3)
        print(f"merge of 3 locations x {replicas} replicas: {merge * 1000:.0f} ms")
        print(f"a build's snapshot of the same page: {snapshot * 1000:.0f} ms")
        print(f"merge / snapshot: {merge / snapshot:.2f} (target <= 0.2)")
    finally:
        fleet.terminate()


if __name__ == "__main__":
    main()
