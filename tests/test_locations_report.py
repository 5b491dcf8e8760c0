"""`statusgen probe --location ID --report-to URL` against a real `statusgen serve`: the
pass lands in that location's own history files on the server, with that location's
token only; then `statusgen build` there shows the merged state."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.config import load_config
from statusgen.history import HistoryView, open_store
from tests.locations_support import up_and_down, up_and_down_config
from tests.server_support import make_project
from tests.test_server_sigterm import Serve


def reported(ports: tuple[int, int]) -> str:
    """The page both locations report their passes to (test_locations_spool's too)."""
    return up_and_down_config("Reported", ports, external=True, server="body_limit = 4096")


@pytest.fixture
def ports():
    """A port that accepts (up) and one nothing listens on (down)."""
    with up_and_down() as ports:
        yield ports


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def probe(config: Path, url: str, token: str, location: str = "a") -> subprocess.CompletedProcess:
    env = {**os.environ, "STATUSGEN_LOCATION_TOKEN": token}
    command = [sys.executable, "-m", "statusgen", "probe", "-c", str(config)]
    return subprocess.run(
        [*command, "--location", location, "--report-to", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_location_reports_its_pass_to_serve_and_build_merges_it(tmp_path, ports):
    config = make_project(tmp_path, reported(ports))
    path = str(config.path)
    token = cli("token", "location", "a", "-c", path)
    state = tmp_path / ".statusgen"
    token_file = state / "location-token-a"
    assert token_file.read_text().strip() == token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert cli("token", "location", "a", "-c", path) == token  # shown again, not replaced
    other = cli("token", "location", "b", "-c", path)
    assert other != token
    unknown = CliRunner().invoke(main, ["token", "location", "zz", "-c", path])
    assert unknown.exit_code == 2 and "no location 'zz'" in unknown.output

    server = Serve(config.path)
    try:
        url = server.url()
        wrong = probe(config.path, url, other)  # b's token does not let a in
        assert wrong.returncode == 1
        assert "HTTP 401" in wrong.stderr and other not in wrong.stderr + wrong.stdout
        samples = tmp_path / "history" / "samples"
        assert not (samples / "a").exists()
        assert not samples.exists() or not list(samples.glob("main/*.jsonl"))

        done = probe(config.path, url, token)
        assert done.returncode == 0, done.stderr
        assert "sent the pass of " in done.stderr and " as a" in done.stderr
        files = list((samples / "a").glob("*.jsonl"))
        assert len(files) == 1
        (line,) = [json.loads(x) for x in files[0].read_text().splitlines()]
        assert line["r"]["web/site/up"][0] == "h" and line["r"]["web/site/down"][0] == "d"
        assert not (samples / "b").exists()
        refusals(url, token, line)
        assert len(files[0].read_text().splitlines()) == 1  # nothing refused was written
    finally:
        server.process.terminate()
        server.process.wait(timeout=20)

    built = subprocess.run(
        [sys.executable, "-m", "statusgen", "build", "-c", path],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode == 0, built.stderr
    document = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    assert "127.0.0" not in json.dumps(document)
    view = HistoryView.load(open_store(load_config(config.path, env={})))
    # one of two locations reporting: the replica it cannot reach is sick, never dead
    assert view.latest("web/site").status.value == "sick"
    reason = view.latest("web/site/down").reason
    assert reason.startswith("only 1 of 2 locations reporting"), reason


def refusals(url: str, token: str, line: dict) -> None:
    """What the route refuses, each with one message, nothing written."""
    target = url + "/locations/a/passes"
    auth = {"Authorization": f"Bearer {token}"}
    good = {"shard": None, "pass": line}
    assert httpx.post(target, json=good).status_code == 401
    bad_token = httpx.post(target, json=good, headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401 and bad_token.headers["www-authenticate"] == "Bearer"
    # a's token for another id, or an id that is no location
    for other in ("b", "zz", "..%2Freporter-token", "..%2F..%2Fconfig"):
        response = httpx.post(url + f"/locations/{other}/passes", json=good, headers=auth)
        # an id with a slash matches no route: 405 from the static files, no token read
        assert response.status_code == (405 if "%2F" in other else 401), other
    cases = {
        "not json": (b"{nope", "bad pass report: body"),
        "no pass": (json.dumps({"shard": None}).encode(), "body.pass"),
        "extra key": (json.dumps({**good, "x": 1}).encode(), "body.x"),
        "bad shard": (json.dumps({**good, "shard": "3/2"}).encode(), "shard 3/2"),
        "not a line": (json.dumps({"pass": {"t": "yesterday"}}).encode(), '"t" is not'),
        "unknown replica": (
            json.dumps({"pass": {**line, "r": {**line["r"], "web/site/ghost": ["h", 1]}}}).encode(),
            'replica "web/site/ghost" is not a poll replica',
        ),
        "future": (
            json.dumps({"pass": {**line, "t": "2999-01-01T00:00:00Z"}}).encode(),
            "ahead of the server's clock",
        ),
    }
    headers = {**auth, "Content-Type": "application/json"}
    for name, (body, message) in cases.items():
        response = httpx.post(target, content=body, headers=headers)
        assert response.status_code == 400, (name, response.text)
        assert message in response.json()["error"], (name, response.text)
    text = httpx.post(target, content=json.dumps(good), headers=auth)
    assert text.status_code == 400 and "Content-Type" in text.json()["error"]
    big = {"shard": None, "pass": line, "pad": "x" * 5000}
    assert httpx.post(target, json=big, headers=auth).status_code == 413


def test_a_report_that_fails_never_echoes_credentials_or_a_query_token(tmp_path):
    from statusgen.health import evaluate
    from statusgen.locations import LocationPass, ReportError, report_pass

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = LocationPass("a", None, [], evaluate([], {}), None, [], {"t": "x"})
    url = f"http://user:hunter2@127.0.0.1:{port}/base?key=s3cret"
    with pytest.raises(ReportError) as caught:
        report_pass(url, "token", done, timeout=5)
    message = str(caught.value)
    assert f"http://127.0.0.1:{port}/base/locations/a/passes" in message
    assert "hunter2" not in message and "s3cret" not in message and "user" not in message
