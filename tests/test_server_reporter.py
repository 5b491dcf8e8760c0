"""Vigil's reporter routes: status codes, bodies, auth, modes and live replica states."""

from __future__ import annotations

import httpx
import pytest

from statusgen.server.app import create_app
from statusgen.status import Status
from tests.server_support import (
    REPORTER_ONLY,
    ASGIClient,
    basic,
    make_project,
    push_body,
    running_server,
)

REPORT = "/reporter/api/workers/"


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def app(config, clock):
    return create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)


@pytest.fixture
def token(app) -> str:
    return app.state.ctx.token.show()


@pytest.fixture
def client(app):
    return ASGIClient(app)


def statuses(app) -> dict[str, Status]:
    ctx = app.state.ctx
    return ctx.live.statuses(ctx.clock())


def test_push_report_makes_a_healthy_replica_with_an_empty_200(client, app, token):
    response = client.post(REPORT, json=push_body("10.0.0.1"), headers=basic(token))
    assert response.status_code == 200
    assert response.content == b""
    assert statuses(app) == {"api/workers/10.0.0.1": Status.HEALTHY}


def test_the_user_part_of_basic_auth_is_ignored(client, app, token):
    response = client.post(REPORT, json=push_body(), headers=basic(token, user="anything"))
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/reporter/api/workers", "/reporter/api/workers/"])
def test_trailing_slash_is_optional(client, token, path):
    assert client.post(path, json=push_body(), headers=basic(token)).status_code == 200


def test_path_segments_are_url_decoded(client, app, token):
    response = client.post("/reporter/%61pi/work%65rs/", json=push_body(), headers=basic(token))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("cpu", "ram", "expected"),
    [
        (0.2, 0.3, Status.HEALTHY),
        (0.9, 0.8, Status.HEALTHY),  # at the threshold is not above it
        (0.91, 0.3, Status.SICK),
        (0.2, 0.81, Status.SICK),
        (4.0, 1.0, Status.SICK),
    ],
)
def test_load_above_the_node_thresholds_is_sick(client, app, token, cpu, ram, expected):
    client.post(REPORT, json=push_body("r1", cpu=cpu, ram=ram), headers=basic(token))
    assert statuses(app)["api/workers/r1"] is expected


@pytest.mark.parametrize(
    ("silent", "expected"),
    [(0, Status.HEALTHY), (49, Status.HEALTHY), (50, Status.DEAD), (3600, Status.DEAD)],
)
def test_a_silent_replica_is_dead_after_interval_plus_delay_dead(
    client, app, token, clock, silent, expected
):
    client.post(REPORT, json=push_body("r1", interval=30), headers=basic(token))  # 30 + 20
    clock.advance(silent)
    assert statuses(app)["api/workers/r1"] is expected


def test_a_new_report_revives_a_dead_replica(client, app, token, clock):
    client.post(REPORT, json=push_body("r1"), headers=basic(token))
    clock.advance(3600)
    client.post(REPORT, json=push_body("r1"), headers=basic(token))
    assert statuses(app)["api/workers/r1"] is Status.HEALTHY


def test_flush_removes_a_replica(client, app, token):
    client.post(REPORT, json=push_body("10.0.0.1"), headers=basic(token))
    client.post(REPORT, json=push_body("10.0.0.2"), headers=basic(token))
    response = client.delete("/reporter/api/workers/10.0.0.1/", headers=basic(token))
    assert response.status_code == 200
    assert response.content == b""
    assert set(statuses(app)) == {"api/workers/10.0.0.2"}
    again = client.delete("/reporter/api/workers/10.0.0.1", headers=basic(token))
    assert again.status_code == 404


def test_flush_node_and_list_replicas(client, app, token):
    for name in ("a", "b"):
        client.post(REPORT, json=push_body(name, cpu=0.95), headers=basic(token))
    listed = client.get(REPORT, headers=basic(token)).json()
    assert listed["data"] == ["sick", "sick"]
    assert [r["id"] for r in listed["replicas"]] == ["a", "b"]
    assert "cpu load 0.95 above 0.9" in listed["replicas"][0]["reason"]
    flushed = client.delete(REPORT, headers=basic(token))
    assert flushed.json() == {"error": False, "reason": "deleted", "data": {"flushed": 2}}
    assert statuses(app) == {}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer x"}, 401),
        ({"Authorization": "Basic !!notbase64"}, 401),
        ("wrong", 403),
        ("", 403),
    ],
)
def test_a_missing_or_wrong_token_is_refused_and_changes_nothing(
    client, app, token, headers, status
):
    if isinstance(headers, str):
        headers = basic(headers)
    response = client.post(REPORT, json=push_body(), headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="Reporter Token"'
    client.post(REPORT, json=push_body("keep"), headers=basic(token))
    assert client.delete("/reporter/api/workers/keep/", headers=headers).status_code == status
    assert set(statuses(app)) == {"api/workers/keep"}
    assert token not in response.text


def test_auth_is_checked_before_the_body_and_the_node(client, token):
    response = client.post("/reporter/nope/nope/", content=b"not json", headers=basic("bad"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "Invalid JSON"),
        (b"[1, 2]", "should be an object"),
        (b'{"interval": 30, "load": {"cpu": 0.1, "ram": 0.1}}', "body.replica: Field required"),
        (b'{"replica": "r", "interval": 30, "load": {"cpu": -0.1, "ram": 0.1}}', "body.load.cpu"),
        (b'{"replica": "r", "interval": 30, "load": {"cpu": 0.1, "ram": -1}}', "body.load.ram"),
        (b'{"replica": "r", "interval": 30, "load": {"cpu": "0.1", "ram": 0.1}}', "valid number"),
        (b'{"replica": "r", "interval": 30, "load": {"cpu": NaN, "ram": 0.1}}', "finite"),
        (b'{"replica": "r", "interval": -5, "load": {"cpu": 0.1, "ram": 0.1}}', "body.interval"),
        (b'{"replica": "r", "interval": 30}', "expected `load` (push nodes) or `health`"),
        (b'{"replica": "r", "interval": 30, "health": "fine"}', "body.health"),
        (b'{"replica": "", "interval": 30, "health": "sick"}', "body.replica"),
        (b'{"replica": "a\\nb", "interval": 30, "health": "sick"}', "control characters"),
        (b'{"replica": 12, "interval": 30, "load": {"cpu": 0.1, "ram": 0.1}}', "body.replica"),
    ],
)
def test_malformed_bodies_get_400_with_a_clear_message(client, app, token, body, message):
    headers = {**basic(token), "Content-Type": "application/json"}
    response = client.post(REPORT, content=body, headers=headers)
    assert response.status_code == 400
    assert message in response.text
    assert "Traceback" not in response.text
    assert statuses(app) == {}


