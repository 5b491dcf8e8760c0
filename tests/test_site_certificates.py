"""The node page shows each https:// and tls:// replica's certificate expiry, recorded
from a real TLS handshake (a trustme certificate on a loopback server) by `run`."""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
import trustme
from pytest_httpserver import HTTPServer

from statusgen.clock import FixedClock
from statusgen.config import load_config
from statusgen.run import run_all
from statusgen.site import build_site
from statusgen.site.i18n import messages

from .conftest import write_project
from .site_helpers import make_fixture

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
NOT_AFTER = NOW + dt.timedelta(days=40)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https(ca: trustme.CA):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf = ca.issue_cert("127.0.0.1", not_before=NOW - dt.timedelta(days=1), not_after=NOT_AFTER)
    leaf.configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/").respond_with_data("OK")
    server.start()
    yield server
    server.stop()


def test_the_node_page_shows_each_certificate_expiry(tmp_path, ca, https):
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    path = write_project(
        tmp_path,
        f"""
        [page]
        name = "Certs"

        [[services]]
        id = "web"
        name = "Web"

          [[services.nodes]]
          id = "site"
          label = "Site"
          tls = {{ ca_file = "{tmp_path / "ca.pem"}" }}
          retry = 0
          replicas = [{{ url = "https://127.0.0.1:{https.port}/", label = "secure" }},
                      {{ url = "tls://127.0.0.1:{https.port}", label = "raw-tls" }},
                      {{ url = "http://127.0.0.1:9/", label = "plain" }}]
        """,
    )
    config = load_config(path, env={})
    clock = FixedClock(NOW)
    run_all(config, clock, notify=False)
    meta = tmp_path / "history" / "meta.json"
    first = meta.stat().st_ino
    clock.advance(minutes=5)
    run_all(config, clock, notify=False)
    assert meta.stat().st_ino == first  # the same expiry is not written again

    html = (config.output_dir / "nodes" / "web" / "site.html").read_text(encoding="utf-8")
    when = messages("en").datetime(NOT_AFTER)
    assert '<th scope="col">Certificate expires</th>' in html
    rows = {row.split("</td>", 1)[0]: row for row in html.split("<tr><td>")[1:]}
    assert when in rows["secure"] and when in rows["raw-tls"]
    assert "<td></td></tr>" in rows["plain"]  # http://: no certificate, an empty cell


def test_a_node_without_tls_replicas_has_no_certificate_column(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, NOW)
    html = (config.output_dir / "nodes" / "web" / "site.html").read_text(encoding="utf-8")
    assert "Certificate expires" not in html
