"""The custom domain: the records `statusgen domain` prints, and the check each run makes
against a real DNS server on 127.0.0.1 (tests/dns_support.py) and a trustme HTTPS server:
verified, wrong records or certificate, and offline (the previous result kept)."""

from __future__ import annotations

import datetime as dt
import json
import ssl

import pytest
import trustme
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from statusgen.cli import main
from statusgen.clock import FixedClock
from statusgen.config import load_config
from statusgen.domain.records import GITHUB_PAGES_A, GITHUB_PAGES_AAAA, expected
from statusgen.run import run_all

from .conftest import T0, write_project
from .dns_support import dns_server, silent_dns

DOMAIN = "status.acme.test"
PAGES = {(f"{DOMAIN}.", "CNAME"): ["acme.github.io."], ("acme.github.io.", "A"): ["127.0.0.1"]}
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def https_server(ca: trustme.CA, name: str) -> HTTPServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf = ca.issue_cert(name, not_after=NOW + dt.timedelta(days=60))
    leaf.configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/").respond_with_data("OK")
    server.start()
    return server


@pytest.fixture
def https(ca):
    server = https_server(ca, DOMAIN)
    yield server
    server.stop()


def project(tmp_path, ca, dns_port: int, https_port: int, domain: str = "") -> object:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    path = write_project(
        tmp_path,
        f"""
        [page]
        name = "Acme"
        url = "https://{DOMAIN}/"
        custom_domain = "{DOMAIN}"

        [domain]
        nameserver = "127.0.0.1:{dns_port}"
        https_port = {https_port}
        timeout = 0.5
        {domain}

        [tls]
        ca_file = "ca.pem"

        [[services]]
        id = "web"
        name = "Web"
          [[services.nodes]]
          id = "site"
          label = "Site"
          retry = 0
          replicas = ["tcp://127.0.0.1:9"]
        """,
    )
    return load_config(path, env={})


def status_json(config) -> dict:
    text = (config.output_dir / "api" / "v1" / "status.json").read_text(encoding="utf-8")
    return json.loads(text)["domain"]


def test_the_records_for_github_pages_and_a_static_host(tmp_path, monkeypatch):
    config = project(tmp_path, trustme.CA(), 53, 443)
    sub = expected(config, env={"GITHUB_REPOSITORY_OWNER": "Acme"})
    assert [r.line() for r in sub.records] == [f"{DOMAIN}.  CNAME  acme.github.io."]
    config.page.custom_domain = "acme.test"
    apex = expected(config, env={})
    assert [r.value for r in apex.records if r.name == "acme.test"] == [
        *GITHUB_PAGES_A,
        *GITHUB_PAGES_AAAA,
    ]
    config.domain.addresses = ["192.0.2.7"]
    static = expected(config, "static", env={})
    assert [r.line() for r in static.records] == ["acme.test.  A      192.0.2.7"]

    monkeypatch.setenv("GITHUB_REPOSITORY_OWNER", "acme")
    result = CliRunner().invoke(main, ["domain", "-c", str(config.path)])
    assert result.exit_code == 0, result.output
    assert f"{DOMAIN}.  CNAME  acme.github.io." in result.output  # the config's own domain
    assert "another static host" in result.output and "not checked yet" in result.output


def test_a_verified_domain_is_published_and_shown_by_check(tmp_path, ca, https):
    with dns_server(PAGES) as port:
        config = project(tmp_path, ca, port, https.port)
        result = CliRunner().invoke(main, ["build", "-c", str(config.path)])
    assert result.exit_code == 0, result.output
    assert f"domain {DOMAIN}: verified at" in result.output
    domain = status_json(config)
    assert domain["verified"] is True and domain["problems"] == []
    assert domain["verified_at"] == domain["checked_at"]
    assert domain["certificate_expires"][:10] == (NOW + dt.timedelta(days=60)).date().isoformat()
    check = CliRunner().invoke(main, ["check", "-c", str(config.path)])
    assert check.exit_code == 0, check.output
    assert f"domain {DOMAIN}: verified at {domain['verified_at']}" in check.output


def test_wrong_records_and_a_certificate_for_another_name_are_named(tmp_path, ca):
    zone = {(f"{DOMAIN}.", "CNAME"): ["elsewhere.test."], ("elsewhere.test.", "A"): ["127.0.0.1"]}
    other = https_server(ca, "elsewhere.test")
    try:
        with dns_server(zone) as port:
            config = project(tmp_path, ca, port, other.port, 'target = "acme.github.io"')
            run = run_all(config, FixedClock(T0), notify=False)
    finally:
        other.stop()
    assert run.build is not None  # the pass goes on
    assert run.domain is not None and run.domain.verified is False
    assert run.domain.problems == (
        f"{DOMAIN} is a CNAME to elsewhere.test; expected acme.github.io",
        f"https://{DOMAIN}/ (port {other.port}): certificate: name mismatch",
    )
    assert status_json(config)["problems"] == list(run.domain.problems)


def test_a_static_host_with_a_foreign_address(tmp_path, ca, https):
    zone = {(f"{DOMAIN}.", "A"): ["127.0.0.1", "192.0.2.9"]}
    with dns_server(zone) as port:
        config = project(
            tmp_path, ca, port, https.port, 'host = "static"\naddresses = ["127.0.0.1"]'
        )
        run = run_all(config, FixedClock(T0), notify=False)
    assert run.domain is not None
    assert run.domain.problems == (
        f"{DOMAIN} points to 192.0.2.9, not the host's addresses (127.0.0.1)",
    )


def test_offline_keeps_the_last_result_and_says_so(tmp_path, ca, https):
    clock = FixedClock(T0)
    with dns_server(PAGES) as port:
        config = project(tmp_path, ca, port, https.port)
        first = run_all(config, clock, notify=False).domain
    assert first is not None and first.verified
    with silent_dns() as silent:
        config.domain.nameserver = f"127.0.0.1:{silent}"
        clock.advance(minutes=5)
        second = run_all(config, clock, notify=False)
    assert second.build is not None  # not a failed pass
    domain = status_json(config)
    assert domain["verified"] is True and domain["verified_at"] == "2026-11-23T12:00:00Z"
    assert domain["unchecked"].startswith("DNS: no answer")
    assert second.domain is not None
    assert second.domain.summary().startswith(f"domain {DOMAIN}: could not check (DNS: no answer")


def test_serve_checks_the_domain_and_publishes_it_live(tmp_path, ca, https):
    from statusgen.server.app import create_app
    from tests.server_support import REPORTER_ONLY, running_server, wait_for

    def live_domain(app) -> dict | None:
        document = app.state.ctx.documents.by_path.get("api/v1/status.json")
        return json.loads(document)["domain"] if document else None

    with dns_server(PAGES) as port:
        config = project(tmp_path, ca, port, https.port)
        app = create_app(config, FixedClock(T0), route_modules=REPORTER_ONLY, notify=False)
        with running_server(app):
            wait_for(lambda: (live_domain(app) or {}).get("verified"), what="a verified domain")
    assert live_domain(app)["verified_at"] == "2026-11-23T12:00:00Z"
