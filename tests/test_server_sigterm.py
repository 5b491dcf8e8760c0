"""`statusgen serve` as a real process: it probes, takes reports, and on SIGTERM stops
cleanly, leaving a valid history, a released lock and its live state saved."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from statusgen.files import locked
from statusgen.history import open_store
from tests.server_support import SERVER_CONFIG, make_project, wait_for


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()


class Serve:
    """`statusgen serve --port 0` in a subprocess; learns its port from the log."""

    def __init__(self, config_path: Path, *options: str) -> None:
        command = [sys.executable, "-m", "statusgen", "serve", "-c", str(config_path)]
        self.process = subprocess.Popen(
            [*command, "--port", "0", *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def url(self) -> str:
        pattern = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
        found: list[str] = []

        def started() -> bool:
            found.extend(m.group(1) for line in self.lines if (m := pattern.search(line)))
            assert self.process.poll() is None, "".join(self.lines)
            return bool(found)

        wait_for(started, timeout=20, what="uvicorn to start")
        return found[0]


def test_sigterm_leaves_a_valid_history_and_no_lock(tmp_path, listener):
    text = SERVER_CONFIG.replace("tcp://127.0.0.1:9", f"tcp://127.0.0.1:{listener}")
    text = text.replace(
        'replicas = ["tcp://127.0.0.1', 'interval = 1\n  replicas = ["tcp://127.0.0.1'
    )
    config = make_project(tmp_path, text)
    server = Serve(config.path)
    try:
        url = server.url()
        token = (tmp_path / ".statusgen" / "reporter-token").read_text().strip()
        response = httpx.post(
            url + "/reporter/api/workers/",
            json={"replica": "w1", "interval": 30, "load": {"cpu": 0.1, "ram": 0.2}},
            auth=("", token),
        )
        assert response.status_code == 200
        store = open_store(config)
        wait_for(lambda: len(store.passes()) >= 2, timeout=20, what="two passes")
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    server.reader.join(5)
    log = "".join(server.lines)
    assert "Traceback" not in log, log
    passes = open_store(config).passes()
    assert len(passes) >= 2
    assert any("api/workers/w1" in line["r"] for line in passes)
    assert not (config.history_dir / "corrupt").exists()
    with locked(config.history_dir, timeout=1):
        pass
    assert '"id":"w1"' in (tmp_path / ".statusgen" / "live.json").read_text()
    assert token not in log
