"""Benchmark the artifact transport: what the final job's import of the locations'
pass folders costs, and the replay check the location route makes before appending.

    python bench/passes.py [--replicas 10000] [--tiny]

A project of `--replicas` replicas (100 per node, never probed) and three locations. One
pass line per location (healthy, a few replicas dead) is written to a pass folder, as
`statusgen probe --location ID --out DIR` does; then the folders are imported into an
empty history (`statusgen data import`), imported again (every line already there), and
compared with a build's snapshot of the same page. Last, one location's day is filled to
288 passes (every 5 minutes) and the replay check (`statusgen.history.passes.holds`) is
timed for its last pass and for a pass it does not hold (the whole day scanned).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import write_fleet_project  # noqa: E402

from statusgen.clock import iso, system_clock  # noqa: E402
from statusgen.config import load_config  # noqa: E402
from statusgen.history import import_pass_folders, open_store, write_pass  # noqa: E402
from statusgen.history.lines import dumps  # noqa: E402
from statusgen.history.passes import holds  # noqa: E402
from statusgen.site.build import snapshot_at  # noqa: E402

LOCATIONS = ("a", "b", "c")


def write_project(root: Path, replicas: int) -> Path:
    """Replicas on addresses nothing probes (the benchmark writes their passes itself)."""
    return write_fleet_project(
        root, replicas, lambda i: f"tcp://10.0.{i // 250}.{i % 250 + 1}:80", locations=LOCATIONS
    )


def pass_line(config, at: str, index: int) -> dict:
    replicas, nodes = {}, {}
    for service, node in config.iter_nodes():
        for number, replica in enumerate(node.replicas):
            key = f"{service.id}/{node.id}/{replica.id or ''}"
            dead = number % 50 == index
            replicas[key] = ["d", None, "connection refused"] if dead else ["h", 12 + number % 7]
        nodes[f"{service.id}/{node.id}"] = "s"
    return {"t": at, "r": replicas, "n": nodes, "s": {"fleet": "s"}, "p": "s"}


def timed(fn: Callable[[], object], rounds: int = 1) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=10_000)
    parser.add_argument("--tiny", action="store_true", help="a smoke run: 200 replicas")
    args = parser.parse_args()
    replicas = 200 if args.tiny else args.replicas
    root = Path(tempfile.mkdtemp(prefix="statusgen-bench-passes-"))
    config = load_config(write_project(root, replicas), env={})
    load = os.getloadavg()[0]
    print(f"{replicas} replicas, 3 locations, {os.cpu_count()} cores, load {load:.1f}")
    now = system_clock().replace(microsecond=0)
    at = iso(now)
    lines = {ident: pass_line(config, at, index) for index, ident in enumerate(LOCATIONS)}
    folders = root / "passes"

    def write_all() -> None:
        for ident, line in lines.items():
            write_pass(folders / f"pass-{ident}", ident, line)

    written = timed(write_all)
    size = sum(p.stat().st_size for p in folders.rglob("*.jsonl")) / len(LOCATIONS)
    print(f"write 3 pass folders: {written * 1000:.0f} ms (one pass line: {size / 1024:.0f} KiB)")
    first = timed(lambda: import_pass_folders(config, [folders], now))
    again = timed(lambda: import_pass_folders(config, [folders], now), 3)
    snapshot = timed(lambda: snapshot_at(config, now), 3)
    print(f"import of 3 folders into the history: {first * 1000:.0f} ms")
    print(f"the same import again (all already there): {again * 1000:.0f} ms")
    print(f"a build's snapshot of the same page: {snapshot * 1000:.0f} ms")
    print(f"import / snapshot: {first / snapshot:.2f}")

    store = open_store(config, writer="a")
    path = store.samples_dir / "a" / f"{at[:10]}.jsonl"
    earlier = [{**lines["a"], "t": iso(now - timedelta(minutes=5 * n))} for n in range(1, 288)]
    earlier = [line for line in earlier if line["t"][:10] == at[:10]]
    with path.open("a", encoding="utf-8") as handle:  # a full day, quickly
        handle.writelines(dumps(line) + "\n" for line in earlier)
    count = len(path.read_text().splitlines())
    held = timed(lambda: holds(store, lines["a"]), 3)
    missing = {**lines["a"], "t": iso(now + timedelta(seconds=1))}
    scan = timed(lambda: holds(store, missing), 3)
    mib = path.stat().st_size / 2**20
    print(f"replay check, {count} passes ({mib:.0f} MiB) in the day: held {held * 1000:.0f} ms,")
    print(f"  not held (whole day scanned) {scan * 1000:.0f} ms")


if __name__ == "__main__":
    main()
