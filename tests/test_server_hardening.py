"""The live server under bad input and hostile requests (issue 12, server items)."""

from __future__ import annotations

import logging

import httpx
import pytest

from statusgen.server.app import create_app
from statusgen.site.csp import LOOSE, STRICT
from tests.server_support import REPORTER_ONLY, make_project, running_server, wait_for

QUIET = """
[page]
name = "Quiet"

[server]
rebuild_debounce = 0

[[services]]
id = "api"
name = "API"

  [[services.nodes]]
  id = "workers"
  label = "Workers"
  mode = "push"
"""


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path, QUIET)


def test_a_failed_rebuild_keeps_the_last_good_site_and_logs_one_line(config, clock, caplog):
    app = create_app(config, clock, route_modules=REPORTER_ONLY, notify=False)
    scheduler = app.state.scheduler
    with running_server(app) as url, httpx.Client(base_url=url) as client:
        wait_for(lambda: scheduler.rebuilds >= 1, what="the first build")
        home = client.get("/").content
        status = client.get("/api/v1/status.json").content
        broken = config.resolve("config/incidents/2026-11-23-broken.md")
        broken.parent.mkdir(parents=True, exist_ok=True)
        broken.write_text("---\ntitle: Broken\nseverity: apocalyptic\n---\nBody\n")
        caplog.set_level(logging.INFO, logger="statusgen.server")
        app.state.ctx.request_rebuild()
        wait_for(
            lambda: any("rebuild-failed" in r.getMessage() for r in caplog.records),
            what="the failed rebuild's log line",
        )
        assert client.get("/").content == home
        assert client.get("/api/v1/status.json").content == status
    failed = [r for r in caplog.records if "rebuild-failed" in r.getMessage()]
    assert len(failed) == 1
    assert "\n" not in failed[0].getMessage() and failed[0].exc_info is None
    assert "severity" in failed[0].getMessage() and "2026-11-23-broken.md" in failed[0].getMessage()


@pytest.fixture
def served(tmp_path, clock):
    """The whole app (reporter and management routes) over a built site, in-process."""
    from statusgen.site import build_site
    from tests import manage_support

    config = manage_support.make_project(tmp_path)
    build_site(config, clock())
    app = create_app(config, clock, schedule=False, builder=None)
    return manage_support.Client(app, manage_support.new_token(config, clock))


def test_access_log_fields_cannot_forge_lines(served, caplog):
    caplog.set_level(logging.INFO, logger="statusgen.server.access")
    served.get("/x%0a2026-12-02 INFO statusgen.server event=forged%00%0d%20", token=False)
    [line] = [r.getMessage() for r in caplog.records if r.name == "statusgen.server.access"]
    assert "\n" not in line and "\r" not in line and "\x00" not in line
    assert "path=/x\\x0a2026-12-02\\x20INFO" in line and "\\x00\\x0d\\x20" in line


def test_json_nested_2000_deep_is_400_not_500(served):
    deep = "[" * 2000 + "]" * 2000
    response = served.post("/status-pages", content=deep)
    assert response.status_code == 400
    assert "nests too deeply" in response.json()["error"]
    deep_object = '{"a":' * 2000 + "1" + "}" * 2000
    reporter = served.request(
        "POST",
        "/reporter/api/web/",
        content=deep_object,
        headers={"Content-Type": "application/json"},
        token=False,
    )
    assert reporter.status_code in (400, 401)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/status-pages", {"GET", "HEAD", "POST"}),
        ("PUT", "/status-pages/some-id", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("POST", "/index.html", {"GET", "HEAD"}),
        ("DELETE", "/api/v1/status.json", {"GET", "HEAD"}),
    ],
)
def test_405_names_the_methods_the_path_allows(served, method, path, allow):
    response = served.request(method, path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == allow


def test_a_folder_redirect_is_relative_and_never_echoes_the_host(served):
    folder = served.config.output_dir / "team"  # as an extra page's folder would be
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html>")
    response = served.get(f"/{folder.name}?x=1", headers={"Host": "evil.example"}, token=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"{folder.name}/?x=1"


def test_a_corrupt_token_file_does_not_reveal_the_state_folder(served, caplog):
    state = served.app.state.ctx.state_dir
    (state / "manage-tokens.json").write_text("{not json")
    response = served.get("/status-pages", token="sgm_whatever")
    assert response.status_code == 503
    assert str(state) not in response.text and "manage-tokens" not in response.text
    assert any("token-file-unreadable" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("path", ["/", "/api/v1/status.json", "/status-pages", "/nope"])
def test_every_response_carries_the_security_headers(served, path):
    response = served.get(path, token=False)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy


def policy(html: str) -> str:
    import re
    from html import unescape

    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    assert found, "no CSP <meta>"
    return unescape(found.group(1))


def test_static_pages_carry_a_csp_their_own_markup_satisfies(tmp_path):
    import re

    from statusgen.site import build_site
    from tests.conftest import T0
    from tests.site_helpers import FIXTURE_CONFIG, make_fixture

    text = FIXTURE_CONFIG.replace(
        'custom_domain = "status.acme.test"',
        'custom_domain = "status.acme.test"\nlogos = { banner = "brand/sky (1).png" }',
    )
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "sky (1).png").write_bytes(b"\x89PNG")
    config = make_fixture(tmp_path, text)
    build_site(config, T0)
    pages = list(config.output_dir.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text()
        assert policy(html) == STRICT, page
        assert not re.search(r"\sstyle=", html), page
        assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html), page
        assert not re.search(r"\son[a-z]+=", html), page
    css = (config.output_dir / "style.css").read_text()
    assert ".top.banner{background-image:url('assets/sky%20%281%29.png')}" in css


def test_include_html_loosens_the_csp_as_documented(tmp_path):
    from statusgen.site import build_site
    from tests.conftest import T0
    from tests.site_helpers import FIXTURE_CONFIG, make_fixture

    text = FIXTURE_CONFIG.replace(
        'custom_domain = "status.acme.test"', 'include_html = "<script>track()</script>"'
    )
    config = make_fixture(tmp_path, text)
    build_site(config, T0)
    html = (config.output_dir / "index.html").read_text()
    assert policy(html) == LOOSE
    assert "script-src 'self' 'unsafe-inline' https:" in LOOSE


@pytest.mark.parametrize("slug", ["api", "assets", "status", "fr", "badges"])
def test_a_reserved_slug_through_the_api_is_refused_and_nothing_written(tmp_path, clock, slug):
    from tests import manage_support

    config = manage_support.make_project(tmp_path)
    before = config.path.read_bytes()
    app = manage_support.make_app(config, clock)
    client = manage_support.Client(app, manage_support.new_token(config, clock))
    response = client.post("/status-pages", json={"slug": slug, "name": "Shadow"})
    assert response.status_code == 400
    assert "reserved" in response.json()["error"]
    assert config.path.read_bytes() == before
