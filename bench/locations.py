"""Benchmark locations: sharding a big fleet, and the cost of merging locations.

    python bench/locations.py [--replicas 10000] [--shards 4] [--runs 2] [--fleet 2]
                              [--same-session] [--tiny]

The loopback fleet runs in processes of its own (`--fleet` of them, bench/probe.py's
server sharing one port through SO_REUSEPORT; every replica answers 200 at once), the
same fleet for every run. A project of `--replicas` replicas (100 per node) is probed by
real `statusgen probe --location a` processes: once as one process, then as `--shards`
processes at once (`--shard K/N`), `--runs` times, interleaved, so both face the same
machine load. Each probe process leads a session of its own, as a job on its own
runner would (Linux's autogroup scheduling shares a busy machine's CPU between sessions
first: with `--same-session` the shards share the one share a single process would get).
For each process it prints its wall time and CPU time (user + system, from the kernel's
accounting of the child), the fleet's CPU time over each run, and from them what sharding
could give on this machine's cores if nothing else ran: a run takes at least its busiest
process's CPU time, and at least all its CPU time (the fleet's included) spread over
every core.

Then three locations' records of every replica are in the history and the benchmark
times the merge of those three records (the vote of every replica,
`statusgen.history.locations.combine`) against a build's snapshot of the same page
(`statusgen.site.build.snapshot_at`, which reads the history and merges too), three
times, each the best of a few rounds, in CPU time (the steadier figure on a shared
machine) and wall time.

Figures are printed, never asserted. Targets (issue 16): sharded wall time / single wall
time <= 0.6; merge / snapshot <= 0.2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import write_fleet_project  # noqa: E402
from probe import start_fleet  # noqa: E402

from statusgen.clock import system_clock  # noqa: E402
from statusgen.config import load_config  # noqa: E402
from statusgen.history import open_store  # noqa: E402
from statusgen.history.locations import combine  # noqa: E402
from statusgen.site.build import snapshot_at  # noqa: E402


def write_project(root: Path, port: int, replicas: int) -> Path:
    """Every replica a path of the loopback fleet on `port`; three external locations."""
    return write_fleet_project(
        root,
        replicas,
        lambda i: f"http://127.0.0.1:{port}/fast/{i}",
        external=True,
        node="retry = 0\ndelay_sick = 5\ndelay_dead = 10\n",
        probe="concurrency = 256\n",
    )


# --- probing: one process, then shards at once ---------------------------------------


def probe_processes(
    config: Path, shards: list[str | None], own_sessions: bool = True
) -> list[tuple[float, float]]:
    """Start one `statusgen probe --location a` per entry of `shards` (None: the whole
    fleet; "K/N": that shard) at once; each one's (wall seconds, CPU seconds). With
    `own_sessions` each process leads a session of its own, as a job on a runner of its
    own would: Linux's autogroup scheduling shares the CPU between sessions first, so
    processes of one session get one session's share of a busy machine however many they
    are."""
    env = {**os.environ, "STATUSGEN_CONFIG": str(config)}
    with contextlib.ExitStack() as stack:
        started = time.perf_counter()
        children = []
        for shard in shards:
            err = stack.enter_context(tempfile.TemporaryFile())
            command = [sys.executable, "-m", "statusgen", "probe", "--location", "a"]
            if shard is not None:
                command += ["--shard", shard]
            process = subprocess.Popen(
                command,
                cwd=config.parent.parent,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=own_sessions,
            )
            children.append((process, err))
        figures = [(0.0, 0.0)] * len(children)

        def wait(index: int) -> None:
            process = children[index][0]
            # wait4: the child's own CPU time, as the kernel accounted it.
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            figures[index] = (time.perf_counter() - started, usage.ru_utime + usage.ru_stime)

        threads = [threading.Thread(target=wait, args=(i,)) for i in range(len(children))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for process, err in children:
            if process.returncode:
                err.seek(0)
                raise SystemExit(err.read().decode())
    return figures


def cpu_of(processes: list[psutil.Process]) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in processes)


def sharding(
    config: Path, fleet: list[psutil.Process], shards: int, runs: int, own_sessions: bool
) -> None:
    cores = os.cpu_count() or 1
    ratios, floors = [], []
    named = [f"{k}/{shards}" for k in range(1, shards + 1)]
    for number in range(1, runs + 1):
        before = cpu_of(fleet)
        ((single, single_cpu),) = probe_processes(config, [None], own_sessions)
        fleet_single = cpu_of(fleet) - before
        before = cpu_of(fleet)
        each = probe_processes(config, named, own_sessions)
        fleet_sharded = cpu_of(fleet) - before
        sharded = max(wall for wall, _ in each)
        shard_cpu = sum(cpu for _, cpu in each)
        # On idle cores a run takes at least its busiest process's CPU time, and at least
        # all its CPU time (the fleet's too) spread over every core.
        floor_single = max(single_cpu, (single_cpu + fleet_single) / cores)
        floor = max(max(cpu for _, cpu in each), (shard_cpu + fleet_sharded) / cores)
        ratios.append(sharded / single)
        floors.append(floor / floor_single)
        print(f"run {number} (load average {os.getloadavg()[0]:.1f}):")
        print(
            f"  one process: {single:.2f} s wall, {single_cpu:.2f} s CPU "
            f"({single_cpu / single:.0%} of a core); fleet CPU {fleet_single:.2f} s"
        )
        shown = ", ".join(f"{wall:.2f} s ({cpu:.2f} s CPU)" for wall, cpu in each)
        print(f"  {shards} shards at once: {sharded:.2f} s wall; each {shown}")
        print(
            f"  shards' CPU {shard_cpu:.2f} s (x{shard_cpu / single_cpu:.2f} the single "
            f"process's), fleet CPU {fleet_sharded:.2f} s"
        )
        print(
            f"  on {cores} idle cores at best: one process {floor_single:.2f} s, the shards "
            f"{floor:.2f} s ({floor / floor_single:.2f})"
        )
        print(
            f"  sharded / single: {sharded / single:.2f} (target <= 0.6); the shards used "
            f"{shard_cpu / sharded:.2f} cores, the one process {single_cpu / single:.2f}",
            flush=True,
        )
    print(
        f"sharded / single over {runs} runs: median {statistics.median(ratios):.2f} "
        f"(best {min(ratios):.2f}); at best on {cores} idle cores: median "
        f"{statistics.median(floors):.2f}"
    )


# --- merging three locations ---------------------------------------------------------


def best(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """The least (CPU seconds, wall seconds) of `rounds` calls."""
    cpu, wall = [], []
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - used)
        wall.append(time.perf_counter() - started)
    return min(cpu), min(wall)


def merging(config_path: Path, replicas: int, runs: int) -> None:
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
    ratios = []
    for number in range(1, runs + 1):
        merge_cpu, merge_wall = best(lambda: combine(votes, store.policy), 5)
        snap_cpu, snap_wall = best(lambda: snapshot_at(config, now), 3)
        ratios.append(merge_cpu / snap_cpu)
        print(
            f"run {number}: merge of 3 locations x {replicas} replicas {merge_cpu * 1000:.0f} ms "
            f"CPU ({merge_wall * 1000:.0f} ms wall); a build's snapshot of the same page "
            f"{snap_cpu * 1000:.0f} ms CPU ({snap_wall * 1000:.0f} ms wall); merge / snapshot "
            f"{merge_cpu / snap_cpu:.2f} CPU, {merge_wall / snap_wall:.2f} wall",
            flush=True,
        )
    print(
        f"merge / snapshot (CPU) over {runs} runs: {', '.join(f'{r:.2f}' for r in ratios)} "
        f"(target <= 0.2)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--runs", type=int, default=2, help="sharding runs (merge: 3)")
    parser.add_argument("--fleet", type=int, default=2, help="fleet server processes")
    parser.add_argument(
        "--same-session",
        action="store_true",
        help="run the probe processes in the benchmark's session (one autogroup)",
    )
    parser.add_argument("--tiny", action="store_true", help="a smoke run: 200 replicas")
    args = parser.parse_args()
    replicas = 200 if args.tiny else args.replicas
    first, port = start_fleet()
    fleet = [first] + [start_fleet(port)[0] for _ in range(args.fleet - 1)]
    try:
        root = Path(tempfile.mkdtemp(prefix="statusgen-bench-locations-"))
        config_path = write_project(root, port, replicas)
        sessions = "one session" if args.same_session else "a session each"
        print(
            f"{replicas} loopback replicas, {os.cpu_count()} cores, fleet of {args.fleet} "
            f"processes, probe processes in {sessions}, load average "
            f"{os.getloadavg()[0]:.1f} at start"
        )
        fleet_processes = [psutil.Process(p.pid) for p in fleet]
        sharding(config_path, fleet_processes, args.shards, args.runs, not args.same_session)
        print()
        merging(config_path, replicas, 1 if args.tiny else 3)
    finally:
        for process in fleet:
            process.terminate()
        for process in fleet:
            process.join(5)


if __name__ == "__main__":
    main()
