"""`statusgen watch URL`: a published page that goes stale or unreachable is announced
once, and once again when it is fresh; the state lives in the watcher's state folder."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from statusgen.cli import main
from statusgen.config import load_config
from statusgen.notify.watch import document_url, watch_page

from .conftest import MINIMAL_CONFIG, T0, write_project


def test_document_url():
    assert document_url("https://s.example.com/") == "https://s.example.com/api/v1/status.json"
    assert (
        document_url("https://s.example.com/x/status.json") == "https://s.example.com/x/status.json"
    )


def test_stale_unreachable_and_fresh_are_each_announced_once(tmp_path, httpserver):
    httpserver.expect_request("/notify", method="POST").respond_with_data("ok")
    text = (
        MINIMAL_CONFIG
        + f'[[notify.channels]]\nname = "ops"\nurl = "json://127.0.0.1:{httpserver.port}/notify"\n'
    )
    config = load_config(write_project(tmp_path, text), env={})
    page = {"generated_at": "2026-11-23T12:00:00Z"}
    status = {"code": 200}

    def fetch(url):
        import httpx

        assert url == "https://status.example.com/api/v1/status.json"
        if status["code"] is None:
            raise httpx.ConnectError("refused")
        return httpx.Response(status["code"], content=json.dumps(page).encode())

    def look(minutes: int):
        return watch_page(
            config, "https://status.example.com/", T0 + timedelta(minutes=minutes), fetch=fetch
        )

    def sent() -> list[str]:
        return [json.loads(r.get_data())["title"] for r, _ in httpserver.log]

    assert look(30).state == "fresh" and sent() == []  # younger than stale_after (1 h)
    stale = look(90)
    assert stale.state == "stale" and not stale.ok
    assert "last updated 1 h 30 min ago (2026-11-23 12:00 UTC), more than 1 h" in stale.detail
    assert sent() == ["Test Status: status page stale"]
    assert look(95).deliveries == []  # already announced
    status["code"] = None
    assert look(100).state == "unreachable" and len(sent()) == 1  # still not fresh: nothing new
    status["code"] = 200
    page["generated_at"] = "2026-11-23T13:40:00Z"
    assert look(101).deliveries == [("ops", None)]
    assert sent()[-1] == "Test Status: status page updated again"
    assert json.loads((tmp_path / ".statusgen" / "watch.json").read_text())


def test_the_command_exits_1_while_the_page_is_not_fresh(tmp_path):
    path = write_project(tmp_path, MINIMAL_CONFIG)
    result = CliRunner().invoke(main, ["watch", "-c", str(path), "http://127.0.0.1:9/"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "unreachable: http://127.0.0.1:9/api/v1/status.json is unreachable"
    )
