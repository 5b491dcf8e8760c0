"""The live server under bad input and hostile requests (issue 12, server items)."""

from __future__ import annotations

import logging

import httpx
import pytest

from statusgen.server.app import create_app
from tests.server_support import REPORTER_ONLY, make_project, running_server, wait_for

QUIET = """
[page]
name = "Quiet"

[server]
rebuild_debounce = 0

[[services]]
id = "api"
name = "API"

  [[services.nodes]]
  id = "workers"
  label = "Workers"
  mode = "push"
"""


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path, QUIET)


def test_a_failed_rebuild_keeps_the_last_good_site_and_logs_one_line(config, clock, caplog):
    app = create_app(config, clock, route_modules=REPORTER_ONLY, notify=False)
    scheduler = app.state.scheduler
    with running_server(app) as url, httpx.Client(base_url=url) as client:
        wait_for(lambda: scheduler.rebuilds >= 1, what="the first build")
        home = client.get("/").content
        status = client.get("/api/v1/status.json").content
        broken = config.resolve("config/incidents/2026-11-23-broken.md")
        broken.parent.mkdir(parents=True, exist_ok=True)
        broken.write_text("---\ntitle: Broken\nseverity: apocalyptic\n---\nBody\n")
        caplog.set_level(logging.INFO, logger="statusgen.server")
        app.state.ctx.request_rebuild()
        wait_for(
            lambda: any("rebuild-failed" in r.getMessage() for r in caplog.records),
            what="the failed rebuild's log line",
        )
        assert client.get("/").content == home
        assert client.get("/api/v1/status.json").content == status
    failed = [r for r in caplog.records if "rebuild-failed" in r.getMessage()]
    assert len(failed) == 1
    assert "\n" not in failed[0].getMessage() and failed[0].exc_info is None
    assert "severity" in failed[0].getMessage() and "2026-11-23-broken.md" in failed[0].getMessage()
