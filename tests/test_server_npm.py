"""The published Node reporter (`vigil-reporter` 1.2.0 from npm) against a real server:
a Vigil client works with statusgen by changing only its URL and token."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from statusgen.health import judge_load
from statusgen.server.app import create_app
from tests.server_support import REPORTER_ONLY, make_project, running_server

NODE_DIR = Path(__file__).parent / "node"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="Node.js and npm are needed to run the published vigil-reporter client",
)


@pytest.fixture(scope="module")
def reporter_package() -> Path:
    """tests/node/node_modules, installed from the pinned package.json when missing."""
    installed = NODE_DIR / "node_modules" / "vigil-reporter" / "package.json"
    if not installed.exists():
        subprocess.run(
            ["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=120,
        )
    return installed


def report_once(url: str, token: str, probe: str, node: str, replica: str) -> int:
    env = {
        **os.environ,
        "VIGIL_URL": url,
        "VIGIL_TOKEN": token,
        "VIGIL_PROBE": probe,
        "VIGIL_NODE": node,
        "VIGIL_REPLICA": replica,
    }
    done = subprocess.run(
        ["node", "report_once.js"], cwd=NODE_DIR, env=env, capture_output=True, timeout=30
    )
    return done.returncode


def test_the_npm_vigil_reporter_reports_to_statusgen(reporter_package, tmp_path, clock):
    assert '"version": "1.2.0"' in reporter_package.read_text()
    config = make_project(tmp_path)
    app = create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)
    token = app.state.ctx.token.show()
    live = app.state.ctx.live
    with running_server(app) as url:
        assert report_once(url, token, "api", "workers", "node-1") == 0
        assert report_once(url, "wrong", "api", "workers", "node-2") == 1
        assert report_once(url, token, "api", "nope", "node-3") == 1
    (replica,) = live.replicas()
    assert (replica.id, replica.interval, replica.mode) == ("node-1", 30, "push")
    assert replica.cpu is not None and replica.ram is not None and 0 < replica.ram <= 1
    # The machine's own load decides healthy or sick: the server judged what it was sent.
    metrics = config.find_node("api", "workers").metrics(config.metrics)
    expected = judge_load(replica.cpu, replica.ram, metrics.cpu_sick_above, metrics.ram_sick_above)
    assert live.statuses(clock()) == {"api/workers/node-1": expected}
