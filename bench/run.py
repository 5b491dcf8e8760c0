"""Benchmark the cron pass as a user's CI runs it, and soak the live server.

    python bench/run.py [--nodes 50] [--days 365] [--runs 3] [--baseline REF]
                        [--soak-seconds 30] [--soak-replicas 1000] [--soak-trace]
                        [--no-cron] [--no-soak] [--smoke]

1. **The cron pass.** A throwaway git repository holds a `--nodes` page whose replicas
   are loopback endpoints (a fleet server in a child process: all answer at once but one,
   the slowest target, which takes `SLOW_SECONDS`) and a year of history in the v2
   layout (sealed days for the year, 7 days of 5-minute raw passes), generated directly
   (raw lines written as the store writes them, then sealed in one go). Each run works on
   a fresh copy and does what the workflow does: `statusgen run` (a new process, as CI
   starts it, from bytecode compiled beforehand as pip compiles an installed package's),
   then `git add history config/incidents` and `git commit`. It prints each
   step's wall time, the CPU time of `statusgen run`, and statusgen's own wall time:
   `statusgen run` minus the slowest target's own time (which no prober can beat). On a
   shared machine the CPU time is the steadier figure. With `--baseline REF` the same runs use that
   commit's statusgen too (interleaved, same load), and the ratio is printed.
2. **The serve soak.** `statusgen serve` on a page with one push node; `--soak-replicas`
   replicas each report every `SOAK_INTERVAL` seconds for `--soak-seconds` (the real
   figure: `--soak-seconds 600`). The server's RSS after the first full round of reports
   (every replica known) is compared with its RSS at the end: target growth <= 5%.

`--smoke` runs both with tiny sizes in seconds (what `.ci/run` runs). Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from baseline import baseline_code  # noqa: E402

SLOW_SECONDS = 0.3
PER_SERVICE = 10
RAW_DAYS = 7
STEP = timedelta(minutes=5)
SOAK_INTERVAL = 5.0


# --- the targets (a child process) -----------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path.startswith("/slow"):
            time.sleep(SLOW_SECONDS)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args: object) -> None:
        pass


class _Quiet(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default accept backlog is 5: a pass's 50 connects at once overflowed
    # it, the kernel dropped the extra SYNs and the client resent them a second later, so
    # every pass took about 1 s longer than its slowest target (a real server listens
    # with a backlog of hundreds).
    request_queue_size = 1024

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a prober that hangs up early is no news


def _serve_targets(conn) -> None:
    server = _Quiet(("127.0.0.1", 0), _Handler)
    conn.send(server.server_address[1])
    server.serve_forever()


def start_targets() -> tuple[multiprocessing.Process, int]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve_targets, args=(child,), daemon=True)
    process.start()
    return process, parent.recv()


def slowest_target(port: int) -> float:
    """The slowest target's own time: the median of a few plain requests."""
    import urllib.request

    times = []
    for _ in range(3):
        began = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/slow", timeout=10).read()  # noqa: S310
        times.append(time.perf_counter() - began)
    return statistics.median(times)


# --- the project -----------------------------------------------------------------------


def layout(nodes: int) -> list[tuple[str, str]]:
    return [(f"svc{i // PER_SERVICE}", f"n{i}") for i in range(nodes)]


def config_text(nodes: int, port: int) -> str:
    lines = ['[page]\nname = "Bench Status"\nurl = "https://status.bench.test/"\n']
    for index, (service, node) in enumerate(layout(nodes)):
        if index % PER_SERVICE == 0:
            lines.append(f'[[services]]\nid = "{service}"\nname = "Service {service}"\n')
        path = "slow" if index == nodes - 1 else f"fast/{index}"
        lines.append(
            f'  [[services.nodes]]\n  id = "{node}"\n  label = "Node {index}"\n'
            f'  replicas = [{{ url = "http://127.0.0.1:{port}/{path}", label = "r0" }}]\n'
        )
    return "\n".join(lines)


def pass_line(nodes: list[tuple[str, str]], at: datetime, rng: random.Random) -> dict:
    r, n, s = {}, {}, {}
    for service, node in nodes:
        code = "d" if rng.random() < 0.001 else "h"
        entry = [code, None if code == "d" else rng.randint(1, 40)]
        r[f"{service}/{node}/r0"] = entry + (["connection refused"] if code == "d" else [])
        n[f"{service}/{node}"] = code
        s[service] = "d" if code == "d" or s.get(service) == "d" else "h"
    page = "d" if "d" in s.values() else "h"
    return {"n": n, "p": page, "r": r, "s": s, "t": at.strftime("%Y-%m-%dT%H:%M:%SZ")}


