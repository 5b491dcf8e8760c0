"""A `${NAME}` that is not set (statusgen.config.unset): in `run`, `serve` and every command
but plain `check`, a channel or hook using one is disabled with one warning per pass, a
node whose replica URL, headers or body use one is not probed and shows No data with the
reason, anything else stays a config error; `check` reports them all, and `check
--allow-missing-secrets` follows the same per-key rule."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from werkzeug import Response

from statusgen.agent import local_nodes
from statusgen.config import load_config
from statusgen.errors import StatusgenError
from statusgen.health import evaluate
from statusgen.history import open_store
from statusgen.notify import load_state, notify_pass
from statusgen.server.app import create_app
from statusgen.site import build_site
from statusgen.status import Status
from tests.conftest import T0, write_project
from tests.fault_support import run_cli
from tests.server_support import running_server, wait_for

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("CHANNEL_PASS", "HOOK_SECRET", "PROBE_TOKEN", "OPS_URL", "PAGE_HOST")
CHANNEL_PASS = "Chan-Pass-Value-42"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project_text(port: int, page_url: str = "https://status.example.com/") -> str:
    return f"""
[page]
name = "Acme"
url = "{page_url}"

[metrics.poll]
retry = 0
delay_sick = 2
delay_dead = 3

[notify]
deadline = 5

[[notify.channels]]
name = "ops"
url = "${{OPS_URL}}"

[[notify.channels]]
url = "json://bot:${{CHANNEL_PASS}}@127.0.0.1:{port}/n"

[[notify.hooks]]
label = "signed"
target = "http://127.0.0.1:{port}/hook"
secret = "${{HOOK_SECRET}}"

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "api"
  label = "API"
  replicas = ["http://127.0.0.1:{port}/health"]

  [[services.nodes]]
  id = "private"
  label = "Private"
  replicas = ["http://127.0.0.1:{port}/secret?token=${{PROBE_TOKEN}}"]

  [[services.nodes]]
  id = "db"
  label = "DB"
  replicas = ["tcp://127.0.0.1:{closed_port()}"]
