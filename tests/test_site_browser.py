"""The built site in headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
readable with JavaScript off, no console errors with it on, bar tooltips on hover and
keyboard focus, and the widget's banner on another site's page when the page is down."""

from __future__ import annotations

import pytest

from statusgen.site import build_site

from .browser_support import module_browser, needs_chromium, serve_folder
from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture

pytestmark = needs_chromium
browser = module_browser()

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Help centre</title>
<link rel="icon" href="data:,"></head>
<body><h1>Help centre</h1>
<script src="{src}" async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    config = make_fixture(root, FIXTURE_CONFIG.replace('url = "https://status.acme.test/"\n', ""))
    build_site(config, T0)
    host = root / "host"
    host.mkdir()
    with serve_folder(config.output_dir) as status_server:
        base = f"http://127.0.0.1:{status_server.server_address[1]}/"
        (host / "index.html").write_text(HOST_PAGE.format(src=base + "widget.js"))
        with serve_folder(host) as host_server:
            yield base, f"http://127.0.0.1:{host_server.server_address[1]}/"


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_home_page_with_javascript_has_no_errors_and_bar_tooltips(browser, site):
    status, _ = site
    page = browser.new_page()
    errors = watch(page)
    for path in ("", "nodes/web/site.html", "history.html", "incidents/2026-11-23-rest-down.html"):
        page.goto(status + path)
        page.wait_for_load_state("load")
    page.goto(status)
    assert "Partial system outage" in page.inner_text(".overall h1")
    cell = page.locator("div.bar p.d").first
    cell.hover()
    tip = page.locator("#statusgen-tip")
    tip.wait_for(state="visible")
    assert "REST API is down" in tip.inner_text()
    page.locator("div.bar").first.focus()
    page.keyboard.press("ArrowLeft")
    assert tip.is_visible() and "100%" in tip.inner_text()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    assert errors == []
    page.close()


def test_home_page_without_javascript_shows_every_status(browser, site):
    status, _ = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    errors = watch(page)
    page.goto(status)
    assert "Partial system outage" in page.inner_text(".overall h1")
    text = page.inner_text("main")
    for word in ("REST API", "Major outage", "Maintenance", "Operational", "New status page"):
        assert word in text
    assert page.locator("div.bar[role=img][aria-label*='last 90 days']").count() > 0
    page.goto(status + "nodes/web/site.html")
    assert page.locator("div.bar p[title]").count() > 0  # native tooltips without script
    assert page.locator("#statusgen-tip").count() == 0
    assert errors == []
    context.close()


def test_widget_shows_a_dismissible_banner_on_a_host_page_when_the_page_is_down(browser, site):
    _, host = site
    context = browser.new_context()
    context.add_init_script(
        "window.widgetDone = new Promise(resolve => document.addEventListener("
        "'statusgen-widget', event => resolve(event.detail.shown)));"
    )
    page = context.new_page()
    errors = watch(page)
    page.goto(host)
    assert page.evaluate("window.widgetDone") is True
    banner = page.locator("#statusgen-widget")
    assert banner.get_attribute("role") == "alert"
    assert "Major incident: REST API is down" in banner.inner_text()
    page.get_by_role("button", name="Dismiss").click()
    assert banner.count() == 0
    page.reload()
    assert page.evaluate("window.widgetDone") is False  # dismissed for this session
    assert errors == []
    context.close()


def test_widget_stays_quiet_while_the_page_is_up(browser, tmp_path):
    healthy = FIXTURE_CONFIG.replace("severity: critical", "severity: minor")
    config = make_fixture(tmp_path, healthy)
    incident = tmp_path / "config" / "incidents" / "2026-11-23-rest-down.md"
    incident.write_text(incident.read_text().replace("severity: critical", "severity: minor"))
    build_site(config, T0.replace(hour=10))  # before the REST API died
    with serve_folder(config.output_dir) as server:
        src = f"http://127.0.0.1:{server.server_address[1]}/widget.js"
        (tmp_path / "host.html").write_text(HOST_PAGE.format(src=src))
        with serve_folder(tmp_path) as host:
            context = browser.new_context()
            context.add_init_script(
                "window.widgetDone = new Promise(resolve => document.addEventListener("
                "'statusgen-widget', event => resolve(event.detail.shown)));"
            )
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{host.server_address[1]}/host.html")
            assert page.evaluate("window.widgetDone") is False
            assert page.locator("#statusgen-widget").count() == 0
            context.close()
