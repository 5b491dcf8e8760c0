"""A fixture page for the site tests: config, ten days of history and content, with every
state on it at T0 (2026-11-23T12:00Z), plus a strict-enough HTML checker."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import textwrap
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from statusgen import resources
from statusgen.config import Config, load_config
from statusgen.history import open_store, pass_record
from statusgen.run import evaluate_results
from statusgen.site import cache
from statusgen.status import ProbeResult, Status

from .conftest import T0, write_project

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD

FIXTURE_CONFIG = """
[page]
id = "acme"
name = "Acme Status"
description = "Health of the Acme website and API."
url = "https://status.acme.test/"
custom_domain = "status.acme.test"

[[pages]]
slug = "api-only"
name = "API only"
description = "Just the API."
services = ["api"]
theme = "light"

[[pages]]
slug = "hidden"
name = "Hidden page"
enabled = false

[[services]]
id = "web"
name = "Website"
description = "The public website & its docs."

  [[services.nodes]]
  id = "site"
  label = "Landing page"
  replicas = [
    { url = "https://user:hunter22pw@10.0.0.5/health", label = "eu-1" },
    { url = "http://127.0.0.1:9/", label = "eu-2" },
  ]

  [[services.nodes]]
  id = "docs"
  label = "Documentation"
  replicas = [{ url = "tcp://127.0.0.1:9", label = "docs-1" }]

[[services]]
id = "api"
name = "API"

  [[services.nodes]]
  id = "rest"
  label = "REST API"
  description = "The JSON API behind <the app>."
  replicas = [{ url = "http://127.0.0.1:9/api", label = "api-1" }]

  [[services.nodes]]
  id = "workers"
  label = "Workers"
  mode = "push"
"""

CONTENT = {
    "incidents/2026-11-23-rest-down.md": """
        ---
        title: REST API is down
        severity: critical
        affected: [rest]
        ---
        ## 2026-11-23T11:30:00Z — identified

        A bad deploy; rolling back.

        ## 2026-11-23T11:05:00Z — investigating

        The REST API does not answer.
        """,
    "incidents/2026-11-22-site-errors.md": """
        ---
        title: Landing page errors
        severity: major
        affected: [site]
        ---
        ## 2026-11-22T09:05:00Z — resolved

        Fixed.

        ## 2026-11-22T06:10:00Z — investigating

        One edge returns errors.
        """,
    "maintenance/2026-11-23-docs-upgrade.md": """
        ---
        title: Docs upgrade
        starts: 2026-11-23T10:00:00Z
        ends: 2026-11-23T14:00:00Z
        affected: [docs]
        ---
        The documentation moves to new servers.
        """,
    "maintenance/2026-11-30-db.md": """
        ---
        title: Database upgrade
        starts: 2026-11-30T08:00:00Z
        ends: 2026-11-30T09:00:00Z
        affected: [api]
        ---
        The API is read-only for an hour.
        """,
    "announcements/welcome.md": """
        ---
        title: New status page
        ---
        Welcome to our **new** status page.
        """,
    "announcements/old-news.md": """
        ---
        title: Old news
        expires: 2026-11-01T00:00:00Z
        ---
        This expired.
        """,
}


def statuses_at(at: datetime) -> dict[str, Status]:
    """The fixture's replica statuses at `at` (hourly passes)."""
    eu2 = (
        D
        if datetime(2026, 11, 22, 6, tzinfo=at.tzinfo)
        <= at
        < datetime(2026, 11, 22, 9, tzinfo=at.tzinfo)
        else H
    )
    docs = S if at.date().isoformat() == "2026-11-21" and 3 <= at.hour < 6 else H
    rest = D if at >= datetime(2026, 11, 23, 11, tzinfo=at.tzinfo) else H
    return {
        "web/site/eu-1": H,
        "web/site/eu-2": eu2,
        "web/docs/docs-1": docs,
        "api/rest/api-1": rest,
    }


def write_history(config: Config, days: int = 10, step_hours: int = 2) -> None:
    """Passes every `step_hours` over `days` days up to T0 (and hourly over the last
    day); older days roll up into daily aggregates as in real life."""
    store = open_store(config)
    times = []
    at = T0 - timedelta(days=days)
    while at <= T0:
        times.append(at)
        at += timedelta(hours=1 if T0 - at <= timedelta(days=1) else step_hours)
    for at in times:
        record_pass(config, store, at)


def record_pass(config: Config, store, at: datetime) -> None:
    """One pass of the fixture's replicas at `at`, appended to the history."""
    statuses = statuses_at(at)
    # Latency moves with the minute too, so passes minutes apart differ.
    wobble = at.hour / 1000 + at.minute / 1000
    results = [
        ProbeResult(
            *key.split("/"),
            key.split("/")[2],
            at,
            status is not D,
            None if status is D else (0.4 if status is S else 0.05 + wobble),
            "" if status is H else "HTTP 503",
            1,
            status,
        )
        for key, status in statuses.items()
    ]
    extra = {"api/workers/w1": H}
    evaluation = evaluate_results(config, results, extra)
    store.append(pass_record(evaluation, results, at), at)


def write_content(root: Path) -> None:
    for rel, text in CONTENT.items():
        path = root / "config" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


_CACHE: dict[str, Path] = {}


def make_fixture(root: Path, config_text: str = FIXTURE_CONFIG, env: dict | None = None) -> Config:
    """A complete fixture project in `root`; returns its loaded config. The history is
    written once per test session and copied (the services of every variant are the
    fixture's own)."""
    if "history" not in _CACHE:
        source = Path(tempfile.mkdtemp(prefix="statusgen-site-fixture-"))
        atexit.register(shutil.rmtree, source, True)
        write_history(load_config(write_project(source, FIXTURE_CONFIG), env={}))
        _CACHE["history"] = source / "history"
    path = write_project(root, config_text)
    write_content(root)
    shutil.copytree(_CACHE["history"], root / "history")
    return load_config(path, env=env or {})


class StrictHTML(HTMLParser):
    """Fails on unbalanced tags (allowing HTML's optional end tags) and duplicate ids."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    OPTIONAL_END = {"li", "p", "dt", "dd", "tr", "td", "th", "thead", "tbody", "option"}
    SVG_SELF = {"path", "rect", "stop", "circle", "polyline"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: set[str] = set()
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.errors.append(f"duplicate id {value!r}")
                self.ids.add(value)
        if tag in self.VOID:
            return
        if tag in ("li", "dt", "dd", "tr", "td", "th") and self.stack and self.stack[-1] == tag:
            self.stack.pop()
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag not in self.VOID and tag not in self.SVG_SELF:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        while self.stack and self.stack[-1] != tag and self.stack[-1] in self.OPTIONAL_END:
            self.stack.pop()
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()


def html_errors(text: str) -> list[str]:
    parser = StrictHTML()
    parser.feed(text)
    parser.close()
    left = [tag for tag in parser.stack if tag not in StrictHTML.OPTIONAL_END]
    return parser.errors + ([f"unclosed {left}"] if left else [])


def editable_theme(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the default theme at `tmp_path / "theme"`, which builds read (and the
    build cache digests as the default theme) instead of statusgen's, to edit."""
    theme = tmp_path / "theme"
    shutil.copytree(resources.theme_dir(), theme)
    monkeypatch.setattr(resources, "theme_dir", lambda: theme)
    monkeypatch.setattr(cache, "theme_dir", lambda: theme)
    return theme
