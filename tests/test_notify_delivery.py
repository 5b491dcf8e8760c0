"""notify_pass against real receivers on 127.0.0.1: SMTP (aiosmtpd), Apprise json://, the
signed web hook, failing and unanswering targets, maintenance, dry runs and secrets."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import Message as Email

import pytest
from aiosmtpd.controller import Controller
from werkzeug import Request, Response

from statusgen.config import Config, load_config
from statusgen.health import evaluate
from statusgen.notify import NotifyReport, load_state, notify_pass
from statusgen.status import ProbeResult, Status
from tests.conftest import T0, write_project

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD
HEAD = """
[page]
name = "Acme Status"
id = "acme"
url = "https://status.acme.test/"
"""
SERVICES = """
[[services]]
id = "web"
name = "Web"

[[services.nodes]]
id = "site"
label = "Site"
replicas = [{url = "http://10.0.0.1/", label = "edge-1"}]

[[services]]
id = "api"
name = "API"

[[services.nodes]]
id = "gw"
label = "Gateway"
replicas = [{url = "tcp://10.0.1.1:443", label = "gw-1"}]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Email]]]:
    """A real SMTP server; yields its port and the messages it received."""
    received: list[Email] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
            received.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


@pytest.fixture
def hanging() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def make_config(tmp_path, channels: str = "", hooks: str = "", notify: str = "") -> Config:
    defaults = "" if "deadline" in notify else "deadline = 5\n"
    text = HEAD + "[notify]\nrecovered_after_passes = 2\n" + defaults + notify
    return load_config(write_project(tmp_path, text + channels + hooks + SERVICES))


def json_channel(url: str, name: str = "ops", extra: str = "") -> str:
    return f'[[notify.channels]]\nname = "{name}"\nurl = "{url}"\n{extra}\n'


def hook_table(target: str, secret: str = "hook-secret-1") -> str:
    return f'[[notify.hooks]]\nlabel = "ops-hook"\ntarget = "{target}"\nsecret = "{secret}"\n'


def run(
    config: Config, site: Status, now: datetime, gw: Status = H, **kwargs: object
) -> NotifyReport:
    """One pass: build the Evaluation and probe results, then notify."""
    statuses = {"web/site/edge-1": site, "api/gw/gw-1": gw}
    evaluation = evaluate([("web", "site"), ("api", "gw")], statuses)
    results = [
        ProbeResult("web", "site", "edge-1", "edge-1", now, site is H, None, "connection refused")
    ]
    return notify_pass(config, evaluation, results, now, **kwargs)  # type: ignore[arg-type]


def text_of(message: Email) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def posted(httpserver) -> list[dict]:  # noqa: ANN001
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def test_dead_and_recovered_emails_reach_a_real_smtp_server(tmp_path, smtp):
    port, inbox = smtp
    url = f"mailto://127.0.0.1:{port}?from=status@acme.test&to=ops@acme.test&mode=insecure"
    channels = json_channel(url, "ops-mail")
    run(make_config(tmp_path, channels), D, T0)
    # every pass reloads config and state, as separate cron runs (or a restart) do
    run(make_config(tmp_path, channels), D, T0 + timedelta(minutes=2))
    run(make_config(tmp_path, channels), H, T0 + timedelta(minutes=4))
    report = run(make_config(tmp_path, channels), H, T0 + timedelta(minutes=6))
    assert [d.target for d in report.sent] == ["ops-mail"]
    assert [m["Subject"] for m in inbox] == [
        "Acme Status: Web / Site is dead",
        "Acme Status: Web / Site recovered",
    ]
    assert inbox[0]["To"] == "ops@acme.test"
    assert text_of(inbox[0]).splitlines() == [
        "DEAD: Web / Site since 2026-11-23 12:00 UTC",
        "  edge-1: connection refused",
        "  https://status.acme.test/nodes/web/site.html",
    ]
    assert "after 4 min down (since 2026-11-23 12:00 UTC)" in text_of(inbox[1])


