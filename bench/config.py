"""Benchmark what every command pays before it does anything: loading the config, and
`statusgen check` from start to end (issue 14).

    python bench/config.py [--baseline REF] [--replicas 1000,10000] [--runs 10] [--smoke]

1. **Loading a big config.** A page of `--replicas` loopback replicas, 100 a node (the
   shape of bench/locations.py's project), read by `load_config` in
   a fresh interpreter, as a probe shard starts: the CPU time of importing
   `statusgen.config` and of the one `load_config` call, best of `--runs`.
2. **`statusgen check`.** In a project made by `statusgen init` (each code's own: an
   older statusgen may not know a newer example's keys), and on this repository's
   `config/`: wall and CPU time of the whole process, best of `--runs`.

With `--baseline REF` the same runs use that commit's statusgen too, interleaved (same
load), and this checkout / baseline ratios are printed. Each code's bytecode is compiled
once, before the timed runs, into a cache folder of the benchmark's own (as an installed
package's is; PYTHONDONTWRITEBYTECODE would time the compiler). `--smoke`: 200 replicas,
one run, no baseline, in a few seconds. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from baseline import baseline_code  # noqa: E402
from fleet import write_fleet_project  # noqa: E402

# what `statusgen init` copies besides the package: the example page, workflows, pins
INIT_PARTS = ("statusgen", "site-templates", "config", ".github", "requirements", ".gitattributes")

# Runs in the measured interpreter: import, then load each config once (a fresh process
# per run: what a probe shard pays at start).
LOADER = """
import json, sys, time
began = time.process_time()
from statusgen.config import load_config
imported = time.process_time() - began
loads = []
for path in sys.argv[1:]:
    began = time.process_time()
    load_config(path, env={})
    loads.append(time.process_time() - began)
print(json.dumps({"import": imported, "loads": loads}))
"""


def write_config(folder: Path, replicas: int) -> Path:
    """A project of `replicas` replicas, 100 a node (no [[locations]]: a baseline from
    before them could not read it, and they cost nothing to load)."""
    return write_fleet_project(
        folder / str(replicas),
        replicas,
        lambda i: f"http://127.0.0.1:9/fast/{i}",
        locations=(),
        node="retry = 0\ndelay_sick = 5\ndelay_dead = 10\n",
    )


def environment(code: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(code)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env.pop("STATUSGEN_CONFIG", None)
    return env


def run_child(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU time (its own rusage, from wait4) of one child process."""
    began = time.perf_counter()
    child = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stderr is not None
    out, err = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} in {cwd} failed:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REF", help="a git commit to compare with")
    parser.add_argument("--replicas", default="1000,10000", help="config sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--smoke", action="store_true", help="200 replicas, one run")
    args = parser.parse_args()
    sizes = [200] if args.smoke else [int(n) for n in args.replicas.split(",")]
    runs = 1 if args.smoke else args.runs
    with tempfile.TemporaryDirectory(prefix="statusgen-bench-config-") as name:
        tmp = Path(name)
        codes = {"this checkout": ROOT}
        if args.baseline and not args.smoke:
            codes[f"baseline {args.baseline}"] = baseline_code(
                args.baseline, tmp / "baseline", INIT_PARTS
            )
        configs = [write_config(tmp / "configs", n) for n in sizes]
        envs = {
            label: environment(code, tmp / "pycache" / str(i))
            for i, (label, code) in enumerate(codes.items())
        }
        examples = {}
        for i, label in enumerate(codes):
            examples[label] = tmp / f"example-{i}"
            run_child(
                [sys.executable, "-m", "statusgen", "init", str(examples[label])], tmp, envs[label]
            )
        # Run from tmp with -c: `python -m` puts its folder first on sys.path, so from
        # this checkout every code would run this checkout's statusgen.
        config = Path("config") / "statusgen.toml"
        places = {
            "init example": {label: folder / config for label, folder in examples.items()},
            "repo config/": dict.fromkeys(codes, ROOT / config),
        }
        loads: dict[str, list[dict]] = {label: [] for label in codes}
        checks: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for run in range(runs + 1):  # run 0 compiles each code's bytecode: not counted
            for label in codes:
                env = envs[label]
                _, _, out = run_child([sys.executable, "-c", LOADER, *map(str, configs)], tmp, env)
                for place, where in places.items():
                    check = [sys.executable, "-m", "statusgen", "check", "-c", str(where[label])]
                    wall, cpu, _ = run_child(check, tmp, env)
                    if run:
                        checks.setdefault((label, place), []).append((wall, cpu))
                if run:
                    loads[label].append(json.loads(out))
        print(
            f"config load and check start-up: {os.cpu_count()} cores, best of {runs} run(s), "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        best: dict[tuple[str, str], float] = {}
        for label, found in loads.items():
            best[(label, "import")] = min(f["import"] for f in found)
            figures = [f"import statusgen.config {best[(label, 'import')] * 1000:.0f} ms CPU"]
            for index, size in enumerate(sizes):
                best[(label, str(size))] = min(f["loads"][index] for f in found)
                figures.append(f"load {size:,} replicas {best[(label, str(size))] * 1000:.0f} ms")
            print(f"  {label}: " + ", ".join(figures))
        for (label, place), found in checks.items():
            wall, cpu = min(w for w, _ in found), min(c for _, c in found)
            best[(label, f"{place} wall")], best[(label, f"{place} cpu")] = wall, cpu
            figures = f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU"
            print(f"  {label}: check on the {place}: {figures}")
        if len(codes) > 1:
            this, base = list(codes)
            keys = ["import", *map(str, sizes)] + [
                f"{place} {kind}" for place in places for kind in ("wall", "cpu")
            ]
            ratios = ", ".join(
                f"{key} {best[(this, key)] / best[(base, key)]:.2f}x" for key in keys
            )
            print(f"  this checkout / baseline: {ratios}")


if __name__ == "__main__":
    main()
