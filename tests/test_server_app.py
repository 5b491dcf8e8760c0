"""The whole server on a real socket: scheduler passes, rebuilds, static/live parity,
access logs."""

from __future__ import annotations

import json
import logging
import socket

import httpx
import pytest

from statusgen.history import open_store
from statusgen.server.app import create_app, media_type
from statusgen.server.scheduler import heartbeat
from statusgen.server.site import live_documents
from statusgen.site import build_site
from tests.server_support import (
    REPORTER_ONLY,
    SERVER_CONFIG,
    make_project,
    push_body,
    running_server,
    wait_for,
)

REPORT = "/reporter/api/workers/"


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def app(config, clock):
    return create_app(config, clock, route_modules=REPORTER_ONLY, notify=False)


def last_pass(config) -> dict:
    return open_store(config).passes()[-1]


def test_a_pass_records_push_replicas_and_their_age_out(app, config, clock):
    ctx, scheduler = app.state.ctx, app.state.scheduler
    token = ctx.token.show()
    with running_server(app) as url, httpx.Client(base_url=url, auth=("", token)) as client:
        client.post(REPORT, json=push_body("10.0.0.1"))
        client.post(REPORT, json=push_body("10.0.0.2", cpu=1.5))
        scheduler.run_pass()
        line = last_pass(config)
        assert line["r"]["api/workers/10.0.0.1"] == ["h", None]
        assert line["r"]["api/workers/10.0.0.2"] == ["s", None, "cpu load 1.50 above 0.9"]
        assert line["n"]["api/workers"] == "s"
        clock.advance(50)
        scheduler.run_pass()
    line = last_pass(config)
    assert line["r"]["api/workers/10.0.0.1"] == ["d", None, "no report for 50 s"]
    assert line["n"]["api/workers"] == "d"


def test_transitions_are_logged_one_line_each(app, config, clock, caplog):
    ctx, scheduler = app.state.ctx, app.state.scheduler
    token = ctx.token.show()
    caplog.set_level(logging.INFO, logger="statusgen.server")
    with running_server(app) as url:
        httpx.post(url + REPORT, json=push_body("r1"), auth=("", token))
        scheduler.run_pass()
        clock.advance(60)
        scheduler.run_pass()
    lines = [r.getMessage() for r in caplog.records if "event=transition" in r.getMessage()]
    assert "event=transition level=replica key=api/workers/r1 from=healthy to=dead" in lines
    assert "event=transition level=node key=api/workers from=healthy to=dead" in lines


def test_one_access_log_line_per_request_without_the_token(app, caplog):
    token = app.state.ctx.token.show()
    caplog.set_level(logging.INFO, logger="statusgen.server.access")
    with running_server(app) as url:
        httpx.post(url + REPORT, json=push_body(), auth=("", token))
        httpx.get(url + "/nope")
    lines = [r.getMessage() for r in caplog.records if r.name == "statusgen.server.access"]
    assert len(lines) == 2
    assert lines[0].startswith(f"method=POST path={REPORT} status=200 ms=")
    assert lines[1].startswith("method=GET path=/nope status=404")
    assert all(token not in line for line in lines)


def test_poll_nodes_are_probed_on_their_own_interval(tmp_path, clock):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    text = SERVER_CONFIG.replace("tcp://127.0.0.1:9", f"tcp://127.0.0.1:{port}")
    text = text.replace(
        'replicas = ["tcp://127.0.0.1', 'interval = 1\n  replicas = ["tcp://127.0.0.1'
    )
    config = make_project(tmp_path, text)
    assert heartbeat(config) == 1
    app = create_app(config, clock, route_modules=REPORTER_ONLY, notify=False, builder=None)
    scheduler = app.state.scheduler
    with running_server(app):
        wait_for(lambda: scheduler.passes >= 2, what="two passes of the poll loop")
    listener.close()
    assert last_pass(config)["r"][f"api/site/tcp:-127.0.0.1:{port}"][0] == "h"


def test_a_silent_replica_wakes_the_scheduler_at_its_deadline(app, clock):
    ctx = app.state.ctx
    token = ctx.token.show()
    with running_server(app) as url:
        httpx.post(url + REPORT, json=push_body("r1", interval=0), auth=("", token))
        assert ctx.live.next_change(clock()) is not None
        wait_for(lambda: app.state.scheduler.passes >= 1, what="the pass after a new replica")


def test_static_and_live_api_documents_are_byte_identical(app, config, clock):
    ctx, scheduler = app.state.ctx, app.state.scheduler
    token = ctx.token.show()
    with running_server(app) as url, httpx.Client(base_url=url) as client:
        client.post(REPORT, json=push_body("10.0.0.1"), auth=("", token))
        # Holding the write lock keeps background passes and rebuilds out while comparing;
        # the event loop still serves requests.
        with ctx.write_lock:
            scheduler.run_pass()
            documents = scheduler.rebuild()
            assert "api/v1/status.json" in documents
            assert "status/text" in documents
            assert any(path.startswith("api/v2/") for path in documents)
            for path, body in documents.items():
                response = client.get("/" + path)
                assert response.status_code == 200, path
                assert response.content == body, path
                assert response.content == (config.output_dir / path).read_bytes(), path
                assert response.headers["content-type"] == media_type(path)
            live = live_documents(config, clock(), ctx.live.statuses(clock()))
        home = client.get("/")
        assert home.status_code == 200 and b"<html" in home.content
    assert live == documents
    assert "10.0.0.1" in json.dumps(json.loads(documents["api/v1/status.json"]))