def test_apprise_json_channel_gets_one_message_per_pass(tmp_path, httpserver):
    httpserver.expect_request("/notify", method="POST").respond_with_data("ok")
    config = make_config(
        tmp_path, json_channel(httpserver.url_for("/notify").replace("http", "json"))
    )
    run(config, D, T0, gw=D)
    run(config, D, T0 + timedelta(minutes=2), gw=D)  # no repeat
    [message] = posted(httpserver)
    assert message["title"] == "Acme Status: 2 dead"
    assert message["type"] == "failure"
    assert "DEAD: Web / Site" in message["message"] and "DEAD: API / Gateway" in message["message"]


def test_reminder_after_the_interval(tmp_path, httpserver):
    httpserver.expect_request("/n", method="POST").respond_with_data("ok")
    url = httpserver.url_for("/n").replace("http", "json")
    config = make_config(tmp_path, json_channel(url), notify="reminder_interval = 600\n")
    for minute in range(0, 13, 2):
        run(config, D, T0 + timedelta(minutes=minute))
    titles = [m["title"] for m in posted(httpserver)]
    assert titles == ["Acme Status: Web / Site is dead", "Acme Status: Web / Site still dead"]


def test_signed_web_hook_on_health_change(tmp_path, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    config = make_config(tmp_path, hooks=hook_table(httpserver.url_for("/hook")))
    assert load_state(config.resolve(config.notify.state_path)).hooks == {}
    run(config, D, T0)
    run(config, D, T0 + timedelta(minutes=2))  # unchanged health: no hook
    run(config, H, T0 + timedelta(minutes=4))
    run(config, H, T0 + timedelta(minutes=6))
    assert len(httpserver.log) == 2
    for request, _ in httpserver.log:
        body = request.get_data()
        expected = hmac.new(b"hook-secret-1", body, hashlib.sha256).hexdigest()
        assert request.headers["X-Statusgen-Signature"] == f"sha256={expected}"
        assert request.headers["X-Statusgen-Timestamp"] == str(json.loads(body)["timestamp"])
    dead, healthy = posted(httpserver)
    assert dead == {
        "website_id": "acme",
        "event": "status:health:changed",
        "data": {
            "website_id": "acme",
            "health": "dead",
            "nodes": [{"label": "Site", "replica": "edge-1"}],
        },
        "timestamp": int(T0.timestamp() * 1000),
    }
    assert healthy["data"] == {"website_id": "acme", "health": "healthy", "nodes": []}
    hook = load_state(config.resolve(config.notify.state_path)).hooks["ops-hook"]
    assert (hook.status, hook.attempted_at) == ("active", T0 + timedelta(minutes=6))


def test_failing_receiver_keeps_the_message_until_a_later_pass_delivers_it(tmp_path, httpserver):
    answers = [500, 200]
    httpserver.expect_request("/n").respond_with_handler(
        lambda request: Response("", status=answers.pop(0) if answers else 200)
    )
    httpserver.expect_request("/hook").respond_with_handler(
        lambda request: Response("", status=503 if len(httpserver.log) < 3 else 200)
    )
    url = httpserver.url_for("/n").replace("http", "json")
    config = make_config(tmp_path, json_channel(url), hook_table(httpserver.url_for("/hook")))
    state_path = config.resolve(config.notify.state_path)

    first = run(config, D, T0)
    assert [(d.target, d.error) for d in first.queued] == [
        ("ops", first.queued[0].error),
        ("ops-hook", "HTTP 503"),
    ]
    assert "500" in first.queued[0].error
    state = load_state(state_path)
    assert [(i.target, i.attempts) for i in state.outbox] == [("ops", 1), ("ops-hook", 1)]
    assert state.hooks["ops-hook"].status == "failed"

    early = run(config, D, T0 + timedelta(seconds=30))  # backoff: not due yet
    assert early.sent == [] and len(httpserver.log) == 2

    later = run(config, D, T0 + timedelta(minutes=2))
    assert {d.target for d in later.sent} == {"ops", "ops-hook"}
    assert load_state(state_path).outbox == []
    assert load_state(state_path).hooks["ops-hook"].status == "active"
    delivered = [json.loads(r.get_data()) for r, _ in httpserver.log if r.path == "/n"][-1]
    assert delivered["message"].endswith("(delayed: first attempted at 2026-11-23 12:00 UTC)")


def test_a_message_is_dropped_with_a_reason_after_the_retry_limit(tmp_path, httpserver, caplog):
    httpserver.expect_request("/n").respond_with_data("", status=500)
    url = httpserver.url_for("/n").replace("http", "json")
    config = make_config(tmp_path, json_channel(url), notify="retry_limit = 1\n")
    run(config, D, T0)
    report = run(config, D, T0 + timedelta(minutes=1))
    assert [d.error for d in report.dropped] == [report.dropped[0].error]
    assert report.dropped[0].error.startswith("gave up after 2 attempt(s), last error:")
    assert load_state(config.resolve(config.notify.state_path)).outbox == []
    assert "dropped 'Acme Status: Web / Site is dead' for channel ops" in caplog.text


def test_unreachable_receivers_never_delay_the_pass_past_the_deadline(tmp_path, hanging):
    refused = free_port()  # nothing listens there
    channels = (
        json_channel(f"json://127.0.0.1:{hanging}/n", "hangs")
        + json_channel(f"json://127.0.0.1:{refused}/n", "refused")
        + json_channel(
            f"mailto://127.0.0.1:{hanging}?from=a@acme.test&to=b@acme.test&mode=insecure", "mail"
        )
    )
    config = make_config(
        tmp_path, channels, hook_table(f"http://127.0.0.1:{hanging}/hook"), "deadline = 1\n"
    )
    started = time.monotonic()
    report = run(config, D, T0)
    elapsed = time.monotonic() - started
    assert elapsed < 1.8, f"notify took {elapsed:.2f} s with a 1 s deadline"
    assert {d.target for d in report.queued} == {"hangs", "refused", "mail", "ops-hook"}
    assert report.sent == []
    assert len(load_state(config.resolve(config.notify.state_path)).outbox) == 4


def test_nodes_under_maintenance_get_nothing(tmp_path, httpserver):
    httpserver.expect_request("/n").respond_with_data("ok")
    httpserver.expect_request("/hook").respond_with_data("ok")
    url = httpserver.url_for("/n").replace("http", "json")
    config = make_config(tmp_path, json_channel(url), hook_table(httpserver.url_for("/hook")))
    held = frozenset({"web/site"})
    for minute in (0, 2, 4):
        report = run(config, D, T0 + timedelta(minutes=minute), held=held)
        assert report.transitions == [] and report.sent == []
    assert httpserver.log == []
    # the window ends with the node still dead: announced now
    report = run(config, D, T0 + timedelta(minutes=6))
    assert [t.kind for t in report.transitions] == ["dead"]


def test_dry_run_sends_and_saves_nothing(tmp_path, httpserver):
    url = httpserver.url_for("/n").replace("http", "json")
    config = make_config(tmp_path, json_channel(url), hook_table(httpserver.url_for("/hook")))
    report = run(config, D, T0, dry_run=True)
    assert [(d.kind, d.target) for d in report.would_send] == [
        ("channel", "ops"),
        ("hook", "ops-hook"),
    ]
    assert "DEAD: Web / Site since 2026-11-23 12:00 UTC" in report.lines(bodies=True)[1]
    assert httpserver.log == []
    assert not config.resolve(config.notify.state_path).exists()


def test_sending_off_records_transitions_so_nothing_stale_follows(tmp_path, httpserver):
    httpserver.expect_request("/n").respond_with_data("ok")
    config = make_config(tmp_path, json_channel(httpserver.url_for("/n").replace("http", "json")))
    report = run(config, D, T0, send=False)
    assert [d.target for d in report.suppressed] == ["ops"]
    again = run(config, D, T0 + timedelta(minutes=2))
    assert again.transitions == [] and httpserver.log == []


def test_replica_transitions_when_enabled(tmp_path, httpserver):
    httpserver.expect_request("/n").respond_with_data("ok")
    url = httpserver.url_for("/n").replace("http", "json")
    config = make_config(tmp_path, json_channel(url), notify="replicas = true\n")
    report = run(config, D, T0)
    assert [t.key for t in report.transitions] == ["web/site", "web/site/edge-1"]
    assert "DEAD: Web / Site / edge-1 since" in posted(httpserver)[0]["message"]


def test_secrets_never_reach_info_logs_output_or_state(tmp_path, httpserver, caplog):
    caplog.set_level(logging.INFO)
    httpserver.expect_request("/n").respond_with_handler(
        lambda request: Response("", status=500 if len(httpserver.log) < 2 else 200)
    )
    httpserver.expect_request("/hooks/PathToken987").respond_with_data("ok")
    port = httpserver.port
    channel = json_channel(f"json://opsuser:S3cretPassw0rd@127.0.0.1:{port}/n")
    hook = hook_table(f"http://127.0.0.1:{port}/hooks/PathToken987", "HookSecretValue123")
    config = make_config(tmp_path, channel, hook)
    lines = run(config, D, T0).lines(bodies=True)
    lines += run(config, D, T0 + timedelta(minutes=2)).lines(bodies=True)
    assert any(r.levelno == logging.WARNING for r in caplog.records)  # the 500 was logged
    state_text = config.resolve(config.notify.state_path).read_text()
    # everything the sending side logged (the test's own receiver, werkzeug, aside)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert "statusgen.notify" in {r.name for r in caplog.records}
    for secret in ("S3cretPassw0rd", "opsuser", "PathToken987", "HookSecretValue123"):
        assert secret not in logged
        assert secret not in "\n".join(lines)
        assert secret not in state_text
    assert not config.output_dir.exists()  # notify writes nothing under output/


def test_request_handler_sees_basic_auth_from_the_channel_url(tmp_path, httpserver):
    # The credentials do reach the receiver, only through the Authorization header.
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Authorization", ""))
        return Response("ok")

    httpserver.expect_request("/n").respond_with_handler(handler)
    config = make_config(
        tmp_path, json_channel(f"json://u1:p4ssw0rd@127.0.0.1:{httpserver.port}/n")
    )
    run(config, D, T0)
    assert seen and seen[0].startswith("Basic ")


def test_a_damaged_state_file_keeps_the_queued_message_and_the_original(
    tmp_path, httpserver, caplog
):
    answers = [500]
    httpserver.expect_request("/n").respond_with_handler(
        lambda request: Response("", status=answers.pop(0) if answers else 200)
    )
    config = make_config(tmp_path, json_channel(httpserver.url_for("/n").replace("http", "json")))
    state_path = config.resolve(config.notify.state_path)
    run(config, D, T0)  # the receiver fails: the "down" message waits in the outbox
    data = json.loads(state_path.read_text())
    assert [i["target"] for i in data["outbox"]] == ["ops"]
    data["outbox"].append({"id": "x", "kind": "channel", "target": "ops"})  # no body
    data["tracks"]["api/gw"] = {"announced": "exploded"}
    data["certificates"] = {"web/site/edge-1": "soon", "api/gw/gw-1": "2027-01-01T00:00:00Z"}
    damaged = json.dumps(data).encode()
    state_path.write_bytes(damaged)

    later = run(config, D, T0 + timedelta(minutes=2))
    assert [(d.target, d.title) for d in later.sent] == [("ops", "Acme Status: Web / Site is dead")]
    state = load_state(state_path)
    assert state.outbox == [] and state.tracks["web/site"].announced is D
    assert state.certificates == {"api/gw/gw-1": "2027-01-01T00:00:00Z"}
    (aside,) = (state_path.parent / "corrupt").iterdir()
    assert aside.read_bytes() == damaged
    (line,) = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert line.startswith(f"{state_path}: notifier state damaged: tracks['api/gw'].announced")
    assert "(and 2 more); kept 1 outbox message, 1 track, 0 hook states, 1 certificate" in line
    assert f"dropped 3 record(s); the original is copied to {aside}" in line


def test_a_state_file_that_cannot_be_read_is_never_replaced(tmp_path, httpserver, caplog):
    httpserver.expect_request("/n").respond_with_data("ok")
    config = make_config(tmp_path, json_channel(httpserver.url_for("/n").replace("http", "json")))
    state_path = config.resolve(config.notify.state_path)
    (state_path / "inside").mkdir(parents=True)  # a folder where the file should be
    report = run(config, D, T0)
    assert report.sent == [] and httpserver.log == []
    assert (state_path / "inside").is_dir()
    (line,) = [r.getMessage() for r in caplog.records if "nothing sent" in r.getMessage()]
    assert f"{state_path}: cannot read the notifier state (is a directory)" in line
