"""Management tokens: created once, stored hashed, listed, revoked; 401 without one."""

from __future__ import annotations

import base64
import stat

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.server.auth import ManageTokens, bearer
from statusgen.server.manage import operations
from statusgen.server.tokens import ReporterToken
from tests.manage_support import Client, make_app, make_project, new_token


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def api(config, clock):
    return Client(make_app(config, clock), new_token(config, clock))


def concrete(path: str) -> str:
    return path.replace("{id}", "some-id").replace("{slug}", "acme")


PROTECTED = [(op.method, concrete(op.path)) for op in operations() if op.auth]


def test_every_route_but_the_public_ones_wants_a_token():
    public = {(op.method, op.path) for op in operations() if not op.auth}
    assert public == {("GET", "/status/{slug}")}
    assert len(PROTECTED) == 11


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("token", [None, "wrong", "sgm_" + "x" * 43])
def test_no_or_a_bad_token_is_401_and_changes_nothing(api, config, method, path, token):
    before = config.path.read_text()
    response = api.request(method, path, token=token, json={"slug": "x", "name": "X"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "error": "Missing or invalid bearer token",
        "timestamp": "2026-11-23T12:00:00Z",
    }
    assert config.path.read_text() == before


def test_the_reporter_token_is_not_a_management_token(api, config):
    reporter = ReporterToken.of(config).show()
    assert api.get("/status-pages", token=reporter).status_code == 401
    basic = {"Authorization": "Basic " + base64.b64encode(f":{reporter}".encode()).decode()}
    assert api.get("/status-pages", token=None, headers=basic).status_code == 401


def test_openapi_is_public(api):
    response = api.get("/openapi.json", token=None)
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


def test_tokens_are_stored_hashed_private_and_out_of_output(config, clock):
    tokens = ManageTokens.of(config)
    record, secret = tokens.new("manage", clock())
    assert secret.startswith("sgm_") and len(secret) > 40
    path = config.root / ".statusgen/manage-tokens.json"
    assert tokens.path == path
    text = path.read_text()
    assert secret not in text and record.sha256 in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tokens.check(secret) and not tokens.check(secret[:-1]) and not tokens.check("")


def test_a_revoked_token_is_refused_by_the_running_server(api, config):
    assert api.get("/status-pages").status_code == 200
    tokens = ManageTokens.of(config)
    (record,) = tokens.list()
    tokens.revoke(record.id)
    assert api.get("/status-pages").status_code == 401


def test_a_token_created_while_the_server_runs_works_at_once(api, config, clock):
    other = new_token(config, clock)
    assert api.get("/status-pages", token=other).status_code == 200


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_header_parsing(header, expected):
    assert bearer(header) == expected


def test_cli_new_list_revoke(config):
    runner = CliRunner()
    args = ["-c", str(config.path)]
    created = runner.invoke(main, ["token", "new", "--scope", "manage", *args])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("sgm_")
    listed = runner.invoke(main, ["token", "list", *args])
    assert listed.exit_code == 0
    assert secret not in listed.output
    (record,) = ManageTokens.of(config).list()
    assert f"{record.id}" in listed.output and "manage" in listed.output
    assert record.created in listed.output
    revoked = runner.invoke(main, ["token", "revoke", record.id, *args])
    assert revoked.exit_code == 0
    assert ManageTokens.of(config).list() == []
    missing = runner.invoke(main, ["token", "revoke", "nope", *args])
    assert missing.exit_code == 2
    assert "no management token 'nope'" in missing.output


def test_cli_new_wants_a_known_scope(config):
    result = CliRunner().invoke(main, ["token", "new", "-c", str(config.path)])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["token", "new", "--scope", "admin", "-c", str(config.path)])
    assert result.exit_code == 2
