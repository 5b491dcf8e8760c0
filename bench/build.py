"""Benchmark `statusgen build` on a big page.

    python bench/build.py [--nodes 1000] [--days 90] [--incidents 200] [--passes 24]
                          [--realistic] [--baseline DIR] [--no-small] [--project DIR]

Generates a project in a temporary folder: `--nodes` nodes (20 per service, one or two
replicas each), sealed days of made-up aggregates for the `--days` before today,
`--passes` raw passes over the last day appended through the history store (the raw
samples a build reads; the store seals yesterday from them, so no line arrives after
its day was sealed), `--incidents` incident files spread over the days (five still
open) and a few maintenance windows. Then, in a fresh child process each, it times:

- `build_site` itself (the library call: read history and content, snapshot, render,
  write), with peak RSS (the child's `ru_maxrss`: the interpreter and its imports, about
  50 MB, included; docs/site.md says what a build holds at its peak);
- `statusgen build` as a command (Python start-up and imports included);

and builds a 50-node page to weigh its home page (HTML + CSS). Figures are printed,
never asserted.

`--realistic` replaces the 24 passes with real retention: the store's default 7 days of
raw passes every 5 minutes (2,016 passes), appended through `statusgen.history.Store` so
that days are sealed by the history's own writer as they end (the v2 format a real page
has); the made-up sealed days cover the rest of `--days`. `--baseline DIR` times the
same project with another checkout's `statusgen` (say, a `git worktree` of main) in
interleaved runs and prints the ratio. Then a new pass is appended five minutes later
and the rebuild (incremental, from the build before) is timed against a full build
(`--full`) of the same pass, and the files whose bytes did not change are checked to
have kept their inode and mtime. The rebuild reuses the build cache of the build before
(the state folder's `build-cache/`: incident, maintenance and history pages, node pages'
shells, content Markdown, the raw files decoded up to where they were read, the sealed
days' rows), so it decodes one new raw line and renders what the pass changed.
`--project DIR` copies a project generated before instead of generating one; `--profile
FILE` runs one more rebuild under cProfile (CPU time) and prints where it went. Targets
(issue 14): a full build <= 0.1x the baseline's time and <= 150 MB; a rebuild <= 0.3x
the full build; unchanged files untouched; home page under 100 KB for 50 nodes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PER_SERVICE = 20


def config_text(nodes: int) -> str:
    lines = ['[page]\nname = "Bench Status"\nurl = "https://status.bench.test/"\n']
    for index in range(nodes):
        service, node = divmod(index, PER_SERVICE)
        if node == 0:
            lines.append(f'[[services]]\nid = "svc{service}"\nname = "Service {service}"\n')
        replicas = ", ".join(
            f'{{ url = "https://10.{service}.{node}.{r}/health", label = "r{r}" }}'
            for r in range(1 + index % 2)
        )
        lines.append(
            f'  [[services.nodes]]\n  id = "n{index}"\n  label = "Node {index}"\n'
            f"  replicas = [{replicas}]\n"
        )
    return "\n".join(lines)


def tree(nodes: int) -> list[tuple[str, str, list[str]]]:
    return [
        (f"svc{i // PER_SERVICE}", f"n{i}", [f"r{r}" for r in range(1 + i % 2)])
        for i in range(nodes)
    ]


def write_daily(
    history: Path, nodes: int, days: int, rng: random.Random, skip_last: int = 0
) -> None:
    """One sealed day with every key per day, through the history store (the last
    `skip_last` days are left to the raw passes)."""
    from statusgen.history import Store

    store = Store(history)
    layout = tree(nodes)
    for offset in range(days, skip_last, -1):
        day = (NOW - timedelta(days=offset)).date()
        keys: dict[str, list] = {}
        worst_service: dict[str, int] = {}
        for service, node, replicas in layout:
            dead = rng.choice((0,) * 40 + (1, 4, 30))
            row = [288, 288 - dead, 0, dead, None, None]
            keys[f"{service}/{node}"] = row
            worst_service[service] = max(worst_service.get(service, 0), dead)
            for replica in replicas:
                mean = rng.randint(30, 300)
                keys[f"{service}/{node}/{replica}"] = [*row[:4], mean, mean * 3]
        for service, dead in worst_service.items():
            keys[service] = [288, 288 - dead, 0, dead, None, None]
        page_dead = max(worst_service.values())
        keys[""] = [288, 288 - page_dead, 0, page_dead, None, None]
        store.write_sealed_day(day.isoformat(), keys, NOW)


def write_passes(
    history: Path,
    nodes: int,
    passes: int,
    rng: random.Random,
    span: timedelta = timedelta(days=1),
    end: datetime = NOW,
) -> None:
    """`passes` raw pass lines over the `span` before `end`, appended through the history
    store (which seals each day once it is over)."""
    from statusgen.history import Store

    store = Store(history)
    layout = tree(nodes)
    for index in range(passes):
        at = end - span * (passes - 1 - index) / passes
        r, n, s = {}, {}, {}
        for service, node, replicas in layout:
            code = "d" if rng.random() < 0.002 else "h"
            for replica in replicas:
                r[f"{service}/{node}/{replica}"] = [
                    code,
                    None if code == "d" else rng.randint(30, 300),
                ]
            n[f"{service}/{node}"] = code
            s[service] = "d" if code == "d" or s.get(service) == "d" else "h"
        page = "d" if "d" in s.values() else "h"
        t = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        store.append({"n": n, "p": page, "r": r, "s": s, "t": t}, at)


def write_content(config_dir: Path, nodes: int, count: int, rng: random.Random) -> None:
    folder = config_dir / "incidents"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        still_open = index < 5  # open incidents are recent ones, as on a real page
        days_ago = rng.uniform(0.05, 0.5) if still_open else rng.uniform(0.5, 89)
        started = NOW - timedelta(days=days_ago, minutes=index)
        severity = rng.choice(["minor", "major", "critical"])
        affected = sorted({f"n{rng.randrange(nodes)}" for _ in range(rng.randint(1, 3))})
        updates = [(started, "investigating", f"We are looking into problem {index}.")]
        if not still_open:
            updates.append((started + timedelta(minutes=20), "identified", "Found the cause."))
            updates.append((started + timedelta(hours=1), "resolved", "Fixed."))
        body = "\n\n".join(
            f"## {at:%Y-%m-%dT%H:%M:%SZ} — {status}\n\n{text}"
            for at, status, text in reversed(updates)
        )
        (folder / f"{started:%Y-%m-%d}-incident-{index}.md").write_text(
            f"---\ntitle: Incident {index} on {', '.join(affected)}\nseverity: {severity}\n"
            f"affected: [{', '.join(affected)}]\n---\n{body}\n"
        )
    folder = config_dir / "maintenance"
    folder.mkdir(parents=True, exist_ok=True)
    services = (nodes + PER_SERVICE - 1) // PER_SERVICE
    for index, offset in enumerate((-30, -2, 0, 3)):
        starts = NOW + timedelta(days=offset, hours=-1)
        (folder / f"{starts:%Y-%m-%d}-work-{index}.md").write_text(
            f"---\ntitle: Planned work {index}\nstarts: {starts:%Y-%m-%dT%H:%M:%SZ}\n"
            f"ends: {starts + timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}\n"
            f"affected: [svc{index % services}]\n---\nPlanned work.\n"
        )


RETENTION_DAYS = 7  # the store's default raw retention
PASSES_PER_DAY = 288  # one pass every 5 minutes


def make_project(
    root: Path, nodes: int, days: int, incidents: int, passes: int, realistic: bool = False
) -> Path:
    rng = random.Random(1)
    config_dir = root / "config"
    config_dir.mkdir(parents=True)
    (config_dir / "statusgen.toml").write_text(config_text(nodes))
    if realistic:
        write_daily(root / "history", nodes, days, rng, skip_last=RETENTION_DAYS)
        span = timedelta(days=RETENTION_DAYS)
        count = RETENTION_DAYS * PASSES_PER_DAY
        write_passes(root / "history", nodes, count, rng, span)
    else:  # a day the passes reach is left to them (the store seals it as it ends)
        first = NOW - timedelta(days=1) * (passes - 1) / max(passes, 1)
        write_daily(root / "history", nodes, days, rng, skip_last=int(first.date() < NOW.date()))
        write_passes(root / "history", nodes, passes, rng)
    write_content(config_dir, nodes, incidents, rng)
    return config_dir / "statusgen.toml"


CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from statusgen.config import load_config
from statusgen.clock import parse_iso
from statusgen.site import build_site
config = load_config({path!r}, env={{}})
options = {options}
if options.get("full") == "if-known":  # a baseline: --full when its build_site has it
    import inspect
    known = "full" in inspect.signature(build_site).parameters
    options = {{"full": True}} if known else {{}}
profile = {profile!r}
if profile:
    import cProfile
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
start, cpu = time.perf_counter(), time.process_time()
report = build_site(config, parse_iso({now!r}), **options)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
if profile:
    profiler.disable()
    profiler.dump_stats(profile)
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, report.pages, report.files,
      report.bytes, cpu, getattr(report, "unchanged", 0))
"""

