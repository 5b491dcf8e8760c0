"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
Playwright, one browser per test module (`browser = module_browser()` in the module; not
one per session: Playwright's sync API keeps an event loop running in the main thread,
which later asyncio tests would trip over), and a static file server that answers like a
static host (CORS header, 404.html for missing paths)."""

from __future__ import annotations

import shutil
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from statusgen.demo import serving

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


needs_chromium = pytest.mark.skipif(
    chromium() is None,
    reason="Debian chromium is not installed (/usr/bin/chromium); `.ci/run` installs it",
)


class StaticFiles(SimpleHTTPRequestHandler):
    """output/ as a static host serves it, with the CORS header GitHub Pages sends and
    its 404.html for a missing path."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve_folder(folder: Path):
    return serving(partial(StaticFiles, directory=str(folder)))


def module_browser():
    """A module-scoped `browser` fixture: one headless Chromium for the module's tests."""
    return pytest.fixture(scope="module", name="browser")(_launch)


def _launch():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=ARGS)
        yield launched
        launched.close()
