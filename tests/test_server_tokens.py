"""The reporter token: stored outside output/, shown, rolled, compared in constant time."""

from __future__ import annotations

import stat

import httpx
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.server import tokens as tokens_module
from statusgen.server.app import create_app
from statusgen.server.tokens import ReporterToken
from tests.docs_support import doc_page, docs_text
from tests.server_support import (
    REPORTER_ONLY,
    make_project,
    push_body,
    running_server,
    wait_for,
)


def test_show_creates_a_token_once_and_keeps_it(tmp_path):
    store = ReporterToken(tmp_path / ".statusgen")
    first = store.show()
    assert len(first) >= 40
    assert store.show() == first
    path = tmp_path / ".statusgen" / "reporter-token"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_roll_replaces_the_token(tmp_path):
    store = ReporterToken(tmp_path)
    old = store.show()
    new = store.roll()
    assert new != old
    assert store.check(new) and not store.check(old)


def test_a_damaged_token_file_accepts_nothing_and_show_replaces_it(tmp_path, caplog):
    folder = tmp_path / ".statusgen"
    folder.mkdir()
    (folder / "reporter-token").write_bytes(b"\xff\xfe not a token\n")
    store = ReporterToken(folder)
    assert not store.check("\ufffd\ufffd not a token")  # no crash, nothing accepted
    fresh = store.show()
    assert store.check(fresh) and len(fresh) >= 40
    (aside,) = (folder / "corrupt").iterdir()
    assert aside.read_bytes() == b"\xff\xfe not a token\n"
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    (line,) = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert f"the original is copied to {aside}" in line and fresh not in line


def test_nothing_is_accepted_before_a_token_exists(tmp_path):
    store = ReporterToken(tmp_path)
    assert not store.check("")
    assert not store.check("anything")


def test_comparison_is_constant_time(tmp_path, monkeypatch):
    calls = []
    real = tokens_module.hmac.compare_digest
    monkeypatch.setattr(
        tokens_module.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b)
    )
    store = ReporterToken(tmp_path)
    token = store.show()
    assert store.check(token) and not store.check(token[:-1])
    assert len(calls) == 2


def test_cli_token_show_and_roll(tmp_path):
    config = make_project(tmp_path)
    runner = CliRunner()
    shown = runner.invoke(main, ["token", "show", "-c", str(config.path)])
    assert shown.exit_code == 0, shown.output
    again = runner.invoke(main, ["token", "show", "-c", str(config.path)])
    assert again.output == shown.output
    rolled = runner.invoke(main, ["token", "roll", "-c", str(config.path)])
    assert rolled.exit_code == 0 and rolled.output != shown.output
    stored = (tmp_path / ".statusgen" / "reporter-token").read_text()
    assert stored == rolled.output
    assert not (tmp_path / "output").exists() or rolled.output.strip() not in "".join(
        p.read_text(errors="ignore") for p in (tmp_path / "output").rglob("*") if p.is_file()
    )


def test_a_roll_from_the_cli_applies_to_a_running_server(tmp_path, clock):
    config = make_project(tmp_path)
    app = create_app(config, clock, schedule=False, route_modules=REPORTER_ONLY)
    old = app.state.ctx.token.show()
    with running_server(app) as url:
        report = url + "/reporter/api/workers/"
        assert httpx.post(report, json=push_body(), auth=("", old)).status_code == 200
        new = ReporterToken.of(config).roll()  # what `statusgen token roll` does
        wait_for(  # the server looks at the token file at most once a second
            lambda: httpx.post(report, json=push_body(), auth=("", old)).status_code == 403,
            timeout=5,
            what="the old token to be refused",
        )
        assert httpx.post(report, json=push_body(), auth=("", new)).status_code == 200


def test_the_docs_document_the_server_commands():
    text = docs_text()
    assert "# Live server, push reporters and the local agent" in doc_page("server.md")
    for command in ("statusgen serve", "statusgen local", "statusgen report", "statusgen token"):
        assert f"| `{command}" in text, command
    for key in ("state_dir", "max_replicas_per_node", "body_limit", "rebuild_debounce"):
        assert f"`server.{key}`" in text, key