"""


def bare_env(**set_: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env.update(set_)
    return env


def test_run_goes_on_without_a_channel_hook_or_node_secret(tmp_path, httpserver):
    httpserver.expect_request("/health").respond_with_data("OK")
    httpserver.expect_request("/n").respond_with_data("ok")
    httpserver.expect_request("/hook").respond_with_data("ok")
    httpserver.expect_request("/secret").respond_with_data("OK")
    write_project(tmp_path, project_text(httpserver.port))
    done = subprocess.run(
        [sys.executable, "-m", "statusgen", "run"],
        cwd=tmp_path,
        env=bare_env(CHANNEL_PASS=CHANNEL_PASS),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        "warning: config/statusgen.toml: notify.channels[0].url: environment variable "
        "OPS_URL is not set; channel 'ops' is disabled (its waiting messages are kept)",
        "warning: config/statusgen.toml: notify.hooks[0].secret: environment variable "
        "HOOK_SECRET is not set; hook 'signed' is disabled (nothing is sent unsigned)",
        "warning: config/statusgen.toml: services[0].nodes[1].replicas[0]: environment "
        "variable PROBE_TOKEN is not set; node web/private is not probed and shows No data",
    ]
    # The pass is recorded; the other channel is told, the hook and the node are not.
    config = load_config(
        tmp_path / "config" / "statusgen.toml",
        env={"CHANNEL_PASS": CHANNEL_PASS},
        allow_missing_secrets=True,
    )
    recorded = open_store(config).passes()[-1]["n"]
    assert recorded == {"web/api": "h", "web/db": "d"}
    paths = [request.path for request, _ in httpserver.log]
    assert "/health" in paths and "/n" in paths
    assert "/hook" not in paths and "/secret" not in paths
    assert "queued" not in done.stdout and "sent" in done.stdout
    # The node shows No data, with the reason, in the v1 document (which fits its schema).
    document = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    nodes = {n["id"]: n for s in document["services"] for n in s["nodes"]}
    assert nodes["private"]["status"] == "no_data"
    assert nodes["private"]["no_data_reason"] == "secret PROBE_TOKEN is not set"
    assert "no_data_reason" not in nodes["api"] and nodes["api"]["status"] == "operational"
    schema = json.loads((ROOT / "docs" / "api" / "status-v1.schema.json").read_text())
    jsonschema.validate(document, schema)
    published = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    for text in (done.stdout, done.stderr, published):
        assert CHANNEL_PASS not in text


def test_a_missing_page_secret_is_still_a_config_error(tmp_path):
    write_project(tmp_path, project_text(closed_port(), page_url="https://${PAGE_HOST}/"))
    env = bare_env(CHANNEL_PASS=CHANNEL_PASS)
    for command in (["run", "--no-notify"], ["build"], ["check", "--allow-missing-secrets"]):
        result = run_cli(tmp_path, command, env)
        assert result.exit_code == 2, (command, result.output)
        (line,) = result.stderr.removeprefix("Error: ").strip().splitlines()[-1:]
        assert line.startswith(
            "config/statusgen.toml: page.url: environment variable PAGE_HOST is not set (only"
        )
    assert not (tmp_path / "history").exists() and not (tmp_path / "output").exists()


def test_check_reports_every_missing_secret_and_allow_follows_the_per_key_rule(tmp_path):
    write_project(tmp_path, project_text(closed_port()))
    result = run_cli(tmp_path, ["check"], bare_env())
    assert result.exit_code == 2
    errors = result.stderr.removeprefix("Error: ").strip().splitlines()
    assert [e.split(": ")[1] for e in errors] == [
        "notify.channels[0].url",
        "notify.channels[1].url",
        "notify.hooks[0].secret",
        "services[0].nodes[1].replicas[0]",
    ]
    result = run_cli(tmp_path, ["check", "--allow-missing-secrets"], bare_env())
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning: ") == 4
    assert "channel 'json-2' is disabled" in result.stderr  # named by its place in the file


def test_serve_warns_once_per_pass(tmp_path, clock, caplog):
    write_project(tmp_path, project_text(closed_port()))
    env = {"CHANNEL_PASS": CHANNEL_PASS}
    config = load_config(tmp_path / "config/statusgen.toml", env=env, allow_missing_secrets=True)
    app = create_app(config, clock, notify=False)
    caplog.set_level(logging.WARNING, logger="statusgen.server")
    app.state.scheduler.run_pass()
    app.state.scheduler.run_pass()
    lines = [r.getMessage() for r in caplog.records if "event=pass-warning" in r.getMessage()]
    assert len(lines) == 6
    assert sum("channel 'ops' is disabled" in line for line in lines) == 2


def test_serve_never_probes_a_node_whose_secret_is_not_set(tmp_path, httpserver, clock):
    httpserver.expect_request("/health").respond_with_data("OK")
    httpserver.expect_request("/secret").respond_with_data("OK")
    write_project(tmp_path, project_text(httpserver.port))
    env = {"CHANNEL_PASS": CHANNEL_PASS}
    config = load_config(tmp_path / "config/statusgen.toml", env=env, allow_missing_secrets=True)
    app = create_app(config, clock, builder=None, notify=False)
    with running_server(app):
        wait_for(lambda: app.state.scheduler.passes >= 1, what="a pass")
    assert [r.path for r, _ in httpserver.log] == ["/health"]
    recorded = open_store(config).passes()[-1]["n"]
    assert "web/api" in recorded and "web/private" not in recorded


def notify_config(tmp_path: Path, port: int, env: dict[str, str]):
    text = project_text(port).replace('name = "ops"\nurl = "${OPS_URL}"\n', "")
    path = write_project(tmp_path, text.replace("[[notify.channels]]\n\n", "", 1))
    return load_config(path, env=env, allow_missing_secrets=True)


def notify(config, now, db: Status = Status.DEAD):
    statuses = {"web/api/a": Status.HEALTHY, "web/db/d": db}
    evaluation = evaluate([("web", "api"), ("web", "db")], statuses)
    return notify_pass(config, evaluation, [], now)


def test_a_disabled_channel_keeps_its_messages_and_a_disabled_hook_never_sends_unsigned(
    tmp_path, httpserver
):
    answers = [500]
    httpserver.expect_request("/n").respond_with_handler(
        lambda request: Response("", status=answers.pop(0) if answers else 200)
    )
    httpserver.expect_request("/hook").respond_with_data("ok")
    port = httpserver.port
    # Pass 1: the channel's receiver fails, the hook has no secret: both wait.
    config = notify_config(tmp_path, port, {"CHANNEL_PASS": CHANNEL_PASS})
    notify(config, T0)
    state_path = config.notify_state_file
    waiting = [(i.kind, i.target, i.attempts) for i in load_state(state_path).outbox]
    assert waiting == [("channel", "json-1", 1), ("hook", "signed", 0)]
    assert [r.path for r, _ in httpserver.log] == ["/n"]
    # Pass 2, due for the retry, with neither secret: nothing is tried, nothing dropped.
    config = notify_config(tmp_path, port, {})
    report = notify(config, T0 + timedelta(minutes=5))
    assert report.dropped == [] and report.sent == []
    assert [(i.target, i.attempts) for i in load_state(state_path).outbox] == [
        ("json-1", 1),
        ("signed", 0),
    ]
    assert len(httpserver.log) == 1
    # Pass 3, both secrets back: the message goes out, the hook's payload is signed.
    env = {"CHANNEL_PASS": CHANNEL_PASS, "HOOK_SECRET": "hook-key-1"}
    config = notify_config(tmp_path, port, env)
    report = notify(config, T0 + timedelta(minutes=6))
    assert sorted(d.target for d in report.sent) == ["json-1", "signed"]
    (hook_request,) = [r for r, _ in httpserver.log if r.path == "/hook"]
    body = hook_request.get_data()
    expected = "sha256=" + hmac.new(b"hook-key-1", body, hashlib.sha256).hexdigest()
    assert hook_request.headers["X-Statusgen-Signature"] == expected
    assert json.loads(body)["data"]["health"] == "dead"
    assert load_state(state_path).outbox == []


def test_the_local_agent_skips_a_local_node_whose_secret_is_not_set(tmp_path):
    text = project_text(closed_port()).replace('id = "db"', 'id = "db"\n  mode = "local"')
    text += '  http.headers = { Authorization = "Bearer ${PROBE_TOKEN}" }\n'
    text = text.replace('id = "api"', 'id = "api"\n  mode = "local"')
    path = write_project(tmp_path, text)
    config = load_config(path, env={}, allow_missing_secrets=True)
    assert [n.id for _, n in local_nodes(config)] == ["api"]
    # a local node is the agent's to probe: the server's passes do not warn about it
    assert not any("web/db" in line for line in config.secret_warnings())
    only = text.replace('id = "api"\n  mode = "local"', 'id = "api"')
    config = load_config(write_project(tmp_path, only), env={}, allow_missing_secrets=True)
    with pytest.raises(StatusgenError, match="web/db: secret PROBE_TOKEN is not set"):
        local_nodes(config)


def test_notify_commands_say_a_channel_is_disabled_and_why(tmp_path):
    write_project(tmp_path, project_text(closed_port()))
    env = bare_env(CHANNEL_PASS=CHANNEL_PASS)
    result = run_cli(tmp_path, ["notify", "status"], env)
    assert result.exit_code == 0, result.output
    assert "channel ops: disabled (secret OPS_URL is not set)" in result.stdout
    assert "hook signed: disabled (secret HOOK_SECRET is not set)" in result.stdout
    result = run_cli(tmp_path, ["notify", "test", "--channel", "ops"], env)
    assert result.exit_code == 2
    assert "OPS_URL is not set; channel 'ops' is disabled" in result.stderr


def test_a_disabled_channel_named_by_a_secret_is_never_shown_by_it(tmp_path):
    text = project_text(closed_port()).replace('name = "ops"', 'name = "${CHANNEL_NAME}"')
    path = write_project(tmp_path, text)
    env = {"CHANNEL_NAME": "Sekrit-Name-1", "CHANNEL_PASS": CHANNEL_PASS}
    config = load_config(path, env=env, allow_missing_secrets=True)
    assert config.disabled[0].name == "Sekrit-Name-1"  # what the outbox knows it by
    warnings = "\n".join(config.secret_warnings())
    assert "channel '***' is disabled" in warnings and "Sekrit-Name-1" not in warnings


NO_DATA_PAGE = """
[page]
name = "Acme"
locale_picker = true

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "private"
  label = "Private"
  replicas = ["http://127.0.0.1:9/secret?token=${PROBE_TOKEN}"]

  [[services.nodes]]
  id = "workers"
  label = "Workers"
  mode = "push"
"""

WHY = {
    "": ("Not checked: secret PROBE_TOKEN is not set.", "No report received yet."),
    "fr/": (
        "Non vérifié : le secret PROBE_TOKEN n’est pas défini.",
        "Aucun rapport reçu pour l’instant.",
    ),
    "de/": (
        "Nicht geprüft: Das Secret PROBE_TOKEN ist nicht gesetzt.",
        "Noch kein Bericht eingegangen.",
    ),
    "es/": (
        "No comprobado: el secreto PROBE_TOKEN no está definido.",
        "Todavía no se ha recibido ningún informe.",
    ),
}


def test_the_node_and_service_pages_say_why_a_node_has_no_data(tmp_path):
    path = write_project(tmp_path, NO_DATA_PAGE)
    config = load_config(path, env={}, allow_missing_secrets=True)
    build_site(config, T0)
    for prefix, (secret, no_report) in WHY.items():
        folder = config.output_dir / prefix
        private = (folder / "nodes" / "web" / "private.html").read_text(encoding="utf-8")
        workers = (folder / "nodes" / "web" / "workers.html").read_text(encoding="utf-8")
        service = (folder / "services" / "web.html").read_text(encoding="utf-8")
        # Right under the heading with its "No data" pill, on each node's own page...
        assert re.search(
            r"c-no_data\">[^<]+</span></h1>\n<p class=help>" + re.escape(secret), private
        )
        assert re.search(
            r"c-no_data\">[^<]+</span></h1>\n<p class=help>" + re.escape(no_report), workers
        )
        # ...and under each node's row on its service's page.
        rows = service.split("<li class=node>")[1:]
        assert [secret in row for row in rows] == [True, False]
        assert [no_report in row for row in rows] == [False, True]
