"""Benchmark the history format (docs/history.md): append, read, and growth in git.

    python bench/history.py [--replicas 1000] [--days 7] [--year-replicas 20] [--tiny]

Prints, never asserts (tests check behaviour):

1. Append cost at `--replicas` replicas, 5-minute passes: the day's first pass, its last
   (288th) pass, and the pass that seals the previous day; the v1 store's last pass
   for comparison (it re-read, sorted and rewrote the whole day file).
2. Reading `--days` days of raw passes for a build (load the history as of now, latest
   state of every replica, 90-day rows, changes and 24 h uptime of every node): v2 vs
   the v1 reader (tests/history_v1.py, the code before history v2) on the same passes.
3. Git growth at `--year-replicas` replicas: a simulated year with one commit a day
   (generated with `git fast-import`), working tree and `.git` after `git gc`, for v2
   and for the v1 layout; and a simulated week with one commit per pass, extrapolated
   to a year.

4. `--layouts`: a year of 5-minute passes at `--year-replicas` replicas, one commit per
   pass (105,120 commits, generated with `git fast-import`), for both layouts: the
   history on main (never squashed) and on the data branch (`history.branch`: raw days
   packed once sealed, the branch squashed to one commit at the first pass of each UTC
   day). Prints `.git` of a fresh clone (only what is reachable: what GitHub keeps and a
   clone downloads) at the end of the year's last day, the data branch at its largest
   (287 commits on its daily root). Takes tens of minutes; `--layouts-days` shortens it.

`--tiny` runs every step with small sizes in a few seconds (the CI smoke run).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from statusgen.history import HistoryView, Store, aggregate_day  # noqa: E402
from statusgen.history.lines import dumps  # noqa: E402
from tests import history_v1  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)


class Fleet:
    """`replicas` replicas, two per node, 20 nodes per service, each with its own usual
    latency and a rare bad spell: passes as the store writes them."""

    def __init__(self, replicas: int, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.nodes = [(f"svc{i // 20}", f"node{i}") for i in range((replicas + 1) // 2)]
        self.replicas = [
            (service, node, f"{node}-{r}", self.rng.randint(20, 250))
            for service, node in self.nodes
            for r in (1, 2)
        ][:replicas]

    def record(self, at: datetime) -> dict:
        rng = self.rng
        r, n, s = {}, {}, {}
        for service, node, replica, base in self.replicas:
            code = "d" if rng.random() < 0.0005 else "s" if rng.random() < 0.001 else "h"
            ms = None if code == "d" else max(1, round(rng.gauss(base, base * 0.08)))
            r[f"{service}/{node}/{replica}"] = [code, ms] + (["HTTP 503"] if code != "h" else [])
            key = f"{service}/{node}"
            n[key] = max(n.get(key, "h"), code, key="hsd".index)
            s[service] = max(s.get(service, "h"), n[key], key="hsd".index)
        page = max(s.values(), key="hsd".index)
        return {"t": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "r": r, "n": n, "s": s, "p": page}


def passes(start: datetime, days: float) -> Iterator[datetime]:
    at = start
    while at < start + timedelta(days=days):
        yield at
        at += STEP


def timed(fn, *args) -> float:
    began = time.perf_counter()
    fn(*args)
    return time.perf_counter() - began


# --- 1. append -------------------------------------------------------------------------


def bench_append(root: Path, replicas: int) -> None:
    fleet = Fleet(replicas)
    for at in passes(START - timedelta(days=1), 1):  # a day before: meta.json, first_seen
        Store(root / "v2").append(fleet.record(at), at)
    day = list(passes(START, 1))
    costs = []
    for at in day:
        if at.hour == 2 and at.minute == 0:  # the pass that seals the day before
            sealing = timed(Store(root / "v2").append, fleet.record(at), at)
        else:
            costs.append(timed(Store(root / "v2").append, fleet.record(at), at))
    # v1: the day file as v1 left it before its last pass, then v1's last pass.
    v1 = root / "v1"
    (v1 / "samples").mkdir(parents=True)
    raw = (root / "v2" / "samples" / "main" / f"{START.date()}.jsonl").read_bytes()
    (v1 / "samples" / f"{START.date()}.jsonl").write_bytes(raw[: raw.rfind(b"\n", 0, -1) + 1])
    (v1 / "meta.json").write_text('{"schema": 1}\n')
    v1_last = timed(history_v1.Store(v1).append, fleet.record(day[-1]), day[-1])
    mb, median = len(raw) / 1e6, sorted(costs)[len(costs) // 2]
    print(f"append, {replicas} replicas, {len(day)} passes a day ({mb:.1f} MB day file):")
    print(
        f"  v2 first pass {costs[0] * 1000:.1f} ms, last pass {costs[-1] * 1000:.1f} ms "
        f"(last/first {costs[-1] / costs[0]:.2f}x; median {median * 1000:.1f} ms)"
    )
    print(f"  v2 pass that seals the day before: {sealing * 1000:.0f} ms (once a day)")
    print(f"  v1 last pass {v1_last * 1000:.0f} ms")


# --- 2. read ---------------------------------------------------------------------------


def build_reads(view: HistoryView, fleet: Fleet, now: datetime, v1: bool) -> None:
    """What a build asks of the history, for every replica and node."""
    for service, node, replica, _ in fleet.replicas:
        view.latest(f"{service}/{node}/{replica}")
    for service, node in fleet.nodes:
        key = f"{service}/{node}"
        view.latest(key)
        view.day_rows(key, now, 90)
        view.uptime(key, now, 1)
        if v1:  # the v1 site walked the raw series for its change list
            view.series(key, now - timedelta(days=90))
        else:
            view.changes(key, now - timedelta(days=90), now)


def bench_read(root: Path, replicas: int, days: int) -> None:
    fleet = Fleet(replicas, seed=2)
    v2 = Store(root / "v2", retention_days=days)
    (root / "v1" / "samples").mkdir(parents=True)
    files: dict[str, object] = {}
    for at in passes(START, days + 0.5):
        record = fleet.record(at)
        v2.append(record, at)
        day = at.date().isoformat()
        if day not in files:
            files[day] = open(root / "v1" / "samples" / f"{day}.jsonl", "w")  # noqa: SIM115
        files[day].write(dumps(record) + "\n")  # v1 wrote the same lines, sorted by time
    for handle in files.values():
        handle.close()
    (root / "v1" / "meta.json").write_text('{"schema": 1}\n')
    now = START + timedelta(days=days + 0.5) - STEP
    size = sum(p.stat().st_size for p in (root / "v1" / "samples").glob("*.jsonl"))

    def read_v1() -> None:
        store = history_v1.Store(root / "v1", retention_days=days)
        build_reads(HistoryView(store.passes(), store.daily()), fleet, now, v1=True)

    def read_v2() -> None:
        build_reads(HistoryView.load(Store(root / "v2"), until=now), fleet, now, v1=False)

    # Interleaved rounds, best of each: the machine is shared and noisy.
    rounds = [(timed(read_v1), timed(read_v2)) for _ in range(3)]
    old, new = min(r[0] for r in rounds), min(r[1] for r in rounds)
    print(f"read for a build, {replicas} replicas, {days} days of raw passes ({size / 1e6:.0f} MB)")
    print(f"  v1 {old:.2f} s, v2 {new:.2f} s (v2/v1 {new / old:.2f}x; best of 3 interleaved)")


# --- 3. git ----------------------------------------------------------------------------


class FastImport:
    """One commit per call: the files of `folder` that changed since the last commit."""

    def __init__(self, repo: Path) -> None:
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        self.repo = repo
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE
        )
        self.seen: dict[str, bytes] = {}
        self.count = 0

    def commit(self, folder: Path, at: datetime) -> None:
        now = {p.relative_to(folder).as_posix(): p.read_bytes() for p in _files(folder)}
        out = self.proc.stdin
        stamp = int(at.timestamp())
        message = f"pass {at:%Y-%m-%dT%H:%M}".encode()
        out.write(b"commit refs/heads/main\n")
        out.write(f"committer bench <bench@example.com> {stamp} +0000\n".encode())
        out.write(b"data %d\n%s\n" % (len(message), message))
        for path in sorted(set(self.seen) - set(now)):
            out.write(f"D history/{path}\n".encode())
        for path, data in sorted(now.items()):
            if self.seen.get(path) != data:
                out.write(f"M 100644 inline history/{path}\n".encode())
                out.write(b"data %d\n%s\n" % (len(data), data))
        self.seen = now
        self.count += 1

    def close(self) -> tuple[float, float]:
        """(working tree MB, .git MB after gc)."""
        self.proc.stdin.close()
        self.proc.wait()
        subprocess.run(["git", "gc", "-q"], cwd=self.repo, check=True)
        tree = sum(len(data) for data in self.seen.values())
        git = sum(p.stat().st_size for p in (self.repo / ".git").rglob("*") if p.is_file())
        return tree / 1e6, git / 1e6


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.name != ".lock"]


def year_v2(root: Path, replicas: int, days: int, pack: bool = False) -> tuple[float, float]:
    """The v2 layout on main (raw days plain until retention), or with `pack` as on the
    data branch (sealed raw days older than yesterday packed), never squashed here."""
    name = "v2-packed" if pack else "v2"
    fleet, store_dir = Fleet(replicas, seed=3), root / f"{name}-history"
    git = FastImport(root / f"{name}-repo")
    for day in range(days):
        for at in passes(START + timedelta(days=day), 1):
            Store(store_dir, pack=pack).append(fleet.record(at), at)
        git.commit(store_dir, at)
    return git.close()


def year_v1(root: Path, replicas: int, days: int) -> tuple[float, float]:
    """The v1 layout, day by day, as v1's store left it (raw files for the last 7 days,
    monthly daily/ files of rolled-up days), written straight for speed."""
    fleet, folder = Fleet(replicas, seed=3), root / "v1-history"
    (folder / "samples").mkdir(parents=True)
    (folder / "daily").mkdir()
    (folder / "meta.json").write_text('{"schema": 1}\n')
    git = FastImport(root / "v1-repo")
    rolled: dict[str, list[str]] = {}
    for day in range(days):
        first = START + timedelta(days=day)
        lines = [fleet.record(at) for at in passes(first, 1)]
        (folder / "samples" / f"{first.date()}.jsonl").write_text(
            "".join(dumps(line) + "\n" for line in lines)
        )
        for path in sorted((folder / "samples").glob("*.jsonl")):
            if path.stem < (first.date() - timedelta(days=7)).isoformat():
                month = path.stem[:7]
                old = [json.loads(x) for x in path.read_text().splitlines()]
                rolled.setdefault(month, []).append(
                    dumps({"date": path.stem, "k": aggregate_day(old)})
                )
                (folder / "daily" / f"{month}.jsonl").write_text("\n".join(rolled[month]) + "\n")
                path.unlink()
        git.commit(folder, first + timedelta(days=1) - STEP)
    return git.close()


def week_per_pass(root: Path, replicas: int, days: float) -> tuple[float, int]:
    fleet, store_dir = Fleet(replicas, seed=4), root / "week-history"
    git = FastImport(root / "week-repo")
    for at in passes(START, days):
        Store(store_dir).append(fleet.record(at), at)
        git.commit(store_dir, at)
    return git.close()[1], git.count


def bench_git(root: Path, replicas: int, days: int, week: float) -> None:
    tree2, git2 = year_v2(root, replicas, days)
    tree_packed, git_packed = year_v2(root, replicas, days, pack=True)
    tree1, git1 = year_v1(root, replicas, days)
    print(f"git, {replicas} replicas, {days} days, one commit a day (after git gc):")
    print(f"  v2 working tree {tree2:.2f} MB, .git {git2:.2f} MB")
    print(
        f"  v2 packed (as on the data branch, not squashed) working tree {tree_packed:.2f} MB, "
        f".git {git_packed:.2f} MB"
    )
    print(f"  v1 working tree {tree1:.2f} MB, .git {git1:.2f} MB")
    size, commits = week_per_pass(root, replicas, week)
    per_pass = size / commits
    print(f"git, {replicas} replicas, {week:g} days, one commit per pass ({commits} commits):")
    print(
        f"  v2 .git {size:.2f} MB = {per_pass * 1000:.1f} KB a pass, "
        f"~{per_pass * 288 * 365:.0f} MB a year extrapolated"
    )


# --- 4. both layouts, one commit per pass -------------------------------------------------


class PassStream:
    """A `git fast-import` stream of one branch, one commit per pass: `commit` gets the
    paths that changed (re-read from `folder`) and those deleted; `squash` starts the
    branch again from one parentless commit holding every file."""

    def __init__(self, repo: Path, branch: str) -> None:
        subprocess.run(["git", "init", "-q", "-b", branch, str(repo)], check=True)
        self.repo, self.ref = repo, f"refs/heads/{branch}".encode()
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--depth=50"], cwd=repo, stdin=subprocess.PIPE
        )
        self.commits = 0
        self.since_squash = 0

    def _header(self, at: datetime, message: str) -> None:
        out = self.proc.stdin
        out.write(b"commit %s\n" % self.ref)
        out.write(b"committer bench <bench@example.com> %d +0000\n" % int(at.timestamp()))
        out.write(b"data %d\n%s\n" % (len(message), message.encode()))
        self.commits += 1
        self.since_squash += 1

    def _file(self, folder: Path, path: str) -> None:
        data = (folder / path).read_bytes()
        self.proc.stdin.write(b"M 100644 inline history/%s\ndata %d\n" % (path.encode(), len(data)))
        self.proc.stdin.write(data)
        self.proc.stdin.write(b"\n")

    def commit(self, folder: Path, at: datetime, changed: set[str], gone: set[str]) -> None:
        self._header(at, f"status: pass at {at:%Y-%m-%dT%H:%MZ}")
        for path in sorted(gone):
            self.proc.stdin.write(b"D history/%s\n" % path.encode())
        for path in sorted(changed):
            self._file(folder, path)

    def squash(self, folder: Path, at: datetime, files: set[str]) -> None:
        self.proc.stdin.write(b"reset %s\n\n" % self.ref)  # the next commit has no parent
        self.since_squash = 0
        self._header(at, f"status data as of {at:%Y-%m-%dT%H:%MZ} (squashed daily)")
        self.proc.stdin.write(b"deleteall\n")
        for path in sorted(files):
            self._file(folder, path)

    def clone_size(self, scratch: Path) -> float:
        """MB of `.git` in a fresh clone (reachable objects only, packed)."""
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError("git fast-import failed")
        clone = scratch / f"{self.repo.name}-clone.git"
        subprocess.run(
            ["git", "clone", "-q", "--bare", "--no-local", str(self.repo), str(clone)], check=True
        )
        return sum(p.stat().st_size for p in clone.rglob("*") if p.is_file()) / 1e6


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in _files(folder)
    }


def layouts_year(root: Path, replicas: int, days: float) -> None:
    fleet = Fleet(replicas, seed=5)
    main_dir, data_dir = root / "main-history", root / "data-history"
    main = PassStream(root / "main-layout", "main")
    data = PassStream(root / "data-layout", "status-data")
    before = {"main": {}, "data": {}}
    began = time.perf_counter()
    today = None
    for at in passes(START, days):
        for name, folder, pack in (("main", main_dir, False), ("data", data_dir, True)):
            written = Store(folder, pack=pack).append(fleet.record(at), at)
            if at.hour == 2 and at.minute == 0 or not before[name]:  # sealing, retention
                now = _snapshot(folder)
                changed = {p for p, v in now.items() if before[name].get(p) != v}
                gone = set(before[name]) - set(now)
                before[name] = now
            else:  # an ordinary pass appends to its raw file only
                path = written.relative_to(folder).as_posix()
                changed, gone = {path}, set()
                before[name][path] = ((folder / path).stat().st_mtime_ns, 0)
            if name == "main":
                main.commit(folder, at, changed, gone)
            elif at.date() != today:  # the first pass of a UTC day squashes the branch
                before["data"] = _snapshot(folder)
                data.squash(folder, at, set(before["data"]))
            else:
                data.commit(folder, at, changed, gone)
        today = at.date()
    main_size, data_size = main.clone_size(root), data.clone_size(root)
    tree = sum(p.stat().st_size for p in _files(data_dir)) / 1e6
    print(
        f"a year of passes, {replicas} replicas, {main.commits} passes, one commit each "
        f"(git fast-import, {time.perf_counter() - began:.0f} s):"
    )
    print(f"  history on main (never squashed): .git of a clone {main_size:.2f} MB")
    print(
        f"  data branch (squashed daily; its root and {data.since_squash - 1} commits on "
        f"it): .git of a clone {data_size:.2f} MB, files {tree:.2f} MB "
        f"(data/main {data_size / main_size:.3f}x; target <= 10 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--year-days", type=int, default=365)
    parser.add_argument("--year-replicas", type=int, default=20)
    parser.add_argument("--week-days", type=float, default=7)
    parser.add_argument("--tiny", action="store_true", help="small sizes, a few seconds")
    parser.add_argument(
        "--layouts", action="store_true", help="only step 4: a year of passes, both layouts"
    )
    parser.add_argument("--layouts-days", type=float, default=365)
    args = parser.parse_args()
    if args.tiny:
        args.replicas, args.days, args.year_days, args.week_days = 20, 1, 3, 0.25
        args.year_replicas, args.layouts_days = 4, 2.5
    root = Path(tempfile.mkdtemp(prefix="statusgen-bench-history-"))
    if args.layouts:
        try:
            layouts_year(root / "layouts", args.year_replicas, args.layouts_days)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    try:
        bench_append(root / "append", args.replicas)
        bench_read(root / "read", args.replicas, args.days)
        bench_git(root / "git", args.year_replicas, args.year_days, args.week_days)
        if args.tiny:
            layouts_year(root / "layouts", args.year_replicas, args.layouts_days)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
