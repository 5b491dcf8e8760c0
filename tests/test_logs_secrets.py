"""Secrets never reach a log line, whichever library logs them, in every command: the
real stderr of `serve` and `local` at debug level (httpx request lines with userinfo and
query tokens, urllib3/Apprise lines with a channel's token, hook credentials)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from statusgen.secrets import MASK, MaskingFormatter, url_credentials
from tests.server_support import make_project, wait_for

SECRETS = ("Pr0bePass", "pr0beuser", "Qu3ryT0ken", "Chan5ecretPath", "H00kPass", "H00kQuery")
SECRETS += ("H00kSecret", "L0calT0ken")


class Recorder(BaseHTTPRequestHandler):
    seen: list[str]

    def _answer(self, status: int) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(500)

    def do_POST(self) -> None:  # noqa: N802
        self._answer(200)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def target() -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def config_text(port: int, mode: str) -> str:
    return f"""
[page]
name = "Secrets"

[server]
rebuild_debounce = 0

[notify]
deadline = 5

  [[notify.channels]]
  name = "chan"
  url = "json://127.0.0.1:{port}/Chan5ecretPath/"

  [[notify.hooks]]
  label = "hook"
  target = "http://hookuser:H00kPass@127.0.0.1:{port}/hook?sig=H00kQuery"
  secret = "H00kSecret"

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  mode = "{mode}"
  interval = 1
  replicas = ["http://pr0beuser:Pr0bePass@127.0.0.1:{port}/health?token=Qu3ryT0ken&v=1"]
"""


def run_until(command: list[str], done, what: str) -> str:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: done() or process.poll() is not None, timeout=40, what=what)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return out + err


def assert_masked(log: str) -> None:
    for secret in SECRETS:
        assert secret not in log, f"{secret} in log:\n{log}"
    assert MASK in log


def test_serve_at_debug_level_logs_no_secret_of_any_library(tmp_path, target):
    port, seen = target
    config = make_project(tmp_path, config_text(port, "poll"))

    def all_sent() -> bool:
        return any("/health" in s for s in seen) and any("Chan5ecretPath" in s for s in seen)

    log = run_until(
        [
            sys.executable,
            "-m",
            "statusgen",
            "serve",
            "-c",
            str(config.path),
            "--port",
            "0",
            "--log-level",
            "debug",
        ],  # fmt: skip
        lambda: all_sent() and any(s.startswith("POST /hook") for s in seen),
        "a probe, a channel message and a hook delivery",
    )
    assert "HTTP Request: GET" in log and "urllib3" in log, log
    assert_masked(log)


def test_local_at_debug_level_logs_no_secret(tmp_path, target):
    port, seen = target
    config = make_project(tmp_path, config_text(port, "local"))
    log = run_until(
        [
            sys.executable,
            "-m",
            "statusgen",
            "local",
            "-c",
            str(config.path),
            "--server",
            f"http://127.0.0.1:{port}",
            "--token",
            "L0calT0ken",
            "--log-level",
            "debug",
        ],  # fmt: skip
        lambda: sum("/health" in s for s in seen) >= 2 and any("POST" in s for s in seen),
        "two local probes and a report",
    )
    assert "HTTP Request: GET" in log, log
    assert_masked(log)


def test_the_formatter_masks_tracebacks_and_stacks():
    formatter = MaskingFormatter("%(message)s")
    formatter.protect(url_credentials("https://u5er:pa55word@h/x?key=k3yvalue&a=b"))
    try:
        raise ValueError("failed with pa55word")
    except ValueError:
        record = logging.LogRecord(
            "httpx", logging.ERROR, __file__, 1, "GET %s", ("https://u5er:pa55word@h/",),
            sys.exc_info(), sinfo="stack k3yvalue",
        )  # fmt: skip
    text = formatter.format(record)
    assert "pa55word" not in text and "u5er" not in text and "k3yvalue" not in text
    assert text.count(MASK) >= 4
