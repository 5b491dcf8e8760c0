"""`statusgen notify test | status` against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.config import load_config
from statusgen.notify import load_state, send_test
from statusgen.notify.outbox import failed, new_item
from statusgen.notify.state import save_state
from tests.conftest import T0, write_project


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def config_path(tmp_path, httpserver):
    httpserver.expect_request("/n", method="POST").respond_with_data("ok")
    good = f"json://user:Tok3nSecret@127.0.0.1:{httpserver.port}/n"
    text = f"""
[page]
name = "Acme Status"

[notify]
deadline = 3

[[notify.channels]]
name = "good"
url = "{good}"

[[notify.channels]]
name = "bad"
url = "json://127.0.0.1:{closed_port()}/n"

[[notify.hooks]]
label = "ops-hook"
target = "http://127.0.0.1:9/hook"
secret = "HookSecret42"

[[services]]
id = "web"
name = "Web"

[[services.nodes]]
id = "site"
label = "Site"
replicas = ["http://127.0.0.1:9/"]
"""
    return write_project(tmp_path, text)


def test_notify_test_reports_each_channel_and_fails_when_one_fails(config_path, httpserver):
    result = CliRunner().invoke(main, ["notify", "test", "-c", str(config_path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()  # stderr has Apprise's own warning (secrets masked)
    assert lines[0] == "good: OK"
    assert lines[1] == (
        "bad: FAILED: A Connection error occurred sending JSON notification to 127.0.0.1."
    )
    assert "Tok3nSecret" not in result.output
    [(request, _)] = httpserver.log
    assert b"Acme Status: test notification" in request.get_data()


def test_notify_test_one_channel(config_path):
    result = CliRunner().invoke(
        main, ["notify", "test", "-c", str(config_path), "--channel", "good"]
    )
    assert (result.exit_code, result.stdout) == (0, "good: OK\n")


def test_notify_test_unknown_channel_is_a_config_error(config_path):
    result = CliRunner().invoke(main, ["notify", "test", "-c", str(config_path), "--channel", "x"])
    assert result.exit_code == 2
    assert "no channel named 'x' (known: good, bad)" in result.output


def test_send_test_without_channels_says_so(tmp_path):
    config = load_config(write_project(tmp_path))
    with pytest.raises(Exception, match="notify.channels: no channel configured"):
        send_test(config)


def test_notify_status_shows_hooks_and_the_outbox_without_secrets(config_path):
    config = load_config(config_path)
    item = failed(
        new_item("channel", "bad", "Acme Status: Site is dead", "x", T0), "HTTP 500", T0, 5
    )
    state = load_state(config.resolve(config.notify.state_path))
    state.outbox = [item]  # type: ignore[list-item]
    save_state(config.resolve(config.notify.state_path), state)
    result = CliRunner().invoke(main, ["notify", "status", "-c", str(config_path)])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "channel good",
        "channel bad",
        "hook ops-hook: inactive (attempted: never)",
        "outbox: channel bad: Acme Status: Site is dead (1 failed attempt(s), next at "
        f"{(T0 + timedelta(minutes=1)).strftime('%Y-%m-%dT%H:%M:%SZ')})",
    ]
    assert "HookSecret42" not in result.output and "Tok3nSecret" not in result.output
