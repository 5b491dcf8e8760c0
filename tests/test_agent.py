"""`statusgen local`: the agent probes local nodes and reports their health to a server."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import pytest
from click.testing import CliRunner

from statusgen.agent import AgentStats, local_nodes, report_url, run_agent
from statusgen.cli import main
from statusgen.clock import system_clock
from statusgen.errors import StatusgenError
from statusgen.server.app import create_app
from statusgen.status import Status
from tests.server_support import REPORTER_ONLY, make_project, running_server, wait_for

AGENT_CONFIG = """
[page]
name = "LAN"

[[services]]
id = "lan"
name = "LAN"

  [[services.nodes]]
  id = "db"
  label = "Database"
  mode = "local"
  interval = 1
  delay_dead = 4
  delay_sick = 2
  retry = 0
  replicas = ["tcp://127.0.0.1:{port}", "tcp://user:secret@127.0.0.1:9"]
"""


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()


class AgentThread:
    """The agent's event loop in a thread, stopped on request."""

    def __init__(self, config, server: str, token: str, **kwargs) -> None:
        self.stats = AgentStats()
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()

        def run() -> None:
            self.loop.run_until_complete(
                run_agent(
                    config, server, token, system_clock, self.stop, stats=self.stats, **kwargs
                )
            )

        self.thread = threading.Thread(target=run, daemon=True)

    def __enter__(self) -> AgentThread:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)
        assert not self.thread.is_alive()


def test_the_agent_drives_local_replicas_healthy_then_dead_once_stopped(tmp_path, clock, listener):
    config = make_project(tmp_path, AGENT_CONFIG.replace("{port}", str(listener)))
    app = create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)
    live = app.state.ctx.live
    token = app.state.ctx.token.show()
    with running_server(app) as url, AgentThread(config, url, token) as agent:
        wait_for(lambda: live.count() == 2, what="both replicas reported")
    assert agent.stats.reported >= 2 and agent.stats.failed == 0
    assert live.statuses(clock()) == {
        f"lan/db/tcp:-127.0.0.1:{listener}": Status.HEALTHY,
        "lan/db/tcp:-127.0.0.1:9": Status.DEAD,
    }
    labels = {r.label for r in live.replicas()}
    assert labels == {f"tcp://127.0.0.1:{listener}", "tcp://127.0.0.1:9"}  # no credentials
    clock.advance(1 + 4)  # interval + delay_dead after the last report
    assert set(live.statuses(clock()).values()) == {Status.DEAD}


def test_a_refused_report_is_retried_then_given_up(tmp_path, clock, listener, caplog):
    caplog.set_level(logging.INFO, logger="statusgen.server.access")
    config = make_project(tmp_path, AGENT_CONFIG.replace("{port}", str(listener)))
    app = create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)
    app.state.ctx.token.show()
    with (
        running_server(app) as url,
        AgentThread(config, url, "wrong-token", retry_delay=0.01) as agent,
    ):
        wait_for(lambda: agent.stats.failed >= 2, what="two failed reports")
    assert agent.stats.reported == 0
    posts = [r for r in caplog.records if r.getMessage().startswith("method=POST")]
    assert len(posts) >= 3 * agent.stats.failed  # first attempt + 2 retries each
    assert app.state.ctx.live.count() == 0


def test_report_urls_are_vigil_routes():
    assert report_url("https://s.example/", "my svc", "n/1") == (
        "https://s.example/reporter/my%20svc/n%2F1/"
    )


def test_an_agent_without_local_nodes_is_an_error(tmp_path):
    config = make_project(tmp_path, '[page]\nname = "x"\n')
    with pytest.raises(StatusgenError, match='no node has mode = "local"'):
        local_nodes(config)
    result = CliRunner().invoke(
        main, ["local", "-c", str(config.path), "--server", "http://x", "--token", "t"]
    )
    assert result.exit_code == 2