def write_history(history: Path, nodes: int, days: int, now: datetime) -> int:
    """A year of history in the v2 layout, generated directly: made-up sealed days for
    the days before raw retention, raw pass lines for the last `RAW_DAYS` days (written as
    the store writes them: one line per pass, appended), then one `seal` that seals the
    finished raw days as the passes of a real week would have. Returns the bytes."""
    from statusgen.history import Store
    from statusgen.history.lines import dumps

    rng = random.Random(1)
    tree = layout(nodes)
    store = Store(history)
    store.upgrade()
    for offset in range(days, RAW_DAYS, -1):
        keys: dict[str, list] = {}
        for service, node in tree:
            dead = rng.choice((0,) * 40 + (1, 4, 30))
            row = [288, 288 - dead, 0, dead, None, None]
            keys[f"{service}/{node}"] = row
            mean = rng.randint(1, 40)
            keys[f"{service}/{node}/r0"] = [*row[:4], mean, mean * 3]
            keys.setdefault(service, [288, 288, 0, 0, None, None])
        keys[""] = [288, 288, 0, 0, None, None]
        store.write_sealed_day((now - timedelta(days=offset)).date().isoformat(), keys, now)
    raw = store.samples_dir / store.writer
    raw.mkdir(parents=True, exist_ok=True)
    at = (now - timedelta(days=RAW_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    files: dict[str, list[str]] = {}
    while at < now - STEP:
        files.setdefault(at.date().isoformat(), []).append(dumps(pass_line(tree, at, rng)))
        at += STEP
    for day, lines in files.items():
        (raw / f"{day}.jsonl").write_text("\n".join(lines) + "\n")
    Store(history).seal(now)  # the finished raw days, as a week of passes sealed them
    return sum(p.stat().st_size for p in history.rglob("*") if p.is_file())


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_project(root: Path, nodes: int, days: int, port: int) -> int:
    (root / "config").mkdir(parents=True)
    (root / "config" / "statusgen.toml").write_text(config_text(nodes, port))
    (root / ".gitignore").write_text("/output\n/.statusgen/\n")
    size = write_history(root / "history", nodes, days, datetime.now(UTC))
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a year of status")
    return size


# --- 1. the cron pass ------------------------------------------------------------------


def cron_pass(project: Path, code: Path | None) -> dict[str, float]:
    """One pass as the workflow runs it, on `project`; `code` replaces statusgen."""
    env = bytecode_env()
    if code is not None:
        env["PYTHONPATH"] = str(code)
    env["STATUSGEN_CONFIG"] = "config/statusgen.toml"
    steps = {}
    began, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "statusgen", "run", "--no-notify"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"statusgen run ({code or 'this checkout'}) failed:\n{done.stderr}")
    steps["statusgen run"] = time.perf_counter() - began
    steps["its CPU"] = _children_cpu() - cpu
    began = time.perf_counter()
    git(project, "add", "history", "config")
    git(project, "commit", "-q", "-m", "status: pass")
    steps["git add + commit"] = time.perf_counter() - began
    return steps


def bytecode_env() -> dict[str, str]:
    """The environment without PYTHONDONTWRITEBYTECODE: an installed statusgen runs from
    compiled bytecode (pip compiles it), so no run may pay for compiling it."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_code(code: Path | None) -> None:
    """Compile the statusgen a run uses (this checkout's or `code`'s) beforehand."""
    folder = (code or ROOT) / "statusgen"
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(folder)],
        env=bytecode_env(),
        check=True,
        capture_output=True,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_cron(args: argparse.Namespace, tmp: Path) -> None:
    targets, port = start_targets()
    try:
        template = tmp / "template"
        began = time.perf_counter()
        size = make_project(template, args.nodes, args.days, port)
        made = time.perf_counter() - began
        slow = slowest_target(port)
        codes: dict[str, Path | None] = {"this checkout": None}
        if args.baseline:
            codes[f"baseline {args.baseline}"] = baseline_code(
                args.baseline, tmp / "baseline", ("statusgen", "site-templates")
            )
        for code in codes.values():
            compile_code(code)
        print(
            f"cron pass: {args.nodes} nodes on loopback, {args.days} days of history "
            f"({size / 1e6:.1f} MB, made in {made:.1f} s), slowest target {slow:.3f} s, "
            f"{args.runs} run(s), load average {os.getloadavg()[0]:.1f}"
        )
        times: dict[str, list[dict[str, float]]] = {name: [] for name in codes}
        for run in range(args.runs):
            for name, code in codes.items():
                project = tmp / f"run-{run}-{len(times[name])}-{name.split()[0]}"
                shutil.copytree(template, project, symlinks=True)
                times[name].append(cron_pass(project, code))
                shutil.rmtree(project)
        own: dict[str, float] = {}
        for name, runs in times.items():
            parts = ", ".join(
                f"{step} {statistics.median(r[step] for r in runs):.2f} s" for step in runs[0]
            )
            own[name] = statistics.median(r["statusgen run"] - slow for r in runs)
            print(f"  {name}: {parts}; statusgen's own wall time {own[name]:.2f} s (median)")
        if args.baseline:
            name = f"baseline {args.baseline}"
            cpu = {n: statistics.median(r["its CPU"] for r in runs) for n, runs in times.items()}
            wall = own["this checkout"] / own[name]
            ratio = cpu["this checkout"] / cpu[name]
            print(f"  this checkout / baseline: own wall time {wall:.2f}x, CPU {ratio:.2f}x")
    finally:
        targets.terminate()
        targets.join(5)


# --- 2. the serve soak -----------------------------------------------------------------


async def _report(host: str, port: int, requests: list[bytes], until: float, sent: list) -> None:
    """One keep-alive connection sending its share of replicas' reports, each replica
    every SOAK_INTERVAL seconds, spread over the interval."""
    reader, writer = await asyncio.open_connection(host, port)
    gap = SOAK_INTERVAL / max(1, len(requests))
    try:
        while time.monotonic() < until:
            for request in requests:
                began = time.monotonic()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = [
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if length and length[0]:
                    await reader.readexactly(length[0])
                sent.append(int(head.split(b" ", 2)[1]))
                await asyncio.sleep(max(0.0, gap - (time.monotonic() - began)))
                if time.monotonic() >= until:
                    return
    finally:
        writer.close()


def _load(url: str, token: str, seconds: float, replicas: int, connections: int, pipe) -> None:
    import serve as serve_bench  # bench/serve.py

    host, port = url.removeprefix("http://").split(":")
    requests = [
        serve_bench.request_bytes(f"{host}:{port}", token, f"10.1.{i // 256}.{i % 256}")
        for i in range(replicas)
    ]
    shares = [requests[i::connections] for i in range(connections)]
    sent: list[int] = []

    async def main() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(_report(host, int(port), s, until, sent) for s in shares))

    asyncio.run(main())
    pipe.send(sent)


def rss(pid: int) -> int:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def bench_soak(args: argparse.Namespace, tmp: Path) -> None:
    import serve as serve_bench  # bench/serve.py: the server as its benchmark starts it

    root = tmp / "soak"
    trace_dir = tmp / "trace" if args.soak_trace else None
    if trace_dir is not None:
        trace_dir.mkdir()
    server, url = serve_bench.start_server(root, "warning", None, trace_dir)
    traced = []
    try:
        token = (root / ".statusgen" / "reporter-token").read_text().strip()
        receive, send = multiprocessing.Pipe(duplex=False)
        connections = max(1, min(16, args.soak_replicas // 50))
        load = multiprocessing.Process(
            target=_load,
            args=(url, token, args.soak_seconds, args.soak_replicas, connections, send),
        )
        began = time.monotonic()
        load.start()
        warm = max(SOAK_INTERVAL * 1.5, args.soak_seconds * 0.1)
        time.sleep(min(warm, args.soak_seconds / 2))  # every replica has reported once
        start_rss = rss(server.pid)
        if trace_dir is not None:
            traced.append(serve_bench.snapshot(server, trace_dir, 0))
        samples = []  # RSS at each tenth of the soak: growth that levels off, or not
        step = args.soak_seconds / 10
        while not receive.poll(max(0.0, began + step * (len(samples) + 1) - time.monotonic())):
            samples.append(rss(server.pid))
        sent = receive.recv()
        end_rss = rss(server.pid)
        if trace_dir is not None:
            traced.append(serve_bench.snapshot(server, trace_dir, 1))
        load.join()
        elapsed = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(30)
    codes = {code: sent.count(code) for code in sorted(set(sent))}
    growth = end_rss / start_rss - 1
    print(
        f"serve soak: {args.soak_replicas} push replicas, one report each every "
        f"{SOAK_INTERVAL:g} s, for {elapsed:.0f} s: {len(sent)} reports, status codes {codes}"
    )
    print(
        f"  server RSS {start_rss / 2**20:.1f} MiB after the first round, "
        f"{end_rss / 2**20:.1f} MiB at the end: growth {growth * 100:+.1f}% "
        f"(target <= 5%: {'meets' if growth <= 0.05 else 'MISSES'})"
    )
    if samples:
        shown = ", ".join(f"{sample / 2**20:.1f}" for sample in samples)
        print(f"  RSS at each tenth of the soak (MiB): {shown}")
    if traced:
        print("  tracemalloc, what grew from the first round to the end (server traced):")
        for line in serve_bench.trace_growth(*traced):
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", metavar="REF", help="a git commit to compare with")
    parser.add_argument("--soak-seconds", type=float, default=30)
    parser.add_argument("--soak-replicas", type=int, default=1000)
    parser.add_argument("--no-soak", action="store_true")
    parser.add_argument(
        "--soak-trace", action="store_true", help="trace the server's allocations (slower)"
    )
    parser.add_argument("--no-cron", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    args = parser.parse_args()
    if args.smoke:
        args.nodes, args.days, args.runs = 5, 10, 1
        args.soak_seconds, args.soak_replicas = 3, 20
    with tempfile.TemporaryDirectory(prefix="statusgen-bench-run-") as tmp:
        if not args.no_cron:
            bench_cron(args, Path(tmp))
        if not args.no_soak:
            bench_soak(args, Path(tmp))


if __name__ == "__main__":
    main()
