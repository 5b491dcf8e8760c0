"""`statusgen probe --location ID --report-to URL` keeps the passes it cannot deliver (the
server down, a 5xx, a lost answer) and sends them first on the next run, oldest first,
against a real `statusgen serve` that goes down and comes back; the server takes a replay
without appending it twice."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from statusgen.history.spool import Spool
from tests.locations_support import up_and_down
from tests.server_support import make_project
from tests.test_locations_report import cli, probe, reported
from tests.test_server_sigterm import Serve


@pytest.fixture
def ports():
    """A port that accepts (up) and one that refuses (down)."""
    with up_and_down() as ports:
        yield ports


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Relay(BaseHTTPRequestHandler):
    """Forwards a POST to the server, then hangs up without passing on the answer (or
    answers 503 itself): the server got the pass, the sender never hears so."""

    upstream = ""
    mode = "lose"

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Relay.mode == "503":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        httpx.post(Relay.upstream + self.path, content=body, headers=headers, timeout=20)
        self.close_connection = True  # no answer: the connection just ends

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def relay():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def received(tmp_path: Path) -> list[dict]:
    """The passes the server appended for location a."""
    return [
        json.loads(line)
        for path in sorted((tmp_path / "history" / "samples" / "a").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_passes_wait_while_the_server_is_away_and_are_never_appended_twice(tmp_path, ports, relay):
    config = make_project(tmp_path, reported(ports))
    token = cli("token", "location", "a", "-c", str(config.path))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    spool = tmp_path / ".statusgen" / "report-spool" / "a.jsonl"

    server = Serve(config.path, "--port", str(port))
    try:
        server.url()
        assert probe(config.path, url, token).returncode == 0
        assert len(received(tmp_path)) == 1
    finally:
        server.process.terminate()
        server.process.wait(timeout=20)

    away = probe(config.path, url, token)  # the server is down: connection refused
    assert away.returncode == 1
    assert "ConnectError" in away.stderr and "(1 waiting)" in away.stderr, away.stderr
    assert len(spool.read_text().splitlines()) == 1

    server = Serve(config.path, "--port", str(port))  # back, on the same address
    try:
        server.url()
        Relay.upstream, Relay.mode = url, "503"
        failing = probe(config.path, relay, token)  # a 5xx: nothing sent, both kept
        assert failing.returncode == 1 and "HTTP 503" in failing.stderr
        assert "(2 waiting)" in failing.stderr
        Relay.mode = "lose"
        lost = probe(config.path, relay, token)  # the server takes the oldest; no answer
        assert lost.returncode == 1 and "(3 waiting)" in lost.stderr, lost.stderr
        waiting = [json.loads(line) for line in spool.read_text().splitlines()]
        before = received(tmp_path)
        assert waiting[0] in before  # sent and taken, but the sender never heard

        # What the server should end with: each distinct pass once, in the order sent. (Two
        # runs within one second on a fast machine can make the very same pass line: the
        # same writer, time and content is one pass.)
        expected, replayed = list(before), 0
        for line in waiting:
            replayed += line in expected
            expected += [] if line in expected else [line]
        done = probe(config.path, url, token)
        assert done.returncode == 0, done.stderr
        assert f"sent 3 spooled pass(es) to {url} first, {replayed} of them already there" in (
            done.stderr
        )
        assert not spool.exists()
        got = received(tmp_path)
        assert got[: len(expected)] == expected  # oldest first, no replay appended again
        assert len(got) - len(expected) <= 1  # and this run's own pass
        sent = got[: len(expected)]  # this run's own pass is a first send, never
        # looked up: within the same second it may equal the one before it
        assert len({json.dumps(x, sort_keys=True) for x in sent}) == len(sent)
        assert [x["t"] for x in got] == sorted(x["t"] for x in got)

        # The route itself: the same pass twice is one line, the second answer says so.
        target = url + "/locations/a/passes"
        auth = {"Authorization": f"Bearer {token}"}
        replay = {"shard": None, "pass": got[0], "replay": True}
        again = httpx.post(target, json=replay, headers=auth)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert received(tmp_path) == got
        # A pass for a day already sealed (a spool emptied days later) is taken, with a
        # warning in the log (that warning used to fail the request with a 500).
        days = tmp_path / "history" / "days"
        days.mkdir(parents=True, exist_ok=True)
        (days / "2026-01-05.json").write_text('{"date": "2026-01-05", "k": {}}')
        late = {**got[0], "t": "2026-01-05T12:00:00Z"}
        taken = httpx.post(target, json={"shard": None, "pass": late}, headers=auth)
        assert taken.status_code == 200, taken.text
        assert "duplicate" not in taken.json()
    finally:
        server.process.terminate()
        server.process.wait(timeout=20)
    log = "".join(server.lines)
    assert "Traceback" not in log
    assert "event=location-pass-warning location=a" in log and "was sealed" in log


def test_the_spool_keeps_the_newest_passes_up_to_its_limit(tmp_path):
    spool = Spool(tmp_path, "a")
    lines = [json.dumps({"t": f"2026-12-03T10:0{n}:00Z"}).encode() + b"\n" for n in range(5)]
    dropped = [spool.keep(line, limit=3) for line in lines]
    assert dropped == [0, 0, 0, 1, 1]
    assert spool.lines() == [line.rstrip(b"\n") for line in lines[2:]]
    spool.forget(2)
    assert spool.lines() == [lines[4].rstrip(b"\n")]
    spool.forget(1)
    assert not spool.path.exists() and spool.lines() == []
