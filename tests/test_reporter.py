"""`statusgen.reporter.Reporter`: reports load in the background, never raises."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from statusgen.reporter import Reporter, system_load
from statusgen.server.app import create_app
from statusgen.status import Status
from tests.server_support import REPORTER_ONLY, make_project, running_server, wait_for


@pytest.fixture
def app(tmp_path, clock):
    return create_app(make_project(tmp_path), clock, schedule=False, route_modules=REPORTER_ONLY)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_system_load_is_load_per_core_and_used_ram_ratio():
    cpu, ram = system_load()
    assert 0 <= cpu < 100
    assert 0 < ram <= 1


def test_the_reporter_reports_in_the_background_and_flushes(app):
    token = app.state.ctx.token.show()
    live = app.state.ctx.live
    with running_server(app) as url:
        reporter = Reporter(url, token, "api", "workers", "10.1.2.3", interval=30)
        with reporter:
            wait_for(lambda: live.count() == 1, what="the first report")
            reporter.stop()
            assert reporter.reported == 1 and reporter.failures == 0
            (replica,) = live.replicas()
            assert (replica.id, replica.interval) == ("10.1.2.3", 30)
            assert replica.cpu is not None and 0 < replica.ram <= 1
            assert reporter.flush()
    assert live.count() == 0


def test_high_load_makes_the_replica_sick(app, clock):
    token = app.state.ctx.token.show()
    with running_server(app) as url:
        reporter = Reporter(url, token, "api", "workers", "busy", load=lambda: (3.0, 0.5))
        assert reporter.report_once()
        reporter.close()
    assert app.state.ctx.live.statuses(clock()) == {"api/workers/busy": Status.SICK}


def test_the_reporter_survives_the_server_being_down_and_recovers(app, caplog):
    token = app.state.ctx.token.show()
    down = Reporter(f"http://127.0.0.1:{free_port()}", token, "api", "workers", "r", 30)
    assert down.report_once() is False
    assert down.report_once() is False
    assert down.failures == 2 and "ConnectError" in (down.last_error or "")
    warnings = [r for r in caplog.records if "report failed" in r.getMessage()]
    assert len(warnings) == 1  # logged once per outage, not per attempt
    down.start()
    down.stop()  # a running thread stops promptly even while failing
    down.close()
    with running_server(app) as url:
        up = Reporter(url, token, "api", "workers", "r", 30)
        assert up.report_once()
        up.close()


@pytest.mark.parametrize(
    ("status", "body"), [(403, "wrong reporter token"), (500, "boom"), (412, "wrong mode")]
)
def test_a_refused_report_is_counted_not_raised(status, body):
    transport = httpx.MockTransport(lambda request: httpx.Response(status, text=body))
    reporter = Reporter("http://x", "t", "api", "workers", "r", transport=transport)
    assert reporter.report_once() is False
    assert reporter.last_error == f"HTTP {status}: {body}"


def test_a_failing_load_reading_is_counted_not_raised():
    def broken():
        raise OSError("no /proc")

    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    reporter = Reporter("http://x", "t", "s", "n", "r", load=broken, transport=transport)
    assert reporter.report_once() is False
    assert reporter.last_error == "OSError: no /proc"


def test_the_request_is_vigils():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    reporter = Reporter(
        "https://status.example/",
        "tok",
        "my api",
        "n1",
        "10.0.0.1",
        interval=12.4,
        load=lambda: (0.5, 0.25),
        transport=httpx.MockTransport(handler),
    )
    assert reporter.report_once()
    (request,) = seen
    assert str(request.url) == "https://status.example/reporter/my%20api/n1/"
    assert request.headers["authorization"] == httpx.BasicAuth("", "tok")._auth_header
    assert request.headers["content-type"] == "application/json"
    assert request.read() == b'{"replica":"10.0.0.1","interval":12,"load":{"cpu":0.5,"ram":0.25}}'


@pytest.mark.parametrize("bad", [{"url": ""}, {"token": ""}, {"interval": 0}])
def test_bad_arguments_fail_at_construction(bad):
    args = {"url": "http://x", "token": "t", "service": "s", "node": "n", "replica": "r"}
    with pytest.raises(ValueError, match="Reporter"):
        Reporter(**{**args, **bad})


def test_the_report_command_reports_until_sigterm(app):
    token = app.state.ctx.token.show()
    live = app.state.ctx.live
    with running_server(app) as url:
        command = [sys.executable, "-m", "statusgen", "report", "--server", url]
        command += ["--service", "api", "--node", "workers", "--replica", "cli-1"]
        process = subprocess.Popen(
            command,
            env={**os.environ, "STATUSGEN_TOKEN": token},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: live.count() == 1, what="the command's first report")
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0
    assert "stopped: 1 reports accepted, 0 failed" in err
    assert token not in err
    assert [r.id for r in live.replicas()] == ["cli-1"]
