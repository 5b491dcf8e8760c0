"""Live replica state: judging reports, the per-node cap, age-out times and persistence."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import timedelta

import httpx
import psutil
import pytest

from statusgen.server.app import create_app
from statusgen.server.live import (
    LiveReplica,
    LiveState,
    NodeFull,
    replica_id,
    replica_label,
)
from statusgen.status import Status
from tests.server_support import REPORTER_ONLY, basic, make_project, push_body, running_server


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path)


def push(name: str, at, cpu=0.1, ram=0.1, interval=30.0) -> LiveReplica:
    return LiveReplica("api", "workers", name, name, "push", interval, at, cpu=cpu, ram=ram)


def local(rid: str, label: str, at, health=Status.HEALTHY) -> LiveReplica:
    return LiveReplica("api", "lan", rid, label, "local", 30.0, at, health=health)


@pytest.mark.parametrize(
    ("reported", "rid", "label"),
    [
        ("10.0.0.7", "10.0.0.7", "10.0.0.7"),
        ("web-1.eu", "web-1.eu", "web-1.eu"),
        ("http://u:secret@10.0.0.5/x?k=v", "http:-u:secret-10.0.0.5-x-k-v", "http://10.0.0.5/x"),
        ("  spaced name ", "spaced-name", "  spaced name "),
        ("///", "replica", "///"),
    ],
)
def test_reported_names_become_ids_and_public_labels(reported, rid, label):
    assert replica_id(reported) == rid
    assert replica_label(reported) == label


def test_a_full_node_evicts_the_replica_dead_longest(config, clock):
    live = LiveState(config, clock())
    for i in range(5):
        live.record(push(f"r{i}", clock()), clock())
        clock.advance(5)
    with pytest.raises(NodeFull, match="max_replicas_per_node"):
        live.record(push("new", clock()), clock())
    clock.advance(30)  # r0 silent 55 s, r1 50 s: both dead (30 + 20)
    live.record(push("new", clock()), clock())
    assert [r.id for r in live.replicas("api", "workers")] == ["r1", "r2", "r3", "r4", "new"]


def test_a_known_replica_always_fits(config, clock):
    live = LiveState(config, clock())
    for i in range(5):
        live.record(push(f"r{i}", clock()), clock())
    assert live.record(push("r0", clock(), cpu=5.0), clock()) is True
    assert live.count() == 5


def test_configured_local_replicas_never_reported_go_dead_after_the_grace(config, clock):
    live = LiveState(config, clock())
    assert live.statuses(clock()) == {}
    clock.advance(69)  # interval 30 + delay_dead 40
    assert live.statuses(clock()) == {}
    clock.advance(1)
    assert live.statuses(clock()) == {
        "api/lan/http:-10.9.8.7:8080-health": Status.DEAD,
        "api/lan/tcp:-10.9.8.8:5432": Status.DEAD,
    }
    live.record(local("tcp:-10.9.8.8:5432", "tcp://10.9.8.8:5432", clock()), clock(), True)
    assert live.statuses(clock())["api/lan/tcp:-10.9.8.8:5432"] is Status.HEALTHY


def test_next_change_is_the_earliest_age_out(config, clock):
    live = LiveState(config, clock())
    live.record(push("a", clock(), interval=30), clock())
    live.record(push("b", clock(), interval=5), clock())
    assert live.next_change(clock()) == clock() + timedelta(seconds=25)
    clock.advance(25)
    assert live.next_change(clock()) == clock() + timedelta(seconds=25)  # a at 50 s
    clock.advance(100)
    assert live.next_change(clock()) is None


def test_results_carry_reasons(config, clock):
    live = LiveState(config, clock())
    live.record(push("hot", clock(), cpu=3.0, ram=0.95), clock())
    live.record(push("quiet", clock() - timedelta(seconds=120)), clock())
    reasons = {r.replica: (r.status, r.reason) for r in live.results(clock())}
    assert reasons["hot"] == (Status.SICK, "cpu load 3.00 above 0.9, ram use 0.95 above 0.8")
    assert reasons["quiet"] == (Status.DEAD, "no report for 120 s")


def test_state_survives_a_restart(config, clock, tmp_path):
    live = LiveState(config, clock())
    live.record(push("a", clock(), cpu=2.0), clock())
    live.record(local("tcp:-10.9.8.8:5432", "tcp://10.9.8.8:5432", clock()), clock(), True)
    live.save(tmp_path / "state")
    assert not live.dirty
    again = LiveState(config, clock())
    assert again.load(tmp_path / "state") == []
    assert again.statuses(clock()) == live.statuses(clock())
    assert again.replicas() == live.replicas()


def test_a_restart_drops_replicas_of_nodes_that_changed_mode(config, clock, tmp_path):
    live = LiveState(config, clock())
    live.record(push("a", clock()), clock())
    live.save(tmp_path)
    data = json.loads((tmp_path / "live.json").read_text())
    data["replicas"][0]["node"] = "site"  # now a poll node
    (tmp_path / "live.json").write_text(json.dumps(data))
    again = LiveState(config, clock())
    again.load(tmp_path)
    assert again.count() == 0


def test_an_unparsable_state_file_is_one_warning_and_kept_aside(config, clock, tmp_path):
    (tmp_path / "live.json").write_text("{not json")
    warnings = LiveState(config, clock()).load(tmp_path)
    (aside,) = (tmp_path / "corrupt").iterdir()
    assert aside.read_text() == "{not json" and aside.stat().st_mode & 0o077 == 0
    assert warnings == [
        f"{tmp_path / 'live.json'}: live state damaged: not JSON; nothing in it could be "
        f"read; kept 0 replica(s); the original is copied to {aside}"
    ]


def test_a_damaged_replica_record_costs_only_itself(config, clock, tmp_path):
    live = LiveState(config, clock())
    live.record(push("a", clock()), clock())
    live.record(push("b", clock()), clock())
    live.save(tmp_path)
    data = json.loads((tmp_path / "live.json").read_text())
    data["replicas"][0]["last_report"] = "yesterday"
    data["replicas"].append("garbage")
    (tmp_path / "live.json").write_text(json.dumps(data))
    again = LiveState(config, clock())
    (warning,) = again.load(tmp_path)
    assert again.count() == 1
    assert "live state damaged: replicas[0]: Invalid isoformat string" in warning
    assert "(and 1 more); kept 1 replica(s); the original is copied to" in warning
    assert len(list((tmp_path / "corrupt").iterdir())) == 1


async def post(app, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """One request straight through the ASGI app: no client library in the way, so ten
    thousand of them take a couple of seconds."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers + [(b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0

    async def receive() -> dict:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def flood(app, token: str, requests: int, clock, seed: int = 7) -> dict[int, int]:
    """`requests` reports with random replica ids; the clock moves a second every 100
    requests so older replicas die and can be evicted."""
    rng = random.Random(seed)
    codes: dict[int, int] = {}
    auth = basic(token)["Authorization"].encode()
    headers = [(b"authorization", auth), (b"content-type", b"application/json")]

    async def go() -> None:
        for i in range(requests):
            body = json.dumps(push_body(f"fake-{rng.getrandbits(64):x}", interval=0)).encode()
            code = await post(app, "/reporter/api/workers/", body, headers)
            codes[code] = codes.get(code, 0) + 1
            if i % 100 == 99:
                clock.advance(1)

    asyncio.run(go())
    return codes


def test_ten_thousand_reports_with_random_replica_ids_keep_memory_flat(config, clock):
    app = create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)
    token = app.state.ctx.token.show()
    process = psutil.Process()
    flood(app, token, 1_000, clock)
    rss_before = process.memory_info().rss
    codes = flood(app, token, 10_000, clock, seed=8)
    growth = process.memory_info().rss - rss_before
    live = app.state.ctx.live
    assert live.count() <= config.server.max_replicas_per_node
    assert set(codes) == {200, 429}  # accepted while dead ones can be evicted, else refused
    assert codes[429] > 0 and codes[200] > 0
    assert growth < 20 * 1024 * 1024, f"RSS grew by {growth / 1e6:.1f} MB"


def test_a_full_node_answers_429_over_a_real_connection(config, clock):
    app = create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)
    token = app.state.ctx.token.show()
    with running_server(app) as url, httpx.Client(base_url=url, auth=("", token)) as client:
        for i in range(5):
            assert client.post("/reporter/api/workers", json=push_body(f"r{i}")).status_code == 200
        full = client.post("/reporter/api/workers", json=push_body("r5"))
    assert full.status_code == 429
    assert "max_replicas_per_node" in full.text
