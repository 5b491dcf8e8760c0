"""`statusgen serve` as a real process under SIGTERM while a notification pass is stuck on
channels and hooks that hang or refuse: it exits 0 within the notify deadline and keeps
every undelivered message in the outbox."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.server_support import make_project, wait_for
from tests.test_server_sigterm import Serve

DEADLINE = 3  # notify.deadline in the config below, seconds


class Hanging:
    """A TCP server on 127.0.0.1 that accepts, reads, and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self) -> None:
        self.sock.close()
        for conn in self.conns:
            conn.close()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    server = Hanging()
    yield server
    server.close()


def refused_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_sigterm_during_a_stuck_notification_pass_exits_0_within_the_deadline(tmp_path, hanging):
    closed = refused_port()
    config = make_project(
        tmp_path,
        f"""
[page]
name = "Shutdown"

[server]
rebuild_debounce = 0

[notify]
deadline = {DEADLINE}

  [[notify.channels]]
  name = "hangs"
  url = "json://127.0.0.1:{hanging.port}/"

  [[notify.channels]]
  name = "refuses"
  url = "json://127.0.0.1:{closed}/"

  [[notify.hooks]]
  label = "hook-hangs"
  target = "http://127.0.0.1:{hanging.port}/hook"
  secret = "s3cret-hook"

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  interval = 1
  replicas = ["tcp://127.0.0.1:{closed}"]
""",
    )
    server = Serve(config.path)
    try:
        server.url()
        assert hanging.accepted.wait(30), "".join(server.lines)
        began = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=DEADLINE + 15)
        took = time.monotonic() - began
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    server.reader.join(5)
    log = "".join(server.lines)
    assert code == 0, log
    assert took < DEADLINE + 4, (took, log)
    assert "Traceback" not in log, log
    wait_for(lambda: (config.history_dir / "notify-state.json").exists(), 1, "notify state")
    state = json.loads((config.history_dir / "notify-state.json").read_text())
    targets = {(item["kind"], item["target"]) for item in state["outbox"]}
    assert {("channel", "hangs"), ("channel", "refuses"), ("hook", "hook-hangs")} <= targets
    assert "s3cret-hook" not in log


def test_a_hanging_apprise_channel_is_reported_as_a_timeout(hanging):
    from statusgen.config import Channel
    from statusgen.notify.channels import send_message
    from statusgen.notify.messages import Message

    channel = Channel(name="hangs", url=f"json://127.0.0.1:{hanging.port}/")
    error = send_message(channel, Message("t", "b", "info"), timeout=1.0)
    assert error == "timed out after 1 s (no answer)"


def test_a_refusing_apprise_channel_is_not_called_a_timeout():
    from statusgen.config import Channel
    from statusgen.notify.channels import send_message
    from statusgen.notify.messages import Message

    channel = Channel(name="refuses", url=f"json://127.0.0.1:{refused_port()}/")
    error = send_message(channel, Message("t", "b", "info"), timeout=5.0)
    assert error is not None and "timed out" not in error