PHASES = """
import sys, time
sys.path.insert(0, {root!r})
from statusgen.config import load_config
from statusgen.clock import parse_iso
from statusgen.content import load_content
from statusgen.history import HistoryView, collector_paused, open_store
from statusgen.site.build import resolve_assets, site_files
from statusgen.site.output import publish_tree
from statusgen.site.snapshot import build_snapshot
config = load_config({path!r}, env={{}})
now = parse_iso({now!r})
marks = [time.process_time()]
content = load_content(config); marks.append(time.process_time())
store = open_store(config)
with collector_paused():  # as build_site reads the history and computes the snapshot
    view = HistoryView.load(store, until=now); marks.append(time.process_time())
    view.aggregates_on(now.date()); marks.append(time.process_time())  # the sealed days
    snapshot = build_snapshot(config, view, content, now); marks.append(time.process_time())
files = site_files(snapshot, resolve_assets(config)[0]); marks.append(time.process_time())
state = config.resolve(config.server.state_dir)
publish_tree(config.output_dir, files, state); marks.append(time.process_time())
print(*(b - a for a, b in zip(marks, marks[1:])))
"""


class Timed(NamedTuple):
    seconds: float  # wall time of build_site
    rss: float  # peak RSS of the child, MB
    pages: int
    files: int
    size: int
    cpu: float  # CPU seconds of build_site (steadier than wall time on a shared machine)
    unchanged: int  # files kept from the previous version