def test_a_body_that_is_not_json_content_type_gets_400(client, token):
    response = client.post(REPORT, data={"replica": "r"}, headers=basic(token))
    assert response.status_code == 400
    assert "Content-Type: application/json" in response.text


def test_a_body_over_the_limit_gets_413(client, app, token):
    limit = app.state.ctx.config.server.body_limit
    body = b'{"replica": "' + b"x" * limit + b'"}'
    headers = {**basic(token), "Content-Type": "application/json"}
    assert client.post(REPORT, content=body, headers=headers).status_code == 413

    async def chunks():
        for _ in range(limit // 1024 + 2):
            yield b" " * 1024

    assert client.post(REPORT, content=chunks(), headers=headers).status_code == 413


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/reporter/nope/workers/", "unknown service 'nope'"),
        ("/reporter/api/nope/", "unknown node 'nope' in service 'api'"),
    ],
)
def test_unknown_service_or_node_gets_404(client, token, path, message):
    response = client.post(path, json=push_body(), headers=basic(token))
    assert response.status_code == 404
    assert message in response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/reporter/api/lan/", push_body()),  # load to a local node
        ("/reporter/api/site/", push_body()),  # load to a poll node
        ("/reporter/api/workers/", {"replica": "r", "interval": 30, "health": "healthy"}),
    ],
)
def test_a_report_that_does_not_fit_the_node_mode_gets_412(client, app, token, path, body):
    response = client.post(path, json=body, headers=basic(token))
    assert response.status_code == 412
    assert statuses(app) == {}


def test_local_health_reports_match_configured_replicas_by_public_url(client, app, token):
    body = {"replica": "http://10.9.8.7:8080/health", "interval": 30, "health": "sick"}
    assert client.post("/reporter/api/lan/", json=body, headers=basic(token)).status_code == 200
    live = app.state.ctx.live.replicas("api", "lan")
    assert [(r.id, r.label, r.health) for r in live] == [
        ("http:-10.9.8.7:8080-health", "http://10.9.8.7:8080/health", Status.SICK)
    ]


def test_flushing_a_local_replica_by_encoded_url(client, app, token):
    body = {"replica": "tcp://10.9.8.8:5432", "interval": 30, "health": "healthy"}
    client.post("/reporter/api/lan/", json=body, headers=basic(token))
    response = client.delete("/reporter/api/lan/tcp%3A%2F%2F10.9.8.8%3A5432/", headers=basic(token))
    assert response.status_code == 200
    assert app.state.ctx.live.replicas("api", "lan") == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("PUT", "/reporter/api/workers/", 405),
        ("POST", "/reporter/api/workers/r1/", 405),
        ("POST", "/reporter/api/", 404),
        ("POST", "/reporter/a/b/c/d/", 404),
    ],
)
def test_other_shapes_and_methods_are_refused(client, token, method, path, status):
    response = client.request(method, path, json=push_body(), headers=basic(token))
    assert response.status_code == status


def test_a_bug_is_a_bare_500_without_stack_trace(client, app, token, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.state.ctx.live, "record", broken)
    response = client.post(REPORT, json=push_body(), headers=basic(token))
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_a_report_with_a_status_change_asks_for_a_pass_and_a_repeat_does_not(app, client, token):
    calls = []
    app.state.ctx.on_change = lambda: calls.append(1)
    client.post(REPORT, json=push_body("r1"), headers=basic(token))
    client.post(REPORT, json=push_body("r1"), headers=basic(token))
    client.post(REPORT, json=push_body("r1", cpu=2.0), headers=basic(token))
    assert len(calls) == 2


def test_reports_over_a_real_connection(app, token):
    with running_server(app) as url:
        response = httpx.post(url + REPORT, json=push_body("real"), auth=("", token))
        assert response.status_code == 200
        denied = httpx.post(url + REPORT, json=push_body("real"), auth=("", "nope"))
        assert denied.status_code == 403
    assert "api/workers/real" in statuses(app)


def test_credentials_in_a_reported_url_reach_neither_id_nor_label(client, app, token):
    body = push_body("http://user:hunter22@10.0.0.5:8080/x?key=abc")
    assert client.post(REPORT, json=body, headers=basic(token)).status_code == 200
    (replica,) = app.state.ctx.live.replicas()
    assert (replica.id, replica.label) == ("http:-10.0.0.5:8080-x", "http://10.0.0.5:8080/x")
    path = "/reporter/api/workers/http%3A%2F%2Fuser%3Ahunter22%4010.0.0.5%3A8080%2Fx%3Fkey%3Dabc/"
    assert client.delete(path, headers=basic(token)).status_code == 200
