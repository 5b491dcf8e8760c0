"""`statusgen demo`: a real page with every state on it, without network.

A small fleet of loopback HTTP targets (healthy, slow, failing) is probed over a few
quick passes with a clock that advances five minutes a pass; a sample incident,
maintenance window and announcement are written with the content writer; earlier days
are filled with synthetic daily aggregates so the 90-day bars have a past; then the site
is built. Everything lives in a throwaway project folder.
"""

from __future__ import annotations

import random
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from statusgen.clock import FixedClock
from statusgen.config import Config, load_config
from statusgen.content import load_content, new_announcement, new_incident, new_maintenance
from statusgen.history import open_store
from statusgen.run import run_pass
from statusgen.site.build import BuildReport, build_site

SLOW_SECONDS = 0.5
PASS_MINUTES = 5


class FleetHandler(BaseHTTPRequestHandler):
    """/ok answers at once, /slow after SLOW_SECONDS, /fail with a 500."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.startswith("/slow"):
            time.sleep(SLOW_SECONDS)
        code = 500 if self.path.startswith("/fail") else 200
        body = b"OK\n" if code == 200 else b"internal error\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], port: int = 0, **kw: object) -> Iterator:
    """A threaded HTTP server on 127.0.0.1 for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler, **kw)  # type: ignore[arg-type]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def demo_config(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return textwrap.dedent(
        f"""\
        # A demo page probing a loopback fleet (statusgen demo).
        [page]
        id = "demo"
        name = "Demo Status"
        description = "A statusgen page with every state on it: healthy, slow and failing targets."
        downtime_warning_minutes = 3

        [metrics.poll]
        retry = 0
        delay_sick = {SLOW_SECONDS * 0.8:g}
        delay_dead = 2

        [[services]]
        id = "web"
        name = "Website"

          [[services.nodes]]
          id = "home"
          label = "Home page"
          replicas = [{{ url = "{base}/ok/home", label = "edge-1" }},
                      {{ url = "{base}/ok/home2", label = "edge-2" }}]

          [[services.nodes]]
          id = "docs"
          label = "Documentation"
          replicas = [{{ url = "{base}/ok/docs", label = "docs-1" }},
                      {{ url = "{base}/slow/docs", label = "docs-2" }}]

        [[services]]
        id = "api"
        name = "API"
        description = "The public JSON API and its search."

          [[services.nodes]]
          id = "rest"
          label = "REST API"
          replicas = [{{ url = "{base}/slow/rest", label = "api-1" }}]

          [[services.nodes]]
          id = "search"
          label = "Search"
          replicas = [{{ url = "{base}/ok/search", label = "search-1" }}]

        [[services]]
        id = "payments"
        name = "Payments"

          [[services.nodes]]
          id = "gateway"
          label = "Payment gateway"
          description = "Card payments at checkout."
          replicas = [{{ url = "{base}/fail/pay", label = "pay-1" }},
                      {{ url = "{base}/fail/pay2", label = "pay-2" }}]
        """
    )


@dataclass
class Demo:
    project: Path
    config: Config
    build: BuildReport


def seed_daily(config: Config, now: datetime, days: int = 89, seed: int = 7) -> None:
    """Synthetic sealed days for the `days` before today, with a few sick and dead days so
    the bars have a past."""
    rng = random.Random(seed)
    store = open_store(config)
    # A second demo in the same folder keeps the days it already has (sealed or raw).
    known = set(store.sealed_day_names()) | set(store.raw_day_names())
    keys = [(s.id, n.id, [r.id for r in n.replicas]) for s, n in config.iter_nodes()]
    for offset in range(days, 0, -1):
        day = (now - timedelta(days=offset)).date()
        aggregates: dict[str, list] = {}
        page_dead = 0
        if day.isoformat() in known:
            continue
        for service, node, replicas in keys:
            dead = rng.choice([0] * 30 + [1, 3, 12])
            sick = rng.choice([0] * 20 + [2, 6])
            row = [288, 288 - dead - sick, sick, dead, None, None]
            aggregates[f"{service}/{node}"] = row
            aggregates[service] = row
            for replica in replicas:
                mean = rng.randint(40, 160)
                aggregates[f"{service}/{node}/{replica}"] = [*row[:4], mean, mean * 2]
            page_dead = max(page_dead, dead)
        aggregates[""] = [288, 288 - page_dead, 0, page_dead, None, None]
        store.write_sealed_day(day.isoformat(), aggregates, now)


EXAMPLE_TITLES = {
    "Payment gateway errors",
    "Search index rebuild",
    "Database upgrade",
    "Welcome to the statusgen demo",
}


def remove_examples(config: Config) -> None:
    """Delete the examples an earlier demo wrote in this project, so that running the demo
    again refreshes them instead of adding `-2` copies; other content is left alone."""
    content = load_content(config)
    items = [*content.incidents, *content.maintenance, *content.announcements]
    for item in items:
        if item.title in EXAMPLE_TITLES:
            item.path.unlink(missing_ok=True)


def write_content(config: Config, now: datetime) -> None:
    """A sample incident, maintenance window and announcement (replacing an earlier
    demo's)."""
    remove_examples(config)
    new_incident(
        config,
        "Payment gateway errors",
        message="Card payments fail with server errors. We are investigating.",
        now=now - timedelta(minutes=20),
        severity="major",
        affected=["gateway"],
    )
    new_maintenance(
        config,
        "Search index rebuild",
        starts=now - timedelta(minutes=30),
        ends=now + timedelta(hours=1),
        affected=["search"],
        message="Search results may be incomplete while the index is rebuilt.",
        now=now - timedelta(days=1),
    )
    new_maintenance(
        config,
        "Database upgrade",
        starts=now + timedelta(days=2),
        ends=now + timedelta(days=2, hours=2),
        affected=["api"],
        message="The API is read-only for up to two hours.",
        now=now - timedelta(hours=3),
    )
    new_announcement(
        config,
        "Welcome to the statusgen demo",
        message="Every state of a real page is here. Hover the bars or focus them with Tab.",
        now=now - timedelta(days=1),
    )


def run_demo(project: Path, port: int, passes: int = 4, now: datetime | None = None) -> Demo:
    """Build the demo page in `project` probing the fleet on `port` (already serving)."""
    config_path = project / "config" / "statusgen.toml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(demo_config(port), encoding="utf-8")
    config = load_config(config_path, env={})
    end = (now or datetime.now(UTC)).replace(microsecond=0)
    clock = FixedClock(end - timedelta(minutes=PASS_MINUTES * (passes - 1)))
    seed_daily(config, end)
    write_content(config, end)
    for index in range(passes):
        run_pass(config, clock)
        if index < passes - 1:
            clock.advance(minutes=PASS_MINUTES)
    return Demo(project, config, build_site(config, clock()))


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass
