"""`statusgen init`, `check` and `probe` end to end in a temp folder, against real
loopback servers."""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.config import load_config


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        code = 200 if self.path == "/ok" else 503
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_init_check_probe_round_trip(tmp_path, server, monkeypatch):
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    config = tmp_path / "config" / "statusgen.toml"
    assert config.exists() and (tmp_path / ".github" / "workflows" / "status.yml").exists()
    assert list((tmp_path / "config" / "incidents").glob("*.md"))

    # Point the example page at loopback targets: one healthy, one failing, one closed.
    text = config.read_text()
    text = re.sub(r"(?s)\[\[services\]\].*", "", text)
    text += f"""
[[services]]
id = "web"
name = "Web"
  [[services.nodes]]
  id = "site"
  label = "Site"
  replicas = ["{server}/ok", {{ url = "{server}/down", label = "b" }}]
  retry = 0
  [[services.nodes]]
  id = "db"
  label = "DB"
  replicas = ["tcp://127.0.0.1:{closed_port()}"]
  retry = 0
[[services]]
id = "api"
name = "API"
  [[services.nodes]]
  id = "rest"
  label = "REST"
  replicas = ["{server}/ok"]
  [[services.nodes]]
  id = "docs"
  label = "Docs"
  replicas = ["{server}/ok"]
"""
    config.write_text(text)
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "OK (2 services, 4 nodes, 5 replicas)" in result.output

    result = runner.invoke(main, ["probe", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_replica = {(r["node"], r["replica"]): r for r in data["results"]}
    assert by_replica[("site", f"{server}/ok")]["status"] == "healthy"
    assert by_replica[("site", "b")]["reason"] == "HTTP 503 (healthy 200-399)"
    assert data["nodes"] == {
        "web/site": "sick",
        "web/db": "dead",
        "api/rest": "healthy",
        "api/docs": "healthy",
    }
    assert data["page"] == "dead"

    result = runner.invoke(main, ["probe"])
    assert result.exit_code == 0, result.output
    assert "connection refused" in result.output
    assert "page dead: 5 replicas (3 healthy, 0 sick, 2 dead)" in result.output
    # init's page keeps its history on the data branch, checked out in .status-data/
    assert load_config(config).history.branch == "status-data"
    lines = (tmp_path / ".status-data" / "history" / "samples" / "main").glob("*.jsonl")
    assert sum(len(p.read_text().splitlines()) for p in lines) == 2
    assert not (tmp_path / "history").exists()


def test_check_reports_bad_config_with_exit_2(tmp_path, monkeypatch):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "statusgen.toml").write_text('[page]\nname = "x"\ncolour = 1\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert (
        "config/statusgen.toml: page.colour: unknown key 'colour'; did you mean 'main_color'?"
        in result.output
    )


def test_init_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2 and "already exists; use --force" in result.output


def test_check_reports_content_and_channel_problems(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    incident = tmp_path / "config" / "incidents" / "2026-11-20-broken.md"
    incident.write_text("---\ntitle: Broken\nseverity: huge\n---\nBody\n")
    config = tmp_path / "config" / "statusgen.toml"
    config.write_text(
        config.read_text()
        + '\n[[notify.channels]]\nname = "x"\nurl = "nope://what"\n'
        + '[[pages]]\nslug = "api"\nname = "Shadow"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 2
    assert "config/incidents/2026-11-20-broken.md:3: severity:" in result.output
    assert "notify.channels[0].url: not a URL Apprise understands" in result.output
    assert "pages[0].slug: 'api' is reserved" in result.output


def test_probe_notifies_unless_told_not_to(tmp_path, monkeypatch, httpserver):
    httpserver.expect_request("/notify", method="POST").respond_with_data("ok")
    config = tmp_path / "config" / "statusgen.toml"
    config.parent.mkdir()
    config.write_text(
        f"""
[page]
name = "P"
[notify]
channels = [{{ name = "ops", url = "json://127.0.0.1:{httpserver.port}/notify" }}]
[[services]]
id = "web"
name = "Web"
  [[services.nodes]]
  id = "db"
  label = "DB"
  replicas = ["tcp://127.0.0.1:{closed_port()}"]
  retry = 0
"""
    )
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["probe", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would send" in result.output and "DB" in result.output
    assert not httpserver.log
    assert not (tmp_path / "history" / "samples").exists()

    result = runner.invoke(main, ["probe", "--no-notify"])
    assert result.exit_code == 0 and not httpserver.log

    result = runner.invoke(main, ["probe"])
    assert result.exit_code == 0, result.output
    assert len(httpserver.log) == 1
    payload = httpserver.log[0][0].get_json()
    assert "DB" in payload["title"] + payload["message"]