def time_library(
    path: Path,
    root: Path = ROOT,
    now: datetime = NOW,
    full: bool | str | None = None,
    profile: Path | None = None,
) -> Timed:
    """One `build_site` in a fresh child process (`full`: True for `--full`, False for an
    incremental build, "if-known" for `--full` when the checkout's build_site has the
    option (a baseline: an older one builds whole anyway), None for the default;
    `profile`: where to write cProfile's statistics of the build, in CPU time)."""
    options = {} if full is None else {"full": full}
    code = CHILD.format(
        root=str(root),
        path=str(path),
        now=now.isoformat(),
        options=options,
        profile=str(profile) if profile else "",
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    elapsed, rss, pages, files, size, cpu, unchanged = out.stdout.split()
    return Timed(
        float(elapsed),
        int(rss) / 1024,
        int(pages),
        int(files),
        int(size),
        float(cpu),
        int(unchanged),
    )


def stats(output: Path) -> dict[str, tuple[int, int, bytes]]:
    """(inode, mtime ns, bytes) of every file of the site."""
    out = {}
    for file in output.rglob("*"):
        if file.is_file():
            found = file.stat()
            out[str(file.relative_to(output))] = (
                found.st_ino,
                found.st_mtime_ns,
                file.read_bytes(),
            )
    return out


def rebuild(path: Path, nodes: int, runs: int, profile: Path | None = None) -> None:
    """A new pass five minutes after NOW, then: a full build for it (`--full`) against an
    incremental one from the build at NOW, runs interleaved; and whether the incremental
    build left every unchanged file as it was (inode and mtime). With `profile`, one more
    incremental build runs under cProfile (CPU time) and its top functions are printed."""
    later = NOW + timedelta(minutes=5)
    write_passes(path.parent.parent / "history", nodes, 1, random.Random(2), timedelta(0), later)
    fulls, incrementals, untouched = [], [], (0, 0, 0)
    for _ in range(runs):
        time_library(path, now=NOW)  # back to the site (and cache) of the pass before
        fulls.append(time_library(path, now=later, full=True))
        time_library(path, now=NOW)
        before = stats(path.parent.parent / "output")
        incrementals.append(time_library(path, now=later, full=False))
        after = stats(path.parent.parent / "output")
        same = [rel for rel in after if rel in before and after[rel][2] == before[rel][2]]
        touched = sum(1 for rel in same if after[rel][:2] != before[rel][:2])
        untouched = (len(same), len(after), touched)
    full, incremental = min(fulls), min(incrementals)
    print(
        f"rebuild after one new pass: {incremental.seconds:.2f} s (CPU {incremental.cpu:.2f} s) "
        f"vs full build {full.seconds:.2f} s (CPU {full.cpu:.2f} s): "
        f"{incremental.seconds / full.seconds:.2f}x wall, {incremental.cpu / full.cpu:.2f}x CPU "
        "(target <= 0.3x)"
    )
    same, total, touched = untouched
    print(
        f"unchanged files: {same} of {total} kept their bytes; {touched} of those got a new "
        "inode or mtime (target 0)"
    )
    if profile:
        import pstats

        time_library(path, now=NOW)
        time_library(path, now=later, full=False, profile=profile)
        print(f"rebuild under cProfile (CPU time; profiling slows it), saved to {profile}:")
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(25)


def time_phases(path: Path) -> list[float]:
    code = PHASES.format(root=str(ROOT), path=str(path), now=NOW.isoformat())
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return [float(x) for x in out.stdout.split()]


def compare(path: Path, baseline: Path, runs: int) -> None:
    """This checkout's full build (`--full`) against `baseline` on the same project, runs
    interleaved (the machine's load changes by the second: only the ratio means
    something)."""
    # Both builds are whole: a baseline with a build cache would otherwise build
    # incrementally on the cache the build before left (1.24 s against 2.24 s, 2026-12-03)
    time_library(path, baseline, full="if-known")  # fills the baseline's template cache
    ours, theirs = [], []
    for _ in range(runs):
        theirs.append(time_library(path, baseline, full="if-known"))
        ours.append(time_library(path, full=True))
    best_ours, best_theirs = min(ours), min(theirs)
    cpu_ours, cpu_theirs = min(r.cpu for r in ours), min(r.cpu for r in theirs)
    rss = max(r.rss for r in ours)
    print(
        f"full build against {baseline}: {best_ours.seconds:.2f} s vs {best_theirs.seconds:.2f} s "
        f"({best_ours.seconds / best_theirs.seconds:.2f}x wall, {cpu_ours / cpu_theirs:.2f}x CPU; "
        f"target <= 0.1x), peak RSS {rss:.0f} MB (target <= 150) vs "
        f"{max(r.rss for r in theirs):.0f} MB"
    )


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop, to compare this machine with others."""
    start = time.perf_counter()
    sum(range(10_000_000))
    return time.perf_counter() - start


def time_command(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "statusgen", "build", "-c", str(path), "--now", NOW.isoformat()],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--passes", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3, help="timed builds (best is kept)")
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="7 days of raw passes every 5 minutes (the default retention) instead of --passes",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout to time on the same project, in interleaved runs",
    )
    parser.add_argument("--no-small", action="store_true", help="skip the 50-node home page")
    parser.add_argument(
        "--profile",
        type=Path,
        help="also profile one incremental rebuild (cProfile, CPU time) into this file",
    )
    parser.add_argument(
        "--project",
        type=Path,
        help="a project this script generated before (its folder, holding config/ and "
        "history/), copied instead of generating one",
    )
    args = parser.parse_args()
    if args.realistic:
        args.passes = RETENTION_DAYS * PASSES_PER_DAY
    root = Path(tempfile.mkdtemp(prefix="statusgen-bench-"))
    try:
        start = time.perf_counter()
        if args.project:
            for part in ("config", "history"):
                shutil.copytree(args.project / part, root / "big" / part)
            path = root / "big" / "config" / "statusgen.toml"
        else:
            path = make_project(
                root / "big", args.nodes, args.days, args.incidents, args.passes, args.realistic
            )
        history = sum(f.stat().st_size for f in (root / "big" / "history").rglob("*.json*"))
        made = (
            f"copied {args.project}"
            if args.project
            else f"generated {args.nodes} nodes, {args.days} days, {args.incidents} incidents, "
            f"{args.passes} raw passes"
        )
        print(f"{made} ({history / 1e6:.1f} MB of history) in {time.perf_counter() - start:.1f} s")
        first = time_library(path, full=True)  # compiles the templates into Jinja's cache
        print(
            f"first build (cold template cache): {first.seconds:.2f} s, peak RSS {first.rss:.0f} MB"
        )
        runs = [time_library(path, full=True) for _ in range(args.runs)]
        best = min(runs)
        print(
            f"full build_site: {best.seconds:.2f} s, CPU {min(r.cpu for r in runs):.2f} s "
            f"(best of {args.runs}), peak RSS {max(r.rss for r in runs):.0f} MB; {best.pages} "
            f"pages, {best.files} files, {best.size / 1e6:.1f} MB written"
        )
        if args.baseline:
            compare(path, args.baseline.resolve(), args.runs)
        rebuild(path, args.nodes, args.runs, args.profile)
        phases = time_phases(path)
        names = ("read content", "read raw passes", "sealed days", "snapshot", "render", "write")
        timed = ", ".join(f"{n} {t:.2f} s" for n, t in zip(names, phases, strict=True))
        print(f"phases, CPU: {timed}")
        print(f"`statusgen build` command, start-up included: {time_command(path):.2f} s")
        print(f"machine: sum(range(10**7)) takes {reference_loop():.2f} s here")
        if args.no_small:
            return
        small = make_project(root / "small", 50, args.days, 20, args.passes)
        time_library(small, full=True)
        output = root / "small" / "output"
        home = (output / "index.html").stat().st_size
        css = (output / "style.css").stat().st_size
        print(
            f"home page for 50 nodes: {home / 1024:.1f} KiB HTML + {css / 1024:.1f} KiB CSS "
            f"= {(home + css) / 1024:.1f} KiB (target < 100 KB)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