def test_live_documents_follow_reports_without_waiting_for_cron(app, config, clock):
    ctx = app.state.ctx
    token = ctx.token.show()
    with running_server(app) as url, httpx.Client(base_url=url) as client:
        client.post(REPORT, json=push_body("new-replica"), auth=("", token))
        wait_for(
            lambda: b"new-replica" in client.get("/api/v1/status.json").content,
            what="the report in the live API",
        )
        response = client.get("/api/v1/status.json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "no-cache"


def test_a_push_replica_going_silent_is_notified(tmp_path, clock, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    channel = f"json://127.0.0.1:{httpserver.port}/hook"
    text = SERVER_CONFIG + f'\n[notify]\nchannels = [{{ name = "ops", url = "{channel}" }}]\n'
    config = make_project(tmp_path, text)
    app = create_app(config, clock, route_modules=REPORTER_ONLY, builder=None)
    scheduler = app.state.scheduler
    token = app.state.ctx.token.show()
    with running_server(app) as url:
        httpx.post(url + REPORT, json=push_body("r1"), auth=("", token))
        scheduler.run_pass()
        clock.advance(60)
        outcome = scheduler.run_pass()
    assert outcome.notify is not None
    bodies = [request.get_data(as_text=True) for request, _ in httpserver.log]
    assert any("Workers" in body and "dead" in body.lower() for body in bodies), bodies


def test_documents_win_over_route_patterns_of_every_route_module(config, clock):
    app = create_app(config, clock, notify=False)  # every installed route module
    scheduler = app.state.scheduler
    with running_server(app) as url:
        scheduler.rebuild()
        text = httpx.get(url + "/status/text")
        report = httpx.get(url + "/status/report")
    assert text.status_code == 200 and text.text in ("healthy", "sick", "dead")
    assert report.status_code == 200 and report.json()["page"]["name"] == "Live Status"


def test_vigil_badge_urls_are_served_live_without_an_extension(config, clock):
    app = create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)
    documents = live_documents(config, clock(), {})
    app.state.ctx.documents.replace(documents)  # no scheduler: no rebuild races the reads
    with running_server(app) as url:
        icon = httpx.get(url + "/badge/icon")
        color = httpx.get(url + "/badge/color")
        unknown = httpx.get(url + "/badge/nope")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.content == documents["badge/icon.svg"]
    assert color.content == documents["badge/color.svg"]
    assert unknown.status_code == 404


def node_of(document: dict, service: str, node: str) -> dict:
    (found,) = [
        n for s in document["services"] if s["id"] == service for n in s["nodes"] if n["id"] == node
    ]
    return found


def test_a_push_node_nobody_reported_to_has_no_data_everywhere(app, config, clock):
    app.state.scheduler.run_pass()
    documents = live_documents(config, clock(), {})
    v1 = json.loads(documents["api/v1/status.json"])
    workers = node_of(v1, "api", "workers")
    assert (workers["health"], workers["status"]) == (None, "no_data")
    # Statuspage v2 and Vigil have no "no data": the node is left out until it reports.
    v2 = json.loads(documents["api/v2/components.json"])
    assert "workers" not in [c["id"] for c in v2["components"]]
    vigil = json.loads(documents["status/report"])
    assert "workers" not in [n["id"] for p in vigil["probes"] for n in p["nodes"]]
    assert b"no data" in documents["badges/nodes/api/workers/status.svg"]
    build_site(config, clock())
    home = (config.output_dir / "index.html").read_text(encoding="utf-8")
    assert '<span class="pill c-no_data">No data</span>' in home
    workers = (config.output_dir / "nodes" / "api" / "workers.html").read_text(encoding="utf-8")
    assert "No data</span></h1>\n<p class=help>No report received yet.</p>" in workers


def test_flushing_the_only_replica_of_a_push_node_leaves_no_data(app, config, clock):
    ctx, scheduler = app.state.ctx, app.state.scheduler
    token = ctx.token.show()
    with running_server(app) as url, httpx.Client(base_url=url, auth=("", token)) as client:
        client.post(REPORT, json=push_body("10.0.0.1"))
        clock.advance(50)  # silent: dead
        scheduler.run_pass()
        assert last_pass(config)["n"]["api/workers"] == "d"
        assert client.delete(REPORT + "10.0.0.1/").status_code == 200
        clock.advance(1)
        scheduler.run_pass()
        documents = live_documents(config, clock(), ctx.live.statuses(clock()))
    v1 = json.loads(documents["api/v1/status.json"])
    assert node_of(v1, "api", "workers")["status"] == "no_data"
    assert v1["status"]["description"] != "Partial System Outage"
    # It did report once: its page does not claim it never did.
    build_site(config, clock())
    workers = (config.output_dir / "nodes" / "api" / "workers.html").read_text(encoding="utf-8")
    assert "c-no_data" in workers and "No report received yet" not in workers
